// Element types. Kept small: float32 for values and gradients, int32 for ids and indices.

/// The type of a tensor's elements, with torch's names.
public enum DType: String, Hashable, Sendable, CustomStringConvertible {
    /// 32-bit IEEE floats: every value and gradient.
    case float32
    /// 32-bit signed integers: token ids, indices for gather and embedding.
    case int32

    /// Bytes per element.
    public var byteSize: Int { 4 }

    public var description: String { rawValue }
}
