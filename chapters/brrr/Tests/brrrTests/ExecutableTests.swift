import Foundation
import Testing

/// The executables import picograd and nothing else of brrr: its backend must serve `.cpu`
/// there too (the load-time hook, not a call).
@Suite("brrr in the executables")
struct ExecutableTests {
    /// The folder `swift build` put the test bundle's siblings in (the products).
    static var productsFolder: URL? {
        var dir = Bundle.main.bundleURL
        for _ in 0..<4 {
            if FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent("picograd").path) { return dir }
            dir.deleteLastPathComponent()
        }
        return nil
    }

    func run(_ binary: String, _ arguments: [String]) throws -> String {
        let p = Process()
        p.executableURL = try #require(Self.productsFolder, "no picograd beside the tests: build with swift build --build-tests")
            .appendingPathComponent(binary)
        p.arguments = arguments
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test("picograd devices names brrr's CPU backend")
    func picogradDevices() throws {
        let out = try run("picograd", ["devices"])
        #expect(out.contains("cpu: cpu-"), "picograd devices printed: \(out)")
    }

    @Test("grade runs brrr's cases on brrr's CPU backend")
    func gradeHeader() throws {
        let out = try run("grade", ["brrr", "--case", "brrr/thread_split"])
        #expect(out.contains("on cpu (cpu-"), "grade printed: \(out)")
    }
}
