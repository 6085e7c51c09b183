// How a command stops for something the user gave it (a flag, a file, a prompt): one line on
// standard error and exit status 2, checked before any slow work where it can be. No input
// reaches a fatalError: the loaders throw, and the commands turn what they throw into this.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import picograd

/// Writes `text` and a newline to standard error, on one line (newlines and other control
/// characters a hostile file put in a name are escaped; very long messages are cut).
func printError(_ text: String) {
    var line = ""
    for u in text.unicodeScalars {
        switch u {
        case "\n": line += "\\n"
        case _ where u.value < 0x20 || u.value == 0x7F: line += "?"
        default: line.unicodeScalars.append(u)
        }
        if line.utf8.count > 2000 { line += " ..."; break }
    }
    line += "\n"
    fflush(nil)
    _ = line.withCString { write(2, $0, strlen($0)) }
}

/// Stops `picograd <command>` for a user error: one line, exit status 2.
func userError(_ command: String, _ message: String) -> Never {
    printError("picograd \(command): \(message)")
    exit(2)
}

/// A note about a value the command adjusted (on standard error, so output stays clean).
func note(_ command: String, _ message: String) {
    printError("picograd \(command): note: \(message)")
}

/// The device a `--device` flag names, refused unless a backend serves it in this build.
func parseDevice(_ command: String, _ text: String) -> Device {
    guard let d = Device(parsing: text) else { userError(command, "--device takes cpu, reference or cuda[:N], got '\(text)'") }
    guard Backends.isAvailable(d) else {
        let why = d.kind == .cuda ? " (no CUDA GPU here: \(CUDA.unavailableReason ?? "the driver has no GPU \(d.index)"))" : ""
        userError(command, "--device \(text): no backend serves it on this machine\(why); use --device cpu")
    }
    return d
}

/// Reads `--flag value` pairs and bare words; refuses a flag without its value.
struct ArgumentList {
    let command: String
    let args: [String]
    var i = 0

    init(_ command: String, _ args: [String]) { (self.command, self.args) = (command, args) }

    /// The next argument, or nil at the end.
    mutating func next() -> String? {
        guard i < args.count else { return nil }
        i += 1
        return args[i - 1]
    }

    /// The value after `flag`.
    mutating func value(_ flag: String) -> String {
        guard let v = next() else { userError(command, "\(flag) needs a value") }
        return v
    }

    /// An integer value after `flag`, at least `least`.
    mutating func int(_ flag: String, atLeast least: Int) -> Int {
        let text = value(flag)
        guard let n = Int(text), n >= least else { userError(command, "\(flag) takes an integer >= \(least), got '\(text)'") }
        return n
    }
}
