// safetensors round trips, corrupt files, and resuming a run from a checkpoint.
import Testing
import lego
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func temporaryPath(_ name: String) -> String { "/tmp/lego-test-\(getpid())-\(name)" }

func writeBytes(_ bytes: [UInt8], to path: String) {
    let f = fopen(path, "wb")!
    _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
    fclose(f)
}

func readBytes(_ path: String) -> [UInt8] {
    guard let f = fopen(path, "rb") else { return [] }
    defer { fclose(f) }
    var out: [UInt8] = [], buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = fread(&buffer, 1, buffer.count, f)
        if n <= 0 { break }
        out += buffer[..<n]
    }
    return out
}

@Suite struct SafetensorsTests {
    @Test func roundTrip() throws {
        let path = temporaryPath("round.safetensors")
        defer { unlink(path) }
        let a = Tensor([1, -2.5, 3e-8, .infinity, 0, 7], shape: [2, 3]), b = Tensor(4)
        try saveSafetensors(["a": a, "b.c": b, "empty": Tensor.zeros([0, 3])], to: path, metadata: ["step": "3"])
        let (back, metadata) = try loadSafetensorsWithMetadata(path)
        #expect(back["a"]?.toArray() == a.toArray() && back["a"]?.shape == [2, 3])
        #expect(back["b.c"]?.shape == [] && back["b.c"]?.item() == 4 && back["empty"]?.shape == [0, 3])
        #expect(metadata == ["step": "3"])
        #expect(readBytes(path + ".tmp-\(getpid())").isEmpty)   // the temporary file was renamed away
        #expect(readBytes(path).count % 4 == 0)
    }

    @Test func halfPrecision() {
        #expect(halfToFloat(0x3c00) == 1 && halfToFloat(0xc000) == -2 && halfToFloat(0x0001) == 5.9604645e-08)
        #expect(halfToFloat(0x7c00) == .infinity && halfToFloat(0x7e00).isNaN)
    }

    @Test func corruptFilesThrow() throws {
        let path = temporaryPath("corrupt.safetensors")
        defer { unlink(path) }
        try saveSafetensors(["w": Tensor.ones([4])], to: path)
        let good = readBytes(path)
        var cases: [(String, [UInt8])] = [
            ("too short", [1, 2, 3]),
            ("huge header", [255, 255, 255, 255, 255, 255, 255, 255] + Array(good[8...])),
            ("truncated data", Array(good.dropLast(3))),
            ("not json", Array(good[..<8]) + [UInt8](repeating: 0x41, count: good.count - 8)),
        ]
        let header = String(decoding: good[8..<(good.count - 16)], as: UTF8.self)
        for (what, replacement) in [("bad dtype", header.replacingAll("F32", with: "I64")),
                                    ("bad offsets", header.replacingAll("[0,16]", with: "[0,99]"))] {
            cases.append((what, Array(good[..<8]) + Array(replacement.utf8) + Array(good.suffix(16))))
        }
        for (what, bytes) in cases {
            writeBytes(bytes, to: path)
            #expect(throws: SafetensorsError.self, "\(what)") { try loadSafetensors(path) }
        }
        #expect(throws: SafetensorsError.self) { try loadSafetensors(temporaryPath("does-not-exist")) }
    }

    /// Writes Tests/Grading/Reference/lego/picograd_written.safetensors for scripts/reference/lego.py,
    /// which checks that Python's safetensors reads our bytes (only when that folder is reachable).
    @Test func fileForThePythonCheck() throws {
        let folder = "../../Tests/Grading/Reference/lego"
        guard let data = try? loadSafetensors(folder + "/torch_written.safetensors") else { return }
        try saveSafetensors(["weight": data["weight"]!, "bias": data["bias"]!], to: folder + "/picograd_written.safetensors")
    }
}

extension String {
    func replacingAll(_ a: String, with b: String) -> String {
        split(separator: a, omittingEmptySubsequences: false).joined(separator: b)
    }
}

@Suite struct ResumeTests {
    static let text = String(repeating: "first citizen:\nbefore we proceed any further, hear me speak.\n", count: 40)

    /// Six steps straight through equal three steps, a checkpoint, a fresh process-like reload, and
    /// three more. Both runs start from the same saved step-0 checkpoint, so tests that reseed the
    /// default generator in parallel cannot change the initial weights under us.
    @Test(arguments: ["shakespeare", "names"])
    func resumeEqualsUninterrupted(task: String) throws {
        var options = RunOptions.defaults(for: task)
        (options.steps, options.batchSize, options.warmup) = (6, task == "names" ? 16 : 2, 2)
        let text = task == "names" ? "emma\nolivia\nava\nisabella\nsophia\nmia\namelia\nharper\nevelyn\nabigail\n" : Self.text
        let start = temporaryPath("\(task)-start.safetensors"), middle = temporaryPath("\(task)-middle.safetensors")
        defer { unlink(start); unlink(middle) }
        try CharTrainingRun(task: task, text: text, options: options).save(start)

        let straight = try CharTrainingRun.load(start, text: text)
        let expected = (0..<6).map { _ in straight.takeStep() }

        let first = try CharTrainingRun.load(start, text: text)
        var losses = (0..<3).map { _ in first.takeStep() }
        try first.save(middle)
        let resumed = try CharTrainingRun.load(middle, text: text)
        #expect(resumed.step == 3)
        losses += (0..<3).map { _ in resumed.takeStep() }
        #expect(losses == expected)
        if task == "names" { #expect(resumed.validationLoss() == straight.validationLoss()) }
    }

    @Test func badCheckpointThrows() throws {
        let path = temporaryPath("not-a-run.safetensors")
        defer { unlink(path) }
        try saveSafetensors(["w": Tensor.ones([2])], to: path)
        #expect(throws: CheckpointError.self) { try CharTrainingRun.load(path, text: nil) }
    }
}
