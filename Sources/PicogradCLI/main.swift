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
    """)
}
