// A seeded mutation fuzzer over the files picograd reads: small GGUF files and checkpoints
// that the test writes itself (GGUFWriter, CharTrainingRun.save), mutated in their headers,
// metadata values, tensor infos and data, each case run through the real `picograd` command
// in a child process with a timeout and a memory limit. The loaders throw and the command
// exits 2 with one line; the child is there to catch what escapes: a crash (a signal), a hang
// (the timeout) or a runaway allocation (the memory limit turns it into a failed malloc).
//
//   swift test --filter MutationFuzz                 about 500 cases (PICOGRAD_FUZZ_CASES, _SEED change it)
//   scripts/fuzz --model PATH                 a longer campaign on a real model (release build)
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
@testable import lego
import dfdx

/// The fuzzer's seeded choices, the same on every machine (dfdx's SplitMix64 Generator).
struct FuzzRandom {
    var generator: Generator
    init(state: UInt64) { generator = Generator(seed: state) }
    mutating func next() -> UInt64 { generator.next() }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
    mutating func pick<T>(_ xs: [T]) -> T { xs[below(xs.count)] }
}

/// What a child did with one mutated file.
enum FuzzOutcome: Equatable {
    case accepted                 // exit 0: the file still makes sense (a changed weight, say)
    case cleanError               // exit 2 and exactly one line on stderr
    case unclean(String)          // any other exit status, or an error message not on one line
    case crash(String)            // killed by a signal it raised itself
    case hang                     // still running at the timeout
}

/// Runs `binary arguments` under a memory limit (ulimit -v) and a timeout.
func runChild(_ binary: String, _ arguments: [String], timeout: Double, memoryKB: Int) -> FuzzOutcome {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/sh")
    p.arguments = ["-c", "ulimit -v \(memoryKB); exec \"$0\" \"$@\"", binary] + arguments
    var env = ProcessInfo.processInfo.environment
    env["SWIFT_BACKTRACE"] = "enable=no"   // a crash is reported by its signal; no slow backtrace
    env.removeValue(forKey: "PICOGRAD_MODEL")
    p.environment = env
    let errPath = NSTemporaryDirectory() + "picograd-fuzz-\(getpid())-\(UUID().uuidString).err"
    _ = FileManager.default.createFile(atPath: errPath, contents: nil)
    defer { try? FileManager.default.removeItem(atPath: errPath) }
    guard let err = FileHandle(forWritingAtPath: errPath) else { return .unclean("cannot create \(errPath)") }
    p.standardError = err
    p.standardOutput = FileHandle.nullDevice
    do { try p.run() } catch { return .unclean("cannot start \(binary): \(error)") }
    let deadline = Date().addingTimeInterval(timeout)
    while p.isRunning && Date() < deadline { usleep(2000) }
    if p.isRunning {
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        return .hang
    }
    p.waitUntilExit()
    try? err.close()
    let text = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
    let lines = text.split(separator: "\n", omittingEmptySubsequences: true).filter { !$0.contains("note: ") }
    if p.terminationReason == .uncaughtSignal {
        return .crash("signal \(p.terminationStatus): \(lines.prefix(3).joined(separator: " | "))")
    }
    switch p.terminationStatus {
    case 0: return .accepted
    case 2 where lines.count == 1 && lines[0].hasPrefix("picograd "): return .cleanError
    default: return .unclean("exit \(p.terminationStatus), \(lines.count) lines: \(lines.prefix(3).joined(separator: " | "))")
    }
}

/// The `picograd` binary: $PICOGRAD_FUZZ_BINARY, or the one `swift build` put beside the tests.
func picogradBinary() -> String? {
    if let p = ProcessInfo.processInfo.environment["PICOGRAD_FUZZ_BINARY"], !p.isEmpty { return p }
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<4 {
        let p = dir.appendingPathComponent("picograd").path
        if FileManager.default.isExecutableFile(atPath: p) { return p }
        dir = dir.deletingLastPathComponent()
    }
    return nil
}

// MARK: the files

/// A one-layer llama with a byte-level tokenizer that `picograd generate` can run: Q8_0
/// embeddings, Q4_0/Q4_1/Q8_0 projections, F32 norms; `overrides` replace metadata values.
func fuzzLlamaGGUF(_ overrides: [String: GGUFValue] = [:]) -> [UInt8] {
    var g = Generator(seed: 11)
    var w = GGUFWriter()
    let bytes = byteToScalar.map { String(Character($0)) }
    let tokens = bytes + ["hi", "<|im_end|>"]
    var metadata: [(String, GGUFValue)] = [
        ("general.architecture", .string("llama")), ("llama.embedding_length", .uint32(32)),
        ("llama.block_count", .uint32(1)), ("llama.attention.head_count", .uint32(2)),
        ("llama.attention.head_count_kv", .uint32(1)), ("llama.feed_forward_length", .uint32(64)),
        ("llama.context_length", .uint32(64)), ("llama.rope.freq_base", .float32(10000)),
        ("llama.attention.layer_norm_rms_epsilon", .float32(1e-5)), ("llama.vocab_size", .uint32(UInt32(tokens.count))),
        ("llama.rope.dimension_count", .uint32(16)),
        ("tokenizer.ggml.model", .string("gpt2")), ("tokenizer.ggml.pre", .string("smollm")),
        ("tokenizer.ggml.tokens", .array(tokens.map { .string($0) })),
        ("tokenizer.ggml.token_type", .array(tokens.indices.map { .int32($0 == tokens.count - 1 ? 3 : 1) })),
        ("tokenizer.ggml.merges", .array([.string("h i")])),
        ("tokenizer.ggml.eos_token_id", .uint32(UInt32(tokens.count - 1))),
    ]
    for i in metadata.indices { if let v = overrides[metadata[i].0] { metadata[i].1 = v } }
    for (k, v) in metadata { w.add(k, v) }
    func random(_ n: Int) -> [Float] { (0..<n).map { _ in g.normal() * 0.3 } }
    w.addTensor("token_embd.weight", dims: [32, tokens.count], type: .q8_0, data: quantizeQ8_0(random(tokens.count * 32)))
    for (name, rows, cols, type) in [("attn_q", 32, 32, GGUFTensorType.q4_1), ("attn_k", 16, 32, .q4_1), ("attn_v", 16, 32, .q4_1),
                                     ("attn_output", 32, 32, .q8_0), ("ffn_gate", 64, 32, .q4_1), ("ffn_up", 64, 32, .q4_1),
                                     ("ffn_down", 32, 64, .q8_0)] {
        let v = random(rows * cols)
        w.addTensor("blk.0.\(name).weight", dims: [cols, rows], type: type, data: type == .q8_0 ? quantizeQ8_0(v) : quantizeQ4_1(v))
    }
    for name in ["blk.0.attn_norm.weight", "blk.0.ffn_norm.weight", "output_norm.weight"] {
        w.addTensor(name, shape: [32], f32: random(32).map { $0 + 1 })
    }
    return w.bytes()
}

/// Where each field of a GGUF header lies: metadata values (offset, byte size, type) and
/// tensor infos (offsets of n_dims, each dim, type and data offset). Parses files this test
/// wrote (or a real model), so it may trust them.
struct GGUFLayout {
    var values: [(key: String, offset: Int, size: Int, type: UInt32)] = []
    var tensors: [(name: String, nDims: Int, dims: [Int], type: Int, offset: Int)] = []
    var dataOffset = 0

    init(_ b: [UInt8]) {
        var p = 8
        func u32() -> UInt32 { defer { p += 4 }; return b[p..<(p + 4)].reversed().reduce(0) { $0 << 8 | UInt32($1) } }
        func u64() -> Int { defer { p += 8 }; return Int(b[p..<(p + 8)].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }) }
        func string() -> String { let n = u64(); defer { p += n }; return String(decoding: b[p..<(p + n)], as: UTF8.self) }
        func skip(_ type: UInt32) {
            switch type {
            case 0, 1, 7: p += 1
            case 2, 3: p += 2
            case 4, 5, 6: p += 4
            case 10, 11, 12: p += 8
            case 8: _ = string()
            default: let t = u32(); let n = u64(); for _ in 0..<n { skip(t) }   // 9: array
            }
        }
        let nTensors = u64(), nKV = u64()
        for _ in 0..<nKV {
            let key = string(), type = u32(), start = p
            skip(type)
            values.append((key, start, p - start, type))
        }
        for _ in 0..<nTensors {
            let name = string(), nDims = p
            let n = Int(u32())
            var dims: [Int] = []
            for _ in 0..<n { dims.append(p); p += 8 }
            let type = p; p += 4
            let offset = p; p += 8
            tensors.append((name, nDims, dims, type, offset))
        }
        dataOffset = (p + 31) / 32 * 32
    }
}

/// A names checkpoint of a tiny run (a few steps on a dozen names).
func fuzzCheckpoint(_ path: String) throws {
    let text = "emma\nolivia\nava\nisabella\nsophia\ncharlotte\nmia\namelia\nharper\nevelyn\nabigail\nquinn\nzoe\nxena\nbrooklyn\njade\nkylie\nwendy\nyvonne\numa\n"
    var options = RunOptions.defaults(for: "names")
    options.steps = 10; options.batchSize = 8; options.evalEvery = 5
    let run = CharTrainingRun(task: "names", text: text, options: options)
    for _ in 0..<3 { run.takeStep() }
    try run.save(path)
}

/// A little-endian integer's bytes.
func littleEndian<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }

/// Values that break what a naive reader assumes about a number.
let hostileU64: [UInt64] = [0, 1, 2, 3, 31, 33, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 1 << 20, 1 << 40, 1 << 62, .max, .max - 1]
let hostileFloats: [Float] = [.nan, -.nan, .infinity, -.infinity, 0, -1, 1, 1e30, -1e-30, .leastNonzeroMagnitude]

// MARK: mutations

/// One mutated GGUF file (and what was done to it, for the failure message).
func mutateGGUF(_ base: [UInt8], _ layout: GGUFLayout, _ r: inout FuzzRandom, allowResize: Bool) -> (bytes: [UInt8], what: String) {
    var b = base
    func patch(_ at: Int, _ bytes: [UInt8]) { for (i, x) in bytes.enumerated() where at + i < b.count { b[at + i] = x } }
    switch r.below(allowResize ? 7 : 5) {
    case 0:   // a metadata value, same width, hostile
        let v = r.pick(layout.values)
        switch v.type {
        case 6: let f = r.pick(hostileFloats); patch(v.offset, littleEndian(f.bitPattern)); return (b, "metadata \(v.key) = \(f)")
        case 12: let f = Double(r.pick(hostileFloats)); patch(v.offset, littleEndian(f.bitPattern)); return (b, "metadata \(v.key) = \(f)")
        case 0, 1, 7: let x = UInt8(truncatingIfNeeded: r.pick(hostileU64)); patch(v.offset, [x]); return (b, "metadata \(v.key) byte = \(x)")
        case 2, 3: let x = UInt16(truncatingIfNeeded: r.pick(hostileU64)); patch(v.offset, littleEndian(x)); return (b, "metadata \(v.key) = \(x)")
        case 4, 5: let x = UInt32(truncatingIfNeeded: r.pick(hostileU64)); patch(v.offset, littleEndian(x)); return (b, "metadata \(v.key) = \(x)")
        case 10, 11: let x = r.pick(hostileU64); patch(v.offset, littleEndian(x)); return (b, "metadata \(v.key) = \(x)")
        default:   // a string or an array: its length (or its element type and count) becomes hostile
            let x = r.pick(hostileU64)
            let at = v.type == 9 ? v.offset + (r.below(2) == 0 ? 0 : 4) : v.offset
            if v.type == 9 && at == v.offset { patch(at, littleEndian(UInt32(truncatingIfNeeded: x))) } else { patch(at, littleEndian(x)) }
            return (b, "metadata \(v.key) (type \(v.type)) length/type field at \(at) = \(x)")
        }
    case 1:   // a tensor info field
        let t = r.pick(layout.tensors)
        switch r.below(4) {
        case 0: let x = UInt32(truncatingIfNeeded: r.pick(hostileU64)); patch(t.nDims, littleEndian(x)); return (b, "tensor \(t.name) n_dims = \(x)")
        case 1: let d = r.pick(t.dims), x = r.pick(hostileU64); patch(d, littleEndian(x)); return (b, "tensor \(t.name) dim = \(x)")
        case 2: let x = UInt32(r.pick([0, 1, 2, 3, 6, 8, 12, 14, 30, 31, 99, 0xFFFF_FFFF] as [UInt32])); patch(t.type, littleEndian(x)); return (b, "tensor \(t.name) type = \(x)")
        default:
            let other = r.pick(layout.tensors)
            let current = Int(b[other.offset..<(other.offset + 8)].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
            let x = r.below(2) == 0 ? UInt64(current + 32 * r.below(3)) : r.pick(hostileU64)
            patch(t.offset, littleEndian(x))
            return (b, "tensor \(t.name) offset = \(x)")
        }
    case 2:   // random header bytes
        var what: [String] = []
        for _ in 0..<(1 + r.below(4)) {
            let at = r.below(layout.dataOffset)
            let x = r.below(3) == 0 ? b[at] ^ UInt8(1 << r.below(8)) : UInt8(r.below(256))
            b[at] = x
            what.append("\(at)=\(x)")
        }
        return (b, "header bytes " + what.joined(separator: ","))
    case 3:   // tensor data: a block scale, a float, or random bytes
        let at = layout.dataOffset + r.below(base.count - layout.dataOffset)
        let x: [UInt8] = r.pick([[0x00, 0x7C], [0x00, 0xFE], [0x00, 0x00, 0xC0, 0x7F], [0x00, 0x00, 0x80, 0xFF], [UInt8(r.below(256))]])
        patch(at, x)
        return (b, "data at \(at) = \(x)")
    case 4:   // the magic, version or counts
        let (at, x): (Int, [UInt8]) = r.pick([(4, littleEndian(UInt32(r.pick([0, 1, 2, 4, 0xFFFF_FFFF] as [UInt32])))),
                                              (8, littleEndian(r.pick(hostileU64))), (16, littleEndian(r.pick(hostileU64))),
                                              (0, [0x47, 0x47, 0x55, 0x46])])
        patch(at, x)
        return (b, "header field at \(at) = \(x)")
    case 5:   // truncated
        let n = r.below(base.count)
        return (Array(base[..<n]), "truncated to \(n) bytes")
    default:  // junk appended, or a run of bytes deleted from the header
        if r.below(2) == 0 { return (base + (0..<(1 + r.below(64))).map { _ in UInt8(r.below(256)) }, "junk appended") }
        let at = 24 + r.below(layout.dataOffset - 24), n = 1 + r.below(16)
        b.removeSubrange(at..<min(at + n, b.count))
        return (b, "\(n) header bytes deleted at \(at)")
    }
}

/// One mutated checkpoint: its metadata, its JSON header (shapes, dtypes, offsets, length) or its data.
func mutateCheckpoint(_ base: [UInt8], _ r: inout FuzzRandom) -> (bytes: [UInt8], what: String) {
    let n = Int(base[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
    let header = String(decoding: base[8..<(8 + n)], as: UTF8.self)
    let data = Array(base[(8 + n)...])
    func rebuilt(_ h: String, _ d: [UInt8] = data) -> [UInt8] { littleEndian(UInt64(h.utf8.count)) + Array(h.utf8) + d }
    /// The header with one (random) occurrence of "key":<old> replaced by `value`, where <old>
    /// runs through the first `terminator` after the key.
    func replaceField(_ key: String, _ value: String, through terminator: Character) -> String? {
        let ranges = header.ranges(of: "\"\(key)\":")
        guard !ranges.isEmpty else { return nil }
        let start = r.pick(ranges).upperBound
        guard let end = header[start...].firstIndex(of: terminator) else { return nil }
        var h = header
        h.replaceSubrange(start...end, with: value)
        return h
    }
    /// The header with metadata string `key` set to `value` (a JSON string's contents).
    func replaceMetadata(_ key: String, _ value: String) -> String? {
        guard let key = header.range(of: "\"\(key)\":\"") else { return nil }
        guard let close = header[key.upperBound...].firstIndex(of: "\"") else { return nil }
        var h = header
        h.replaceSubrange(key.upperBound..<close, with: value)
        return h
    }
    switch r.below(6) {
    case 0:   // a metadata value
        let key = r.pick(["step", "draws", "vocab", "steps", "batch_size", "max_lr", "min_lr", "warmup", "weight_decay", "clip", "eval_every", "seed", "task"])
        let value = r.pick(["", "-1", "0", "1", "-5", "nan", "inf", "-inf", "1e12", "9.3e18", "9223372036854775807", "99999999999999999999",
                            "x", "aab", "\\u0000", "2147483648", "1000000000000", "names", "shakespeare"])
        guard let h = replaceMetadata(key, value) else { return (base, "unchanged") }
        return (rebuilt(h), "metadata \(key) = \"\(value)\"")
    case 1:   // a shape
        let shape = r.pick(["[]", "[0]", "[-1]", "[9223372036854775807,9223372036854775807]", "[4294967296,4294967296]", "[1099511627776]",
                            "[27,11]", "[1,1,1,1,1,1,1,1,1,1]", "[3037000500,3037000500]", "[\"a\"]", "[1.5]"])
        guard let h = replaceField("shape", shape, through: "]") else { return (base, "unchanged") }
        return (rebuilt(h), "a shape = \(shape)")
    case 2:   // a dtype or data offsets
        if r.below(2) == 0 {
            let dtype = r.pick(["F64", "I8", "F16", "BF16", "", "f32"])
            guard let h = replaceField("dtype", "\"\(dtype)\",", through: ",") else { return (base, "unchanged") }
            return (rebuilt(h), "a dtype = \(dtype)")
        }
        let offsets = r.pick(["[0,0]", "[-4,0]", "[0,-4]", "[8,4]", "[0,9223372036854775807]", "[4,8]", "[0]", "[0,4,8]", "[\(data.count - 4),\(data.count)]"])
        guard let h = replaceField("data_offsets", offsets, through: "]") else { return (base, "unchanged") }
        return (rebuilt(h), "data_offsets = \(offsets)")
    case 3:   // the header length
        let delta = r.pick([-8, -1, 1, 8, 1 << 20, -n])
        return (littleEndian(UInt64(max(0, n + delta))) + base[8...], "header length \(n) + \(delta)")
    case 4:   // header bytes or data bytes
        var b = base
        if r.below(2) == 0 {
            let at = 8 + r.below(n)
            b[at] = r.pick([0x22, 0x7B, 0x7D, 0x5B, 0x5D, 0x2C, 0x30, 0x39, 0x2D, 0x00, 0xFF] as [UInt8])
            return (b, "header byte \(at) = \(b[at])")
        }
        let at = 8 + n + 4 * r.below(data.count / 4)
        let x: [UInt8] = r.pick([[0x00, 0x00, 0xC0, 0x7F], [0x00, 0x00, 0x80, 0x7F], [0x00, 0x00, 0x80, 0xFF], [0xFF, 0xFF, 0xFF, 0x7F]])
        for (i, v) in x.enumerated() { b[at + i] = v }
        return (b, "data at \(at) = \(x)")
    default:  // truncated, or junk appended
        if r.below(2) == 0 { let k = r.below(base.count); return (Array(base[..<k]), "truncated to \(k) bytes") }
        return (base + [UInt8](repeating: 0x20, count: 1 + r.below(8)), "bytes appended")
    }
}

// MARK: the campaign

/// Counts of a campaign, and the cases that went wrong.
struct FuzzReport {
    var cases = 0, accepted = 0, clean = 0, crashes = 0, hangs = 0, unclean = 0
    var failures: [String] = []

    mutating func add(_ outcome: FuzzOutcome, _ what: String) {
        cases += 1
        switch outcome {
        case .accepted: accepted += 1
        case .cleanError: clean += 1
        case .unclean(let m): unclean += 1; failures.append("unclean: \(what): \(m)")
        case .crash(let m): crashes += 1; failures.append("CRASH: \(what): \(m)")
        case .hang: hangs += 1; failures.append("HANG: \(what)")
        }
    }
}

/// Runs `count` cases, `workers` at a time; `make(i)` writes case i's file and returns the
/// child's arguments and a description.
func campaign(count: Int, workers: Int, timeout: Double, binary: String,
              _ make: @escaping @Sendable (Int) -> (args: [String], what: String, cleanup: String?)) -> FuzzReport {
    final class Shared: @unchecked Sendable {   // one report, written under the lock
        let lock = NSLock()
        var report = FuzzReport()
    }
    let shared = Shared()
    DispatchQueue.concurrentPerform(iterations: workers) { w in
        for i in stride(from: w, to: count, by: workers) {
            let c = make(i)
            let outcome = runChild(binary, c.args, timeout: timeout, memoryKB: 4 << 20)
            if let path = c.cleanup { unlink(path) }
            shared.lock.lock(); shared.report.add(outcome, c.what); shared.lock.unlock()
        }
    }
    return shared.report
}

@Suite(.serialized) struct MutationFuzz {
    static let environment = ProcessInfo.processInfo.environment
    static var seed: UInt64 { environment["PICOGRAD_FUZZ_SEED"].flatMap { UInt64($0) } ?? 13 }
    static var totalCases: Int { environment["PICOGRAD_FUZZ_CASES"].flatMap { Int($0) } ?? 500 }

    @Test("mutated GGUF files and checkpoints: the command exits 0 or 2 with one line, never crashes or hangs")
    func mutatedFiles() throws {
        let binary = try #require(picogradBinary(), "no picograd binary beside the tests: build with swift build --build-tests")
        let dir = NSTemporaryDirectory() + "picograd-fuzz-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let gguf = fuzzLlamaGGUF(), layout = GGUFLayout(gguf)
        let checkpointPath = dir + "/base.safetensors"
        try fuzzCheckpoint(checkpointPath)
        let checkpoint = readBytes(checkpointPath)
        let generateArgs = ["generate", "hi there", "--tokens", "3", "--context", "32", "--model"]
        // the unmutated files run: the harness itself works, so an exit 2 below is the mutation's
        writeBytes(gguf, to: dir + "/base.gguf")
        #expect(runChild(binary, generateArgs + [dir + "/base.gguf"], timeout: 60, memoryKB: 4 << 20) == .accepted)
        #expect(runChild(binary, ["sample", checkpointPath], timeout: 60, memoryKB: 4 << 20) == .accepted)

        let nGGUF = MutationFuzz.totalCases * 3 / 5, nCheckpoint = MutationFuzz.totalCases - nGGUF, seed = MutationFuzz.seed
        let start = Date()
        let a = campaign(count: nGGUF, workers: 3, timeout: 20, binary: binary) { i in
            var r = FuzzRandom(state: seed &* 1_000_003 &+ UInt64(i))
            let (bytes, what) = mutateGGUF(gguf, layout, &r, allowResize: true)
            let path = dir + "/case\(i).gguf"
            writeBytes(bytes, to: path)
            return (generateArgs + [path], "gguf case \(i) (seed \(seed)): \(what)", path)
        }
        let b = campaign(count: nCheckpoint, workers: 3, timeout: 20, binary: binary) { i in
            var r = FuzzRandom(state: seed &* 2_000_003 &+ UInt64(i))
            let (bytes, what) = mutateCheckpoint(checkpoint, &r)
            let path = dir + "/case\(i).safetensors"
            writeBytes(bytes, to: path)
            return (["sample", path], "checkpoint case \(i) (seed \(seed)): \(what)", path)
        }
        let seconds = Date().timeIntervalSince(start)
        for (name, r) in [("GGUF", a), ("checkpoints", b)] {
            print("fuzz \(name): \(r.cases) cases, \(r.clean) clean errors (exit 2), \(r.accepted) accepted (exit 0), \(r.crashes) crashes, \(r.hangs) hangs, \(r.unclean) unclean")
        }
        print("fuzz: \(a.cases + b.cases) cases in \(Int(seconds)) s (seed \(seed))")
        let failures = a.failures + b.failures   // crashes and hangs first, then the unclean exits
        for f in (failures.filter { !$0.hasPrefix("unclean") } + failures.filter { $0.hasPrefix("unclean") }).prefix(20) {
            Issue.record(Comment(rawValue: f))
        }
        #expect(a.crashes + b.crashes == 0 && a.hangs + b.hangs == 0 && a.unclean + b.unclean == 0)
        // the mutations reach the checks: most cases must be refused, and some still run
        #expect(a.clean > a.cases / 3 && b.clean > b.cases / 3)
        #expect(a.accepted > 0 && b.accepted > 0)
    }

    @Test("the harness tells a crash, a hang, a clean error and an unclean one apart")
    func harnessCanFail() {
        let limit = 1 << 20
        if case .crash = runChild("/bin/sh", ["-c", "kill -SEGV $$"], timeout: 10, memoryKB: limit) {} else { Issue.record("a SIGSEGV was not seen as a crash") }
        #expect(runChild("/bin/sh", ["-c", "exec sleep 5"], timeout: 0.3, memoryKB: limit) == .hang)
        #expect(runChild("/bin/sh", ["-c", "echo 'picograd x: bad' >&2; exit 2"], timeout: 10, memoryKB: limit) == .cleanError)
        if case .unclean = runChild("/bin/sh", ["-c", "echo a >&2; echo b >&2; exit 2"], timeout: 10, memoryKB: limit) {} else { Issue.record("two lines were taken as a clean error") }
        if case .unclean = runChild("/bin/sh", ["-c", "exit 1"], timeout: 10, memoryKB: limit) {} else { Issue.record("exit 1 was taken as clean") }
    }

    /// scripts/fuzz --model PATH: mutations of a real model file, patched in place (the file
    /// is written once; each case changes a few bytes and puts them back), one case at a time.
    @Test("a real model file, mutated in place (only with PICOGRAD_FUZZ_MODEL)")
    func realModel() throws {
        guard let model = MutationFuzz.environment["PICOGRAD_FUZZ_MODEL"] else { return }
        let binary = try #require(picogradBinary())
        let base = readBytes(model)
        try #require(base.count > 1024, "cannot read \(model)")
        let layout = GGUFLayout(base)
        let path = NSTemporaryDirectory() + "picograd-fuzz-model-\(getpid()).gguf"
        writeBytes(base, to: path)
        defer { unlink(path) }
        let f = open(path, O_RDWR)
        try #require(f >= 0)
        defer { close(f) }
        var report = FuzzReport()
        let start = Date()
        for i in 0..<MutationFuzz.totalCases {
            var r = FuzzRandom(state: MutationFuzz.seed &* 3_000_017 &+ UInt64(i))
            let (bytes, what) = mutateGGUF(base, layout, &r, allowResize: false)
            // the bytes that changed, written over the copy, and put back after the case
            var changed: [Int] = []
            for j in 0..<min(layout.dataOffset + 1, base.count) where bytes[j] != base[j] { changed.append(j) }
            if changed.isEmpty { for j in layout.dataOffset..<base.count where bytes[j] != base[j] { changed.append(j) } }
            for j in changed { var x = bytes[j]; _ = pwrite(f, &x, 1, off_t(j)) }
            let outcome = runChild(binary, ["generate", "The capital of France is", "--tokens", "2", "--context", "64", "--model", path], timeout: 60, memoryKB: 8 << 20)
            for j in changed { var x = base[j]; _ = pwrite(f, &x, 1, off_t(j)) }
            report.add(outcome, "model case \(i): \(what)")
        }
        print("fuzz model \(model): \(report.cases) cases, \(report.clean) clean errors, \(report.accepted) accepted, \(report.crashes) crashes, \(report.hangs) hangs, \(report.unclean) unclean, \(Int(Date().timeIntervalSince(start))) s")
        for f in report.failures.prefix(20) { Issue.record(Comment(rawValue: f)) }
        #expect(report.crashes == 0 && report.hangs == 0 && report.unclean == 0)
    }
}
