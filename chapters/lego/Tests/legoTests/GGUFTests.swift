// The GGUF reader: hand-built files with hand-derived values, every bad-file path, a seeded
// fuzz of truncations and byte flips, and (when it has been fetched) the real model.
import Testing
@testable import lego

/// A tiny deterministic generator for the fuzz (xorshift64*).
struct FuzzRNG {
    var state: UInt64
    init(seed: UInt64) { state = seed | 1 }
    mutating func next() -> UInt64 {
        state ^= state >> 12; state ^= state << 25; state ^= state >> 27
        return state &* 2_685_821_657_736_338_717
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
}

/// A small GGUF file with one tensor of every supported type and metadata of every kind.
/// Expected values (derived by hand from the block layouts in Dequantize.swift):
///   q8   [2, 32]  block 0: d = 0.5, q = j - 16  -> 0.5 * (j - 16);  block 1: d = -1, q = j -> -j
///   q4_1 [32]     d = 0.25, m = -1, byte j = j | (15 - j) << 4 -> x[j] = 0.25 j - 1, x[j+16] = 0.25 (15 - j) - 1
///   q4_0 [32]     d = 2, byte j = j | j << 4 -> x[j] = x[j+16] = 2 (j - 8)
///   f16  [5]      0x3C00 0xC000 0x3800 0x7BFF 0x0001 -> 1, -2, 0.5, 65504, 2^-24
///   bf16 [2]      0x3F80 0xC040 -> 1, -3
func smallGGUF() -> [UInt8] {
    var w = GGUFWriter()
    w.add("general.architecture", .string("llama"))
    w.add("test.u8", .uint8(200)); w.add("test.i8", .int8(-5)); w.add("test.u16", .uint16(60000))
    w.add("test.i16", .int16(-300)); w.add("test.i32", .int32(-70000)); w.add("test.u64", .uint64(1 << 40))
    w.add("test.i64", .int64(-(1 << 41))); w.add("test.f32", .float32(1.5)); w.add("test.f64", .float64(-2.25))
    w.add("test.bool", .bool(true)); w.add("test.strings", .array([.string("a"), .string("é"), .string("")]))
    w.add("test.nested", .array([.array([.uint32(1), .uint32(2)]), .array([.uint32(3)])]))
    w.add("general.alignment", .uint32(32))
    var q8: [UInt8] = []
    append(&q8, UInt16(0x3800)); for j in 0..<32 { q8.append(UInt8(bitPattern: Int8(j - 16))) }
    append(&q8, UInt16(0xBC00)); for j in 0..<32 { q8.append(UInt8(j)) }
    w.addTensor("q8", dims: [32, 2], type: .q8_0, data: q8)
    var q41: [UInt8] = []
    append(&q41, UInt16(0x3400)); append(&q41, UInt16(0xBC00))
    for j in 0..<16 { q41.append(UInt8(j | (15 - j) << 4)) }
    w.addTensor("q4_1", dims: [32], type: .q4_1, data: q41)
    var q40: [UInt8] = []
    append(&q40, UInt16(0x4000)); for j in 0..<16 { q40.append(UInt8(j | j << 4)) }
    w.addTensor("q4_0", dims: [32], type: .q4_0, data: q40)
    var f16: [UInt8] = []
    for h: UInt16 in [0x3C00, 0xC000, 0x3800, 0x7BFF, 0x0001] { append(&f16, h) }
    w.addTensor("f16", dims: [5], type: .f16, data: f16)
    var bf16: [UInt8] = []
    append(&bf16, UInt16(0x3F80)); append(&bf16, UInt16(0xC040))
    w.addTensor("bf16", dims: [2], type: .bf16, data: bf16)
    w.addTensor("f32", shape: [2, 3], f32: [1, 2, 3, 4, 5, 6])
    return w.bytes()
}

/// Parses and, when parsing succeeds, de-quantizes every tensor: a bad file must throw, never crash.
@discardableResult
func parseAll(_ bytes: [UInt8]) -> Bool {
    do {
        let f = try GGUFFile(bytes: bytes)
        for t in f.tensorInfos { _ = try? f.floats(t) }
        return true
    } catch { return false }
}

@Suite struct GGUFTests {
    @Test func metadataOfEveryType() throws {
        let f = try GGUFFile(bytes: smallGGUF())
        #expect(f.version == 3)
        #expect(f["test.u8"] == .uint8(200) && f["test.i8"]?.int == -5 && f["test.u16"]?.int == 60000)
        #expect(f["test.i16"]?.int == -300 && f["test.i32"]?.int == -70000 && f["test.u64"]?.int == 1 << 40)
        #expect(f["test.i64"]?.int == -(1 << 41) && f["test.f32"]?.float == 1.5 && f["test.f64"]?.float == -2.25)
        #expect(f["test.bool"]?.bool == true)
        #expect(try f.strings("test.strings") == ["a", "é", ""])
        #expect(f["test.nested"] == .array([.array([.uint32(1), .uint32(2)]), .array([.uint32(3)])]))
        #expect(f.keys.first == "general.architecture" && f.alignment == 32 && f.dataOffset % 32 == 0)
        #expect(f.tensorInfos.map(\.name) == ["q8", "q4_1", "q4_0", "f16", "bf16", "f32"])
        #expect(f.info("f32")?.shape == [2, 3] && f.info("q8")?.dims == [32, 2])
    }

    @Test func dequantizesEveryTypeByHand() throws {
        let f = try GGUFFile(bytes: smallGGUF())
        let q8 = try f.tensor("q8")
        #expect(q8.shape == [2, 32])
        let q8Expected: [Float] = (0..<32).map { 0.5 * Float($0 - 16) } + (0..<32).map { -Float($0) }
        #expect(q8.toArray() == q8Expected)
        let low: [Float] = (0..<16).map { 0.25 * Float($0) - 1 }, high: [Float] = (0..<16).map { 0.25 * Float(15 - $0) - 1 }
        #expect(try f.tensor("q4_1").toArray() == low + high)
        let q40: [Float] = (0..<16).map { 2 * Float($0 - 8) }
        #expect(try f.tensor("q4_0").toArray() == q40 + q40)
        let f16Expected: [Float] = [1, -2, 0.5, 65504, 1.0 / 16_777_216]
        #expect(try f.tensor("f16").toArray() == f16Expected)
        #expect(try f.tensor("bf16").toArray() == [1, -3])
        #expect(try f.tensor("f32").toArray() == [1, 2, 3, 4, 5, 6])
    }

    @Test func halfConversionRoundTrips() {
        for h: UInt16 in [0, 1, 0x3FF, 0x400, 0x3C00, 0x3C01, 0x7BFF, 0x7C00, 0x8001, 0xBC00, 0xFBFF, 0xFC00] {
            #expect(floatToHalf(halfBitsToFloat(h)) == h, "half \(h)")
        }
        #expect(floatToHalf(1.0 + 1.0 / 4096) == 0x3C00)   // a tie rounds to even
        #expect(halfBitsToFloat(0x7E00).isNaN)
    }

    @Test func badFilesSayWhatIsWrong() throws {
        func message(_ bytes: [UInt8]) -> String {
            do { _ = try GGUFFile(bytes: bytes); return "parsed" } catch { return "\(error)" }
        }
        let good = smallGGUF()
        #expect(message(Array("GGML".utf8) + good.dropFirst(4)).contains("not a GGUF file"))
        var v1 = good; v1[4] = 1
        #expect(message(v1).contains("unsupported GGUF version 1"))
        #expect(message(Array(good.prefix(10))).contains("truncated"))
        var hugeCount = good; for i in 16..<24 { hugeCount[i] = 0xFF }   // kv_count = 2^64 - 1
        #expect(message(hugeCount).contains("metadata count"))
        var w = GGUFWriter()
        w.addTensor("w", dims: [32], type: .q6_K, data: [UInt8](repeating: 0, count: 0))
        #expect(message(w.bytes()).contains("not a multiple"))
        w = GGUFWriter()
        w.addTensor("w", dims: [256], type: .q6_K, data: [UInt8](repeating: 0, count: 210))
        let q6 = try GGUFFile(bytes: w.bytes())
        #expect(throws: GGUFError.self) { try q6.tensor("w") }
        do { _ = try q6.tensor("w") } catch { #expect("\(error)".contains("Q6_K")) }
        w = GGUFWriter()
        w.addTensor("w", dims: [64], type: .f32, data: [UInt8](repeating: 0, count: 8))   // 256 bytes claimed
        #expect(message(w.bytes()).contains("run past the end"))
        // every prefix of a good file is a bad file
        for n in 0..<good.count - 1 where n % 7 == 0 || n < 64 {
            #expect(!parseAll(Array(good.prefix(n))), "prefix \(n) parsed")
        }
    }

    /// 6000 seeded cases: truncations, byte flips and random bytes over the whole small file.
    @Test func fuzzSmallFile() {
        let good = smallGGUF()
        var rng = FuzzRNG(seed: 0x6767_7566)
        var parsed = 0
        for _ in 0..<6000 {
            var bytes = good
            switch rng.below(3) {
            case 0: bytes = Array(bytes.prefix(rng.below(bytes.count)))
            case 1: for _ in 0..<(1 + rng.below(4)) { bytes[rng.below(bytes.count)] ^= UInt8(1 << rng.below(8)) }
            default: for _ in 0..<(1 + rng.below(8)) { bytes[rng.below(bytes.count)] = UInt8(truncatingIfNeeded: rng.next()) }
            }
            if parseAll(bytes) { parsed += 1 }
        }
        #expect(parsed > 0 && parsed < 6000)   // some flips hit only values, most break the file
    }

    @Test func realModel() throws {
        guard let path = findModel() else { print("skipped: model not found (run scripts/fetch-model)"); return }
        let f = try loadGGUF(path)
        #expect(f.version == 3 && f.tensorInfos.count == 272)
        #expect(try f.string("general.architecture") == "llama" && f.int("llama.block_count") == 30)
        #expect(try f.float("llama.rope.freq_base") == 100000 && f.strings("tokenizer.ggml.tokens").count == 49152)
        // values from gguf-py's dequantize (scripts/reference/smollm2.py uses the same package)
        let q = try f.floats(#require(f.info("blk.0.attn_q.weight")))
        #expect(f.info("blk.0.attn_q.weight")?.type == .q4_1 && q.count == 331776)
        #expect(Array(q.prefix(4)) == [-0.0963134765625, 0.1573486328125, -0.0963134765625, -0.73046875] && q.last == -0.255859375)
        let norm = try f.floats(#require(f.info("output_norm.weight")))
        #expect(Array(norm.prefix(4)) == [1.7578125, 1.8203125, 1.78125, 1.6015625])
        let embedInfo = try #require(f.info("token_embd.weight"))
        #expect(embedInfo.type == .q8_0 && embedInfo.shape == [49152, 576])
        let embed = try f.floats(embedInfo)
        #expect(Array(embed.prefix(4)) == [-0.10654449462890625, 0.032978057861328125, 0.048198699951171875, -0.022830963134765625])
        #expect(Swift.abs(embed.reduce(0.0) { $0 + Double($1) } - -15353.04449415207) < 1e-3)
    }

    /// Truncations and byte flips of the real model's header region (metadata, vocabulary,
    /// tensor infos); the tensor data stays in place, so flips that survive parse fully.
    @Test func fuzzRealHeader() throws {
        guard let path = findModel() else { print("skipped: model not found (run scripts/fetch-model)"); return }
        let f = try loadGGUF(path)
        let header = f.dataOffset
        var bytes = [UInt8](f.bytes.raw)
        var rng = FuzzRNG(seed: 0x5e11_0135)
        let cases = 200
        var parsed = 0
        for i in 0..<cases {
            if i % 4 == 0 {   // truncate inside the header (copies only the prefix)
                if parseAll(Array(bytes.prefix(rng.below(header)))) { parsed += 1 }
                continue
            }
            var saved: [(Int, UInt8)] = []
            for _ in 0..<(1 + rng.below(3)) {
                // half the flips land in the first 1100 bytes (counts, keys, types, small values, the
                // vocabulary's length), half in the tensor infos (the last 12 KB of the header). A flip
                // in the length of a token or merge string makes the parser walk megabytes of tensor
                // data as tiny strings before it fails: correct, but it takes seconds in a debug build,
                // and the small-file fuzz covers those paths.
                let at = rng.below(2) == 0 ? rng.below(1100) : header - 1 - rng.below(min(header, 12_000))
                saved.append((at, bytes[at]))
                bytes[at] ^= UInt8(1 << rng.below(8))
            }
            let ok = bytes.withUnsafeBytes { raw -> Bool in
                do { _ = try GGUFFile(parsing: GGUFBytes(raw: raw, release: { _ in })); return true } catch { return false }
            }
            if ok { parsed += 1 }
            for (at, b) in saved.reversed() { bytes[at] = b }
        }
        print("fuzzRealHeader: \(cases) cases, \(parsed) still parse")
    }
}

