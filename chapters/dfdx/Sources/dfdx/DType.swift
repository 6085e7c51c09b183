// Element types. Kept small: float32 for values and gradients, int32 for ids and indices, and
// three storage formats that a frozen weight keeps as it came (GGML's block quantizations).

/// The type of a tensor's elements, with torch's names.
public enum DType: String, Hashable, Sendable, CustomStringConvertible {
    /// 32-bit IEEE floats: every value and gradient.
    case float32
    /// 32-bit signed integers: token ids, indices for gather and embedding.
    case int32
    /// Storage formats (Quantization.swift): blocks of 32 values along a row, each with its own
    /// scale. Only `linear`, `embedding`, `to(.float32)` and `to(device)` read them.
    case q8_0, q4_0, q4_1

    /// True for the block formats.
    public var isQuantized: Bool { self == .q8_0 || self == .q4_0 || self == .q4_1 }

    /// Values per block and bytes per block (1 value of 4 bytes for float32 and int32).
    public var block: (values: Int, bytes: Int) {
        switch self {
        case .float32, .int32: return (1, 4)
        case .q8_0: return (32, 34)
        case .q4_0: return (32, 18)
        case .q4_1: return (32, 20)
        }
    }

    /// Bytes that `count` elements take (for a block format, count is a multiple of 32).
    public func byteCount(of count: Int) -> Int { count / block.values * block.bytes }

    public var description: String { rawValue }
}
