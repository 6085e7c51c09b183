// The `picograd` command: the course's main job and its tools.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import picograd

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case nil, "demo": Demo.run()
case "bench": Bench.run(Array(arguments.dropFirst()))
case "train": Train.run(Array(arguments.dropFirst()))
case "sample": Sample.run(Array(arguments.dropFirst()))
case "generate": Generate.run(Array(arguments.dropFirst()))
case "-h", "--help", "help": printUsage()
default:
    print("picograd: unknown command '\(arguments[0])'")
    printUsage()
    exit(2)
}

func printUsage() {
    print("""
    usage: picograd [command]
      (none) | demo          train a tiny MLP with dfdx and print its loss falling
      bench [ops] [--json]   small-op overhead and elementwise/reduction throughput
      train names|shakespeare [--steps N] [--resume PATH]   train a model from scratch
      sample CHECKPOINT      print samples from a trained checkpoint
      generate "prompt" [--model PATH] [--tokens N] [--chat] ...   run SmolLM2-135M
    """)
}
