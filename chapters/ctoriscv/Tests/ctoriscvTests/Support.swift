// Shared helpers: where the corpus lives, running programs, finding the GNU tools.
import Foundation
@testable import ctoriscv

enum Corpus {
    /// chapters/ctoriscv/Tests/ctoriscvTests/corpus, found next to this source file.
    static let directory: String = {
        let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        return here.appendingPathComponent("corpus").path
    }()

    /// The corpus programs' file names, sorted.
    static let programs: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".c") }.sorted()
    }()

    static func path(_ name: String) -> String { directory + "/" + name }

    static func source(_ name: String) -> String {
        (try? String(contentsOfFile: path(name), encoding: .utf8)) ?? ""
    }
}

/// Compiles and runs a C program on our emulator.
func runC(_ source: String, fileName: String = "<test>") throws -> (exitCode: Int32, output: String) {
    let r = try run(source: source, fileName: fileName, maxSteps: 500_000_000)
    return (r.exitCode, r.output)
}

/// The first of `names` found on PATH, or nil.
func which(_ name: String) -> String? {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
        let p = String(dir) + "/" + name
        if FileManager.default.isExecutableFile(atPath: p) { return p }
    }
    return nil
}

/// Runs a program, returning its exit status and combined output.
@discardableResult
func shell(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    try p.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// A deterministic generator (SplitMix64), so the fuzz test is the same on every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
