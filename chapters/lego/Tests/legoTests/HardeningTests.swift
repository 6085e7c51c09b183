// The files and flags that used to crash, hang or give silent garbage (issue 13), as
// regression tests: each now throws (or the command exits 2) with a message naming the field.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
@testable import lego

/// The error a throwing call gives, as text ("" when it did not throw).
func errorText(_ body: () throws -> Void) -> String {
    do { try body(); return "" } catch { return "\(error)" }
}

@Suite struct GGUFValidation {
    /// The config and model of the fuzzer's tiny llama with one metadata value replaced.
    func load(_ key: String, _ value: GGUFValue) -> String {
        errorText { _ = try Llama(gguf: GGUFFile(bytes: fuzzLlamaGGUF([key: value])), context: 16) }
    }

    @Test func theUnchangedFileLoads() throws {
        #expect(load("llama.context_length", .uint32(64)) == "")
    }

    @Test func sizesTheTensorsDoNotBackAreRefusedBeforeAllocating() {
        for n: UInt32 in [2_147_483_647, 1_048_576, 0] {
            let e = load("llama.feed_forward_length", .uint32(n))
            #expect(e.contains("\(n)") && (e.contains("ffn") || e.contains("feed_forward_length")), "\(n): \(e)")
        }
        #expect(load("llama.block_count", .uint32(1 << 20)).contains("llama.block_count is 1048576"))
        #expect(load("llama.block_count", .uint32(0)).contains("llama.block_count is 0"))
        #expect(load("llama.embedding_length", .int32(-32)).contains("llama.embedding_length is -32"))
        #expect(load("llama.attention.head_count", .uint32(3)).contains("head_count is 3"))
        #expect(load("llama.attention.head_count_kv", .uint32(0)).contains("head_count_kv is 0"))
        #expect(load("llama.vocab_size", .uint32(1 << 30)).contains("token_embd.weight"))
    }

    @Test func floatsMustBeFiniteAndInRange() {
        for v: Float in [.nan, -1, .infinity, 0] {
            #expect(load("llama.rope.freq_base", .float32(v)).contains("llama.rope.freq_base is"), "\(v)")
            #expect(load("llama.attention.layer_norm_rms_epsilon", .float32(v)).contains("layer_norm_rms_epsilon is"), "\(v)")
        }
        #expect(load("llama.context_length", .uint32(1)).contains("llama.context_length is 1"))
    }

    @Test func tensorsMustNotOverlap() throws {
        var bytes = fuzzLlamaGGUF()
        let layout = GGUFLayout(bytes)
        let t = layout.tensors.first { $0.name == "blk.0.attn_k.weight" }!
        for i in 0..<8 { bytes[t.offset + i] = 0 }   // its data now starts where token_embd's does
        let e = errorText { _ = try GGUFFile(bytes: bytes) }
        #expect(e.contains("overlap") && e.contains("token_embd.weight"), "\(e)")
    }

    @Test func nonFiniteWeightsAreRefusedNamingTheTensor() throws {
        let base = fuzzLlamaGGUF()
        let file = try GGUFFile(bytes: base)
        // a NaN block scale (half 0x7E00) in a Q4_1 weight, and a NaN in an F32 norm
        for (name, value) in [("blk.0.ffn_up.weight", [0x00, 0x7E] as [UInt8]), ("output_norm.weight", [0x00, 0x00, 0xC0, 0x7F])] {
            var bytes = base
            let at = file.dataOffset + file.info(name)!.offset + (name.hasPrefix("output") ? 8 : 20)
            for (i, v) in value.enumerated() { bytes[at + i] = v }
            let e = errorText { _ = try Llama(gguf: GGUFFile(bytes: bytes), context: 16) }
            #expect(e.contains(name) && e.contains("finite"), "\(e)")
        }
    }

    @Test func aDirectoryIsNotAModel() {
        #expect(errorText { _ = try loadGGUF("/tmp") }.contains("not a regular file"))
    }
}

@Suite struct CheckpointValidation {
    /// A tiny names checkpoint with `edit` applied to its metadata; the error loading it gives.
    func load(_ edit: (inout [String: String]) -> Void, optimizer: ((inout [String: Tensor]) -> Void)? = nil) throws -> String {
        let path = temporaryPath("hardening-\(UUID().uuidString).safetensors")
        defer { unlink(path) }
        try fuzzCheckpoint(path)
        let (tensors, metadata) = try loadSafetensorsWithMetadata(path)
        var m = metadata, t = tensors
        edit(&m)
        if let optimizer { optimizer(&t) }
        try saveSafetensors(t, to: path, metadata: m)
        return errorText { _ = try CharTrainingRun.load(path, text: nil) }
    }

    @Test func theUnchangedCheckpointLoads() throws {
        #expect(try load { _ in } == "")
    }

    @Test func metadataOutOfRangeIsRefusedNamingTheField() throws {
        let cases: [(String, String)] = [
            ("vocab", ""), ("vocab", "\nabca"), ("vocab", "abcdefghijklmnopqrstuvwxyz{"), ("draws", "-1"), ("batch_size", "0"), ("batch_size", "-1"),
            ("batch_size", "1000000000000"), ("eval_every", "0"), ("step", "-5"), ("step", "9.3e18"), ("step", "11"),
            ("max_lr", "nan"), ("min_lr", "-inf"), ("clip", "0"), ("weight_decay", "inf"), ("steps", "0"),
            ("warmup", "-1"), ("draws", "25"), ("seed", "-1"), ("task", "poems"),
        ]
        for (key, value) in cases {
            let e = try load { $0[key] = value }
            #expect(e.contains("metadata \(key) is"), "\(key) = \(value): \(e)")
        }
    }

    @Test func optimizerStepMustBeAWholeFiniteNumber() throws {
        for v: Float in [.nan, .infinity, 9.3e18, -1, 2.5] {
            let e = try load({ _ in }) { $0["optimizer.state.0.step"] = Tensor(v) }
            #expect(e.contains("state.0.step") || e.contains("optimizer.state.0.step"), "\(v): \(e)")
        }
    }

    @Test func safetensorsShapesAndOffsetsAreChecked() throws {
        let path = temporaryPath("hardening-raw.safetensors")
        defer { unlink(path) }
        func file(_ header: String, data: Int) -> String {
            var h = header
            while h.utf8.count % 8 != 0 { h += " " }
            writeBytes(littleEndian(UInt64(h.utf8.count)) + Array(h.utf8) + [UInt8](repeating: 0, count: data), to: path)
            return errorText { _ = try loadSafetensors(path) }
        }
        // an element count that overflows Int
        #expect(file(#"{"a":{"dtype":"F32","shape":[4294967296,4294967296,4],"data_offsets":[0,16]}}"#, data: 16).contains("shape"))
        // a gap, an overlap, bytes past the last tensor (a header length one byte short)
        #expect(file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: 8).contains("belong to no tensor"))
        #expect(file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: 8).contains("overlap"))
        #expect(file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: 5).contains("cover 4 of the 5"))
        #expect(file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: 4) == "")
        // a NaN weight in a checkpoint
        try saveSafetensors(["w": Tensor([1, .nan] as [Float], shape: [2])], to: path, metadata: [:])
        #expect(errorText { _ = try loadCheckpoint(path) }.contains("tensor w"))
    }
}
