// Writing small GGUF files in memory: tests and grading build files whose every byte they
// know, so the reader can be checked without the 93 MB model.

/// Builds a GGUF v3 file: `add` metadata and tensors (already encoded), then `bytes()`.
public struct GGUFWriter {
    private var kv: [(String, GGUFValue)] = []
    private var tensors: [(name: String, dims: [Int], type: GGUFTensorType, data: [UInt8])] = []
    public var alignment = 32

    public init() {}

    /// Adds a metadata entry.
    public mutating func add(_ key: String, _ value: GGUFValue) { kv.append((key, value)) }

    /// Adds a tensor whose data is already in `type`'s encoding; dims innermost first.
    public mutating func addTensor(_ name: String, dims: [Int], type: GGUFTensorType, data: [UInt8]) {
        tensors.append((name, dims, type, data))
    }

    /// Adds float32 values with torch shape `shape` (stored as dims reversed).
    public mutating func addTensor(_ name: String, shape: [Int], f32 values: [Float]) {
        var data: [UInt8] = []
        for v in values { append(&data, v.bitPattern) }
        addTensor(name, dims: shape.reversed(), type: .f32, data: data)
    }

    /// The file's bytes.
    public func bytes() -> [UInt8] {
        var out: [UInt8] = Array("GGUF".utf8)
        append(&out, UInt32(3))
        append(&out, UInt64(tensors.count))
        append(&out, UInt64(kv.count))
        for (key, value) in kv {
            appendString(&out, key)
            append(&out, Self.typeCode(value))
            appendValue(&out, value)
        }
        var offset = 0
        var offsets: [Int] = []
        for t in tensors {
            offsets.append(offset)
            offset = (offset + t.data.count + alignment - 1) / alignment * alignment
        }
        for (t, off) in zip(tensors, offsets) {
            appendString(&out, t.name)
            append(&out, UInt32(t.dims.count))
            for d in t.dims { append(&out, UInt64(d)) }
            append(&out, t.type.rawValue)
            append(&out, UInt64(off))
        }
        while out.count % alignment != 0 { out.append(0) }
        let dataStart = out.count
        for (t, off) in zip(tensors, offsets) {
            while out.count < dataStart + off { out.append(0) }
            out += t.data
        }
        return out
    }

    static func typeCode(_ v: GGUFValue) -> UInt32 {
        switch v {
        case .uint8: return 0
        case .int8: return 1
        case .uint16: return 2
        case .int16: return 3
        case .uint32: return 4
        case .int32: return 5
        case .float32: return 6
        case .bool: return 7
        case .string: return 8
        case .array: return 9
        case .uint64: return 10
        case .int64: return 11
        case .float64: return 12
        }
    }

    private func appendValue(_ out: inout [UInt8], _ v: GGUFValue) {
        switch v {
        case .uint8(let x): append(&out, x)
        case .int8(let x): append(&out, x)
        case .uint16(let x): append(&out, x)
        case .int16(let x): append(&out, x)
        case .uint32(let x): append(&out, x)
        case .int32(let x): append(&out, x)
        case .uint64(let x): append(&out, x)
        case .int64(let x): append(&out, x)
        case .float32(let x): append(&out, x.bitPattern)
        case .float64(let x): append(&out, x.bitPattern)
        case .bool(let x): out.append(x ? 1 : 0)
        case .string(let s): appendString(&out, s)
        case .array(let elements):
            append(&out, elements.first.map(Self.typeCode) ?? 4)
            append(&out, UInt64(elements.count))
            for e in elements { appendValue(&out, e) }
        }
    }

    private func appendString(_ out: inout [UInt8], _ s: String) {
        append(&out, UInt64(s.utf8.count))
        out += Array(s.utf8)
    }
}

/// Appends the little-endian bytes of an integer.
func append<T: FixedWidthInteger>(_ out: inout [UInt8], _ value: T) {
    withUnsafeBytes(of: value.littleEndian) { out += $0 }
}
