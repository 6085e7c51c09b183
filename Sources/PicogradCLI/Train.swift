// `picograd train` and `picograd sample`: filled in with chapter 2.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum Train {
    static func run(_ args: [String]) { print("picograd train: not built yet (chapter 2)"); exit(2) }
}

enum Sample {
    static func run(_ args: [String]) { print("picograd sample: not built yet (chapter 2)"); exit(2) }
}
