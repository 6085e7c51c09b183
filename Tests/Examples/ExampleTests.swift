// The three PyTorch ports of examples/ run briefly, through their real executables, and what
// they print is compared with their PyTorch twins (scripts/reference/examples.py, which draws
// every random number from picograd's generator, so both start from the same weights and take
// the same batches). Tolerance: the course's forward rtol 1e-4 / atol 1e-5, on every loss printed.
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

/// The example's executable, built beside this test bundle (the test target depends on it).
func exampleBinary(_ name: String) -> String? {
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<4 {
        let p = dir.appendingPathComponent(name).path
        if FileManager.default.isExecutableFile(atPath: p) { return p }
        dir = dir.deletingLastPathComponent()
    }
    return nil
}

/// Runs an example to completion: its status and stdout (stderr is kept for a failure message).
func runExample(_ name: String, _ args: [String]) throws -> (status: Int32, out: String, err: String) {
    let binary = try #require(exampleBinary(name), "no \(name) binary beside the tests: build with swift build --build-tests")
    let p = Process()
    p.executableURL = URL(fileURLWithPath: binary)
    p.arguments = args
    var env = ProcessInfo.processInfo.environment
    env["SWIFT_BACKTRACE"] = "enable=no"
    p.environment = env
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

/// The JSON a twin wrote, found from the working directory up.
func twin(_ name: String) throws -> [String: Any] {
    var dir = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    for _ in 0..<5 {
        let p = dir.appendingPathComponent("Tests/Examples/Reference/\(name).json").path
        if let data = FileManager.default.contents(atPath: p) {
            return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        }
        dir = dir.deletingLastPathComponent()
    }
    throw TwinMissing(name: name)
}
struct TwinMissing: Error { let name: String }

/// The value after `prefix` on each printed line that starts with it.
func values(after prefix: String, in out: String) -> [Double] {
    out.split(separator: "\n").compactMap { line in
        line.hasPrefix(prefix) ? Double(line.dropFirst(prefix.count).split(separator: " ").last!) : nil
    }
}

func close(_ a: Double, _ b: Double) -> Bool { Swift.abs(a - b) <= 1e-5 + 1e-4 * Swift.abs(b) }

/// The data sets the two data examples read, or nil (the test then says why it cannot run).
func dataFolder(_ file: String) -> Bool {
    let folder = ProcessInfo.processInfo.environment["PICOGRAD_DATA"] ?? "data"
    return FileManager.default.fileExists(atPath: folder + "/" + file)
}

@Suite(.serialized) struct ExampleTests {
    @Test func polynomialFitMatchesItsTwin() throws {
        let ref = try twin("polynomial_fit")
        let run = try runExample("PolynomialFit", ["--steps", "2000"])
        #expect(run.status == 0, "\(run.err)")
        // lines "99 2102.6497": step, loss
        let printed = run.out.split(separator: "\n").filter { !$0.hasPrefix("Result") }.map { $0.split(separator: " ") }
        let losses = try #require(ref["losses"] as? [String: Double])
        #expect(printed.count == 20 && losses.count == 20)
        for line in printed {
            let (t, loss) = (String(line[0]), Double(line[1])!)
            let expected = try #require(losses[t], "step \(t) not in the twin")
            #expect(close(loss, expected), "step \(t): loss \(loss), PyTorch \(expected)")
        }
        let result = try #require(ref["result"] as? [Double])
        let got = run.out.split(separator: "\n").last!.split(separator: " ").compactMap { Double($0) }
        #expect(got.count == 4 && zip(got, result).allSatisfy { close($0, $1) }, "\(got) vs PyTorch \(result)")
    }

    @Test func makemoreMLPMatchesItsTwin() throws {
        guard dataFolder("names.txt") else {
            print("skipped makemoreMLPMatchesItsTwin: names.txt not in $PICOGRAD_DATA or data/ (scripts/fetch-data)")
            return
        }
        let ref = try twin("makemore_mlp")
        let steps = try #require(ref["steps"] as? Int)
        let run = try runExample("MakemoreMLP", ["--steps", "\(steps)", "--log-every", "1", "--samples", "0"])
        #expect(run.status == 0, "\(run.err)")
        #expect(run.out.contains("[182457, 3] [182457]\n[22827, 3] [22827]\n"))   // the twin's splits: the same shuffle
        let parameters = try #require(ref["parameters"] as? Int)
        #expect(run.out.contains("\n\(parameters)\n"))
        let losses = values(after: "step ", in: run.out), expected = try #require(ref["losses"] as? [Double])
        #expect(losses.count == steps)
        // SGD at lr 0.1 from N(0, 1) weights amplifies float32 rounding: PyTorch's own float32
        // run strays from its float64 run by up to 4.1e-5 (relative) in the first 50 steps and
        // 2.6e-4 over 200. So the first 50 steps must agree to the forward tolerance, the rest to 1e-3.
        for (i, (a, b)) in zip(losses, expected).enumerated() {
            let ok = i < 50 ? close(a, b) : Swift.abs(a - b) <= 1e-3 * Swift.abs(b)
            #expect(ok, "step \(i): loss \(a), PyTorch \(b)")
        }
        let dev = values(after: "dev loss", in: run.out)
        let expectedDev = try #require(ref["dev_loss"] as? Double)
        #expect(dev.count == 1 && close(dev[0], expectedDev), "dev loss \(dev), PyTorch \(expectedDev)")
    }

    @Test func nanoGPTMatchesItsTwin() throws {
        guard dataFolder("tinyshakespeare.txt") else {
            print("skipped nanoGPTMatchesItsTwin: tinyshakespeare.txt not in $PICOGRAD_DATA or data/ (scripts/fetch-data)")
            return
        }
        let ref = try twin("nanogpt")
        let iters = try #require(ref["iters"] as? Int)
        let run = try runExample("NanoGPT", ["--iters", "\(iters)", "--sample", "20"])
        #expect(run.status == 0, "\(run.err)")
        // the tied head counts once: the twin's torch model says how many
        let numParams = try #require(ref["num_params"] as? Int)
        #expect(run.out.contains("number of parameters: \(Double(numParams) / 1e6)M"))
        let (decayed, nonDecayed) = (try #require(ref["decayed"] as? Int), try #require(ref["non_decayed"] as? Int))
        #expect(run.out.contains("num decayed parameter tensors: 10, with \(decayed) parameters"))
        #expect(run.out.contains("num non-decayed parameter tensors: 18, with \(nonDecayed) parameters"))
        let losses = values(after: "iter ", in: run.out), expected = try #require(ref["losses"] as? [Double])
        #expect(losses.count == iters)
        for (i, (a, b)) in zip(losses, expected).enumerated() { #expect(close(a, b), "iter \(i): loss \(a), PyTorch \(b)") }
    }
}
