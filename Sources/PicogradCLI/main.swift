// The `picograd` command: the course's main job and its tools.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import picograd

let arguments = Array(CommandLine.arguments.dropFirst())
let rest = Array(arguments.dropFirst())
switch arguments.first {
case nil, "demo":
    if !rest.isEmpty { userError("demo", "takes no arguments, got \(rest.map { "'\($0)'" }.joined(separator: " "))") }
    Demo.run()
case "bench": Bench.run(rest)
case "train": Train.run(rest)
case "sample": Sample.run(rest)
case "generate": Generate.run(rest)
case "graph": GraphCommand.run(rest)
case "launch": Launch.run(rest)
case "dist-check": DistCheckCommand.run(rest)
case "devices":
    if !rest.isEmpty { userError("devices", "takes no arguments, got \(rest.map { "'\($0)'" }.joined(separator: " "))") }
    printDevices()
case "-h", "--help", "help": printUsage()
default:
    printError("picograd: unknown command '\(arguments[0])' (commands: demo, bench, train, sample, generate, graph, launch, dist-check, devices; picograd --help lists them)")
    exit(2)
}

func printUsage() {
    print("""
    usage: picograd [command]
      (none) | demo          train a tiny MLP with dfdx and print its loss falling
      bench [ops] [--json]   small-op overhead and elementwise/reduction throughput
      bench pipeline         the pipeline bubble measured on thread ranks (AFAB, 1F1B; p 2, 4; m 1-8)
      train names|shakespeare [--steps N] [--resume PATH] [--out DIR] [--save-every N|Ts]   train (or resume) a model
            [--dp N --tp N --pp N]   shakespeare on dp x tp x pp thread ranks (chapter 5)
      sample CHECKPOINT      print samples from a trained checkpoint
      generate "prompt" [--model PATH] [--tokens N] [--chat] ...   run SmolLM2-135M
      graph softmax|mlp|gpt [--after-passes] [-o out.dot|out.svg]   a compiled function's graph as Graphviz dot (SVG with dot)
      launch --nproc N [--master-port P] -- COMMAND ...   N ranks of COMMAND (RANK, WORLD_SIZE, MASTER_ADDR/PORT), like torchrun
      dist-check [--die R]   one rank's rendezvous check through the TCP store (run it under launch)
      devices                the devices here and the backend serving each
    """)
}

/// `picograd devices`: which backend serves each device (brrr registers itself on import).
func printDevices() {
    print("reference: \(Backends.backend(for: .reference).name) (dfdx's readable loops)")
    let cpu = Backends.backend(for: .cpu)
    let isas = CPUISA.supported.map(\.rawValue).joined(separator: ", ")
    print("cpu: \(cpu.name) (\(cpuThreads) thread\(cpuThreads == 1 ? "" : "s"); this CPU runs \(isas))")
}
