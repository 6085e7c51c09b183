// GGUF: the single-file checkpoint format of llama.cpp, read without trusting it.
//
// A GGUF file is a little-endian header followed by aligned tensor data:
//
//     "GGUF"  version:u32  tensor_count:u64  kv_count:u64
//     kv_count   x  key:string  type:u32  value          (typed metadata, arrays included)
//     tensor_count x name:string  n_dims:u32  dims:u64[n_dims]  type:u32  offset:u64
//     padding to `general.alignment` (default 32), then the tensor data
//
// A string is a u64 length and that many UTF-8 bytes. dims are innermost first (ne0 is the
// length of a row), so a torch weight [out, in] is stored as dims [in, out]. Tensors may be
// quantized in blocks of 32 values (Q8_0, Q4_0, Q4_1: GGUF/Dequantize.swift).
//
// The file is mapped into memory once (mmap), parsed by a reader that checks every length
// against the bytes that remain (GGUF/GGUFReader.swift), and each tensor is de-quantized
// only when asked for. A truncated, corrupted or hostile file throws `GGUFError`.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What is wrong with a GGUF file (or why a tensor cannot be read), in words.
public struct GGUFError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "GGUF: " + message }
}

/// One typed metadata value.
public enum GGUFValue: Sendable, Equatable {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16), uint32(UInt32), int32(Int32)
    case uint64(UInt64), int64(Int64), float32(Float), float64(Double), bool(Bool)
    case string(String)
    case array([GGUFValue])

    /// Integers (of any width) as Int; nil for other kinds or values that do not fit.
    public var int: Int? {
        switch self {
        case .uint8(let v): return Int(v)
        case .int8(let v): return Int(v)
        case .uint16(let v): return Int(v)
        case .int16(let v): return Int(v)
        case .uint32(let v): return Int(v)
        case .int32(let v): return Int(v)
        case .uint64(let v): return Int(exactly: v)
        case .int64(let v): return Int(v)
        default: return nil
        }
    }

    /// Floats (and integers) as Float.
    public var float: Float? {
        switch self {
        case .float32(let v): return v
        case .float64(let v): return Float(v)
        default: return int.map(Float.init)
        }
    }

    public var bool: Bool? { if case .bool(let v) = self { return v } else { return nil } }
    public var string: String? { if case .string(let v) = self { return v } else { return nil } }
    public var array: [GGUFValue]? { if case .array(let v) = self { return v } else { return nil } }
}

/// The element types a GGUF tensor may have (the ggml_type numbers).
public enum GGUFTensorType: UInt32, Sendable, CaseIterable {
    case f32 = 0, f16 = 1, q4_0 = 2, q4_1 = 3, q5_0 = 6, q5_1 = 7, q8_0 = 8, q8_1 = 9
    case q2_K = 10, q3_K = 11, q4_K = 12, q5_K = 13, q6_K = 14, q8_K = 15
    case iq2_xxs = 16, iq2_xs = 17, iq3_xxs = 18, iq1_s = 19, iq4_nl = 20, iq3_s = 21, iq2_s = 22
    case iq4_xs = 23, i8 = 24, i16 = 25, i32 = 26, i64 = 27, f64 = 28, iq1_m = 29, bf16 = 30
    case tq1_0 = 34, tq2_0 = 35

    /// Values per block and bytes per block (1 value for the plain float types).
    public var block: (values: Int, bytes: Int) {
        switch self {
        case .f32, .i32: return (1, 4)
        case .f16, .bf16, .i16: return (1, 2)
        case .i8: return (1, 1)
        case .i64, .f64: return (1, 8)
        case .q4_0: return (32, 18)
        case .q4_1: return (32, 20)
        case .q5_0: return (32, 22)
        case .q5_1: return (32, 24)
        case .q8_0: return (32, 34)
        case .q8_1: return (32, 36)
        case .q2_K: return (256, 84)
        case .q3_K: return (256, 110)
        case .q4_K: return (256, 144)
        case .q5_K: return (256, 176)
        case .q6_K: return (256, 210)
        case .q8_K: return (256, 292)
        case .iq2_xxs: return (256, 66)
        case .iq2_xs: return (256, 74)
        case .iq3_xxs: return (256, 98)
        case .iq1_s: return (256, 50)
        case .iq4_nl: return (32, 18)
        case .iq3_s: return (256, 110)
        case .iq2_s: return (256, 82)
        case .iq4_xs: return (256, 136)
        case .iq1_m: return (256, 56)
        case .tq1_0: return (256, 54)
        case .tq2_0: return (256, 66)
        }
    }

    /// The name llama.cpp prints ("Q4_1", "F32", ...).
    public var name: String { "\(self)".uppercased() }
}

/// Where one tensor lives in the file and what it holds.
public struct GGUFTensorInfo: Sendable {
    public let name: String
    /// Sizes innermost first, as stored (ne0, ne1, ...).
    public let dims: [Int]
    public let type: GGUFTensorType
    /// Byte offset from the start of the data section.
    public let offset: Int
    /// Bytes of data (whole blocks).
    public let byteCount: Int
    /// The torch shape: `dims` reversed (a weight [out, in] is stored as dims [in, out]).
    public var shape: [Int] { dims.reversed() }
    /// Number of values.
    public var count: Int { dims.reduce(1, *) }
}

/// The bytes of a GGUF file: an mmap of the file, or a copy of bytes made in memory.
final class GGUFBytes: @unchecked Sendable {
    let raw: UnsafeRawBufferPointer
    private let release: (UnsafeRawBufferPointer) -> Void

    init(raw: UnsafeRawBufferPointer, release: @escaping (UnsafeRawBufferPointer) -> Void) {
        self.raw = raw
        self.release = release
    }

    /// A private copy of `bytes`.
    convenience init(copying bytes: [UInt8]) {
        let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 64)
        bytes.withUnsafeBytes { memory.copyMemory(from: $0) }
        self.init(raw: UnsafeRawBufferPointer(rebasing: memory[0..<bytes.count])) { _ in memory.deallocate() }
    }

    /// Maps the file at `path` read-only (one mmap; pages are read as tensors are touched).
    static func map(path: String) throws -> GGUFBytes {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw GGUFError("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw GGUFError("\(path) is not a regular file (a directory or a device?); --model takes a .gguf file")
        }
        let size = Int(info.st_size)
        guard size > 0 else { throw GGUFError("\(path) is empty") }
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw GGUFError("cannot map \(path): \(String(cString: strerror(errno)))")
        }
        return GGUFBytes(raw: UnsafeRawBufferPointer(start: p, count: size)) { buffer in
            _ = munmap(UnsafeMutableRawPointer(mutating: buffer.baseAddress), buffer.count)
        }
    }

    deinit { release(raw) }
}

/// A parsed GGUF file: metadata, tensor infos, and the (mapped) bytes to de-quantize from.
public final class GGUFFile: @unchecked Sendable {
    /// The format version (2 or 3).
    public let version: Int
    /// Every key-value pair of the header.
    public let metadata: [String: GGUFValue]
    /// The metadata keys in file order.
    public let keys: [String]
    /// Every tensor, in file order.
    public let tensorInfos: [GGUFTensorInfo]
    /// `general.alignment` (32 when absent).
    public let alignment: Int
    /// Where the data section starts in the file.
    public let dataOffset: Int
    let bytes: GGUFBytes
    private let index: [String: Int]

    init(version: Int, metadata: [String: GGUFValue], keys: [String], tensorInfos: [GGUFTensorInfo],
         alignment: Int, dataOffset: Int, bytes: GGUFBytes) {
        self.version = version
        self.metadata = metadata
        self.keys = keys
        self.tensorInfos = tensorInfos
        self.alignment = alignment
        self.dataOffset = dataOffset
        self.bytes = bytes
        var index: [String: Int] = [:]
        for (i, t) in tensorInfos.enumerated() { index[t.name] = i }
        self.index = index
    }

    /// Parses GGUF bytes held in memory (tests write small files this way).
    public convenience init(bytes: [UInt8]) throws {
        try self.init(parsing: GGUFBytes(copying: bytes))
    }

    /// The metadata value for `key`, or nil.
    public subscript(key: String) -> GGUFValue? { metadata[key] }

    /// The tensor info called `name`, or nil.
    public func info(_ name: String) -> GGUFTensorInfo? { index[name].map { tensorInfos[$0] } }

    /// An integer metadata value, or an error naming the key.
    public func int(_ key: String) throws -> Int {
        guard let v = metadata[key]?.int else { throw GGUFError("metadata \(key) (an integer) is missing") }
        return v
    }

    /// A float metadata value, or an error naming the key.
    public func float(_ key: String) throws -> Float {
        guard let v = metadata[key]?.float else { throw GGUFError("metadata \(key) (a number) is missing") }
        return v
    }

    /// A string metadata value, or an error naming the key.
    public func string(_ key: String) throws -> String {
        guard let v = metadata[key]?.string else { throw GGUFError("metadata \(key) (a string) is missing") }
        return v
    }

    /// An array of strings, or an error naming the key.
    public func strings(_ key: String) throws -> [String] {
        guard let a = metadata[key]?.array else { throw GGUFError("metadata \(key) (an array of strings) is missing") }
        return try a.map {
            guard let s = $0.string else { throw GGUFError("metadata \(key): an element is not a string") }
            return s
        }
    }

    /// The tensor called `name`, de-quantized to float32, in torch shape (dims reversed).
    /// Cost: one pass over its bytes. Throws for a missing name or an unsupported type.
    public func tensor(_ name: String, device: Device = .default) throws -> Tensor {
        guard let info = info(name) else { throw GGUFError("no tensor named \(name)") }
        let values = try floats(info)
        return Tensor(values, shape: info.shape, device: device)
    }

    /// The values of one tensor, de-quantized, row-major in torch order.
    public func floats(_ info: GGUFTensorInfo) throws -> [Float] {
        // parse() checked that [dataOffset + offset, + byteCount) lies inside the file
        let start = dataOffset + info.offset
        let src = UnsafeRawBufferPointer(rebasing: bytes.raw[start..<(start + info.byteCount)])
        let values = try dequantize(src, type: info.type, count: info.count, name: info.name)
        if let i = values.firstIndex(where: { !$0.isFinite }) {
            throw GGUFError("tensor \(info.name): value \(i) is \(values[i]); weights must be finite")
        }
        return values
    }

    /// Throws unless every block scale (and Q4_1 minimum) of a Q8_0/Q4_0/Q4_1 tensor is a
    /// finite half: a cheap pass over 2 or 4 bytes of each block, the only floats in it.
    func checkScales(_ info: GGUFTensorInfo, _ src: UnsafeRawBufferPointer) throws {
        let (_, blockBytes) = info.type.block
        let halves = info.type == .q4_1 ? 2 : 1
        for block in 0..<(src.count / blockBytes) {
            for h in 0..<halves {
                let p = block * blockBytes + 2 * h
                let bits = UInt16(src[p]) | UInt16(src[p + 1]) << 8
                guard bits & 0x7C00 != 0x7C00 else {   // exponent all ones: inf or NaN
                    throw GGUFError("tensor \(info.name): block \(block) has a non-finite \(h == 0 ? "scale" : "minimum") (half bits 0x\(String(bits, radix: 16))); weights must be finite")
                }
            }
        }
    }
}

/// Reads the GGUF file at `path`: header, metadata, tensor infos; tensors are de-quantized on
/// demand with `file.tensor(name)`. Throws `GGUFError` saying what is wrong with a bad file.
public func loadGGUF(_ path: String) throws -> GGUFFile {
    try GGUFFile(parsing: GGUFBytes.map(path: path))
}
