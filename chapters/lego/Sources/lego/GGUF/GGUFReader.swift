// Parsing a GGUF header with a reader that never trusts a length.
//
// Every read asks `need(n)` first, so a truncated file throws instead of reading past the
// end; every count (string length, array length, tensor count, dims) is capped by the bytes
// that remain, so a hostile count cannot make us allocate gigabytes; tensor data ranges are
// checked against the file before any tensor is touched.

/// A cursor over bytes that throws instead of reading out of bounds.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var remaining: Int { bytes.count - offset }

    /// Throws unless `n` more bytes are there; `what` names the field for the message.
    func need(_ n: Int, _ what: @autoclosure () -> String) throws {
        guard n >= 0, n <= remaining else {
            throw GGUFError("truncated file: \(what()) needs \(n) bytes at offset \(offset), \(remaining) left")
        }
    }

    mutating func load<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws -> T {
        try need(MemoryLayout<T>.size, what())
        let v = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += MemoryLayout<T>.size
        return T(littleEndian: v)
    }

    mutating func u32(_ what: @autoclosure () -> String) throws -> UInt32 { try load(UInt32.self, what()) }

    /// A u64 count that must fit in the rest of the file when each item takes `minBytes`.
    mutating func count(_ what: @autoclosure () -> String, minBytes: Int) throws -> Int {
        let n = try load(UInt64.self, what())
        guard n <= UInt64(remaining / max(minBytes, 1)) else {
            throw GGUFError("\(what()) is \(n), more than the \(remaining) bytes left at offset \(offset) can hold")
        }
        return Int(n)
    }

    /// A GGUF string: u64 length, then UTF-8 bytes (invalid sequences become U+FFFD).
    /// Keys and tensor names are short (llama.cpp allows 64 bytes for a name): `maxLength` says how short.
    mutating func string(_ what: @autoclosure () -> String, maxLength: Int = .max) throws -> String {
        let n = try count("length of \(what())", minBytes: 1)
        guard n <= maxLength else { throw GGUFError("\(what()) is \(n) bytes long (at most \(maxLength) allowed) at offset \(offset)") }
        let s = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + n)]), as: UTF8.self)
        offset += n
        return s
    }
}

/// The smallest encoding of a value of each metadata type (bounds array counts).
private func minimumSize(ofValueType type: UInt32) -> Int {
    switch type {
    case 0, 1, 7: return 1        // u8, i8, bool
    case 2, 3: return 2           // u16, i16
    case 4, 5, 6: return 4        // u32, i32, f32
    case 10, 11, 12: return 8     // u64, i64, f64
    case 8: return 8              // string: its u64 length
    case 9: return 12             // array: type + count
    default: return 1
    }
}

extension ByteReader {
    /// One metadata value of GGUF type `type` (0 u8, 1 i8, 2 u16, 3 i16, 4 u32, 5 i32, 6 f32,
    /// 7 bool, 8 string, 9 array, 10 u64, 11 i64, 12 f64); arrays nest at most 4 deep.
    mutating func value(type: UInt32, key: String, depth: Int = 0) throws -> GGUFValue {
        // BEGIN SOLUTION lego.50: read one GGUF metadata value of the given type (u8...f64, bool, string, array of typed values)
        switch type {
        case 0: return .uint8(try load(UInt8.self, key))
        case 1: return .int8(try load(Int8.self, key))
        case 2: return .uint16(try load(UInt16.self, key))
        case 3: return .int16(try load(Int16.self, key))
        case 4: return .uint32(try load(UInt32.self, key))
        case 5: return .int32(try load(Int32.self, key))
        case 6: return .float32(Float(bitPattern: try load(UInt32.self, key)))
        case 7:
            let b = try load(UInt8.self, key)
            guard b <= 1 else { throw GGUFError("\(key): bool byte is \(b), expected 0 or 1") }
            return .bool(b == 1)
        case 8: return .string(try string(key))
        case 9:
            guard depth < 4 else { throw GGUFError("\(key): arrays nested more than 4 deep") }
            let elementType = try u32("element type of \(key)")
            let n = try count("length of array \(key)", minBytes: minimumSize(ofValueType: elementType))
            var elements: [GGUFValue] = []
            elements.reserveCapacity(n)
            for _ in 0..<n { elements.append(try value(type: elementType, key: key, depth: depth + 1)) }
            return .array(elements)
        case 10: return .uint64(try load(UInt64.self, key))
        case 11: return .int64(try load(Int64.self, key))
        case 12: return .float64(Double(bitPattern: try load(UInt64.self, key)))
        default: throw GGUFError("\(key): unknown value type \(type) at offset \(offset - 4)")
        }
        // END SOLUTION lego.50
    }
}

extension GGUFFile {
    /// Parses the header of `bytes`; every tensor's data range is checked against the file.
    convenience init(parsing bytes: GGUFBytes) throws {
        var r = ByteReader(bytes.raw)
        let magic = try r.u32("magic")
        guard magic == 0x4655_4747 else {   // "GGUF" read as a little-endian u32
            throw GGUFError("not a GGUF file (magic bytes are not \"GGUF\")")
        }
        let version = try r.u32("version")
        guard version == 2 || version == 3 else { throw GGUFError("unsupported GGUF version \(version) (need 2 or 3)") }
        let tensorCount = try r.count("tensor count", minBytes: 8 + 4 + 4 + 8)
        let kvCount = try r.count("metadata count", minBytes: 8 + 4 + 1)

        var metadata: [String: GGUFValue] = [:], keys: [String] = []
        for i in 0..<kvCount {
            let key = try r.string("key of metadata entry \(i)", maxLength: 65536)
            let type = try r.u32("type of \(key)")
            guard metadata[key] == nil else { throw GGUFError("metadata key \(key) appears twice") }
            metadata[key] = try r.value(type: type, key: key)
            keys.append(key)
        }
        var alignment = 32
        if let a = metadata["general.alignment"] {
            guard let v = a.int, v > 0, v <= 1 << 20, v & (v - 1) == 0 else {
                throw GGUFError("general.alignment must be a power of two, got \(a)")
            }
            alignment = v
        }

        var partial: [(name: String, dims: [Int], type: GGUFTensorType, offset: Int)] = []
        var names = Set<String>()
        for i in 0..<tensorCount {
            let name = try r.string("name of tensor \(i)", maxLength: 1024)
            guard names.insert(name).inserted else { throw GGUFError("tensor \(name) appears twice") }
            let nDims = try r.u32("rank of \(name)")
            guard nDims >= 1, nDims <= 4 else { throw GGUFError("tensor \(name) has \(nDims) dims (1 to 4 allowed)") }
            var dims: [Int] = []
            for d in 0..<Int(nDims) {
                let n = try r.load(UInt64.self, "dim \(d) of \(name)")
                guard n >= 1, n <= 1 << 40 else { throw GGUFError("tensor \(name): dim \(d) is \(n)") }
                dims.append(Int(n))
            }
            let rawType = try r.u32("type of \(name)")
            guard let type = GGUFTensorType(rawValue: rawType) else {
                throw GGUFError("tensor \(name) has unknown type \(rawType)")
            }
            let offset = try r.load(UInt64.self, "offset of \(name)")
            guard offset <= UInt64(bytes.raw.count), Int(offset) % alignment == 0 else {
                throw GGUFError("tensor \(name): data offset \(offset) is past the file or not a multiple of \(alignment)")
            }
            partial.append((name, dims, type, Int(offset)))
        }
        let dataOffset = (r.offset + alignment - 1) / alignment * alignment
        let dataBytes = bytes.raw.count - dataOffset
        var infos: [GGUFTensorInfo] = []
        for t in partial {
            var count = 1
            for d in t.dims {
                let (p, overflow) = count.multipliedReportingOverflow(by: d)
                guard !overflow, p <= 1 << 40 else { throw GGUFError("tensor \(t.name): dims \(t.dims) are too large") }
                count = p
            }
            let (blockValues, blockBytes) = t.type.block
            guard t.dims[0] % blockValues == 0 else {
                throw GGUFError("tensor \(t.name): row length \(t.dims[0]) is not a multiple of the \(t.type.name) block (\(blockValues))")
            }
            let byteCount = count / blockValues * blockBytes
            guard dataBytes >= 0, t.offset <= dataBytes, byteCount <= dataBytes - t.offset else {
                throw GGUFError("tensor \(t.name): its \(byteCount) bytes at data offset \(t.offset) run past the end of the file")
            }
            infos.append(GGUFTensorInfo(name: t.name, dims: t.dims, type: t.type, offset: t.offset, byteCount: byteCount))
        }
        // no two tensors share a byte: a tensor pointing into another one would be read as garbage
        let byOffset = infos.sorted { $0.offset < $1.offset }
        for (a, b) in zip(byOffset, byOffset.dropFirst()) where a.offset + a.byteCount > b.offset {
            throw GGUFError("tensor \(b.name): data offset \(b.offset) lies inside tensor \(a.name) (bytes \(a.offset) to \(a.offset + a.byteCount)); tensors must not overlap")
        }
        self.init(version: Int(version), metadata: metadata, keys: keys, tensorInfos: infos,
                  alignment: alignment, dataOffset: dataOffset, bytes: bytes)
    }
}
