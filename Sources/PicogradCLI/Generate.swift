// `picograd generate`: filled in with the pretrained llama.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum Generate {
    static func run(_ args: [String]) { print("picograd generate: not built yet"); exit(2) }
}
