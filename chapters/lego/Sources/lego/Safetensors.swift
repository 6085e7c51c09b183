// safetensors: the checkpoint format of HuggingFace and PyTorch users.
//
// A file is: 8 bytes (little-endian UInt64) giving the header's length N, N bytes of JSON
// header, then the raw tensor bytes. The header maps each name to
// {"dtype":"F32","shape":[2,3],"data_offsets":[begin,end]} (offsets into the data part),
// plus an optional "__metadata__" map of strings. We write what the Python library writes,
// byte for byte: tensors sorted by name, compact JSON padded with spaces to 8 bytes.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A safetensors file that cannot be read or written; says which file and why.
public struct SafetensorsError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "safetensors \(path): \(reason)" }
}

/// The header text for `tensors` (F32, sorted by name, data laid out in that order),
/// padded with spaces so the data starts 8-byte aligned. `metadata` goes first, keys sorted.
public func safetensorsHeader(_ tensors: [(name: String, shape: [Int])], metadata: [String: String] = [:]) -> String {
    // BEGIN SOLUTION lego.17: JSON {"__metadata__":{...},"name":{"dtype":"F32","shape":[...],"data_offsets":[begin,end]},...} in name order, offsets counting 4 bytes per element; pad with spaces to a multiple of 8
    var entries: [String] = []
    if !metadata.isEmpty {
        let items = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
        entries.append("\"__metadata__\":{" + items.joined(separator: ",") + "}")
    }
    var offset = 0
    for t in tensors.sorted(by: { $0.name < $1.name }) {
        let end = offset + 4 * t.shape.reduce(1, *)
        let shape = t.shape.map(String.init).joined(separator: ",")
        entries.append("\(jsonString(t.name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
        offset = end
    }
    var header = "{" + entries.joined(separator: ",") + "}"
    while header.utf8.count % 8 != 0 { header += " " }
    return header
    // END SOLUTION lego.17
}

/// A JSON string literal.
func jsonString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case _ where u.value < 0x20:
            let hex = String(u.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(u)
        }
    }
    return out + "\""
}

/// Writes `tensors` as F32 safetensors at `path`, atomically and durably: a temporary file,
/// flushed to the disk (fsync) before it is renamed over `path`, then the folder flushed so
/// the rename itself survives a power cut (without the first fsync, a crash after the rename
/// can leave an empty file under the final name).
public func saveSafetensors(_ tensors: [String: Tensor], to path: String, metadata: [String: String] = [:]) throws {
    let names = tensors.keys.sorted()
    let header = safetensorsHeader(names.map { ($0, tensors[$0]!.shape) }, metadata: metadata)
    let n = UInt64(header.utf8.count)
    var bytes: [UInt8] = (0..<8).map { UInt8((n >> (8 * UInt64($0))) & 0xff) } + Array(header.utf8)
    let dataStart = bytes.count
    bytes += [UInt8](repeating: 0, count: 4 * names.reduce(0) { $0 + tensors[$1]!.count })
    var position = dataStart
    bytes.withUnsafeMutableBytes { out in
        for name in names {
            for x in tensors[name]!.toArray() {   // little-endian, whatever the host's byte order
                out.storeBytes(of: x.bitPattern.littleEndian, toByteOffset: position, as: UInt32.self)
                position += 4
            }
        }
    }
    let temporary = path + ".tmp-\(getpid())"
    guard let file = fopen(temporary, "wb") else {
        throw SafetensorsError(path: path, reason: "cannot create \(temporary)")
    }
    let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
    let synced = fflush(file) == 0 && fsync(fileno(file)) == 0
    let closed = fclose(file)
    guard written == bytes.count, synced, closed == 0, rename(temporary, path) == 0 else {
        unlink(temporary)
        throw SafetensorsError(path: path, reason: "write failed")
    }
    syncFolder(of: path)
}

/// fsync of the folder that holds `path`, so a rename into it is on the disk too.
func syncFolder(of path: String) {
    let folder = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
    let fd = open(folder.isEmpty ? "/" : folder, O_RDONLY)
    guard fd >= 0 else { return }
    _ = fsync(fd)
    close(fd)
}

/// Reads every tensor of a safetensors file (F32, F16 and BF16 become float32).
public func loadSafetensors(_ path: String) throws -> [String: Tensor] {
    try loadSafetensorsWithMetadata(path).tensors
}

/// The header's `__metadata__` strings and every tensor. Malformed files throw.
public func loadSafetensorsWithMetadata(_ path: String) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
    func bad(_ reason: String) -> SafetensorsError { SafetensorsError(path: path, reason: reason) }
    guard let data = FileManager.default.contents(atPath: path) else { throw bad("cannot read the file") }
    let bytes = [UInt8](data)
    guard bytes.count >= 8 else { throw bad("too short for a header length (\(bytes.count) bytes)") }
    let n = (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[$1]) << (8 * UInt64($1)) }
    guard n <= UInt64(bytes.count - 8) else { throw bad("header length \(n) exceeds the file size \(bytes.count)") }
    let headerEnd = 8 + Int(n)
    let header: SafetensorsHeader
    do { header = try JSONDecoder().decode(SafetensorsHeader.self, from: Data(bytes[8..<headerEnd])) }
    catch { throw bad("header is not valid safetensors JSON") }
    let dataCount = bytes.count - headerEnd
    // every tensor's bytes, checked before any is read: a known dtype, a shape whose size does
    // not overflow, offsets that hold exactly that many bytes; together they tile the data part
    var ranges: [(begin: Int, end: Int, name: String)] = []
    for (name, e) in header.entries {
        guard ["F32", "F16", "BF16"].contains(e.dtype) else {
            throw bad("tensor \(name) has unsupported dtype \(e.dtype) (F32, F16, BF16 are read)")
        }
        guard e.shape.count <= 8 else { throw bad("tensor \(name): shape \(e.shape) has \(e.shape.count) dims; expected at most 8") }
        var count = 1
        for d in e.shape {
            let (p, overflow) = count.multipliedReportingOverflow(by: d)
            guard d >= 0, !overflow, p <= dataCount else {
                throw bad("tensor \(name): shape \(e.shape) holds more values than the \(dataCount) data bytes")
            }
            count = p
        }
        guard e.dataOffsets.count == 2 else { throw bad("tensor \(name): data_offsets \(e.dataOffsets); expected [begin, end]") }
        let (begin, end) = (e.dataOffsets[0], e.dataOffsets[1])
        guard begin >= 0, begin <= end, end <= dataCount, end - begin == count * (e.dtype == "F32" ? 4 : 2) else {
            throw bad("tensor \(name): offsets [\(begin), \(end)] do not fit shape \(e.shape) of \(e.dtype) in \(dataCount) data bytes")
        }
        ranges.append((begin, end, name))
    }
    ranges.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
    var covered = 0
    for r in ranges {
        guard r.begin == covered else {
            throw bad(r.begin < covered ? "tensor \(r.name): bytes [\(r.begin), \(r.end)] overlap another tensor's"
                                        : "data bytes [\(covered), \(r.begin)) belong to no tensor (before \(r.name))")
        }
        covered = r.end
    }
    guard covered == dataCount else {
        throw bad("the tensors cover \(covered) of the \(dataCount) data bytes; expected all of them (is the header length \(n) right?)")
    }
    var tensors: [String: Tensor] = [:]
    for (name, e) in header.entries {
        let size = e.dtype == "F32" ? 4 : 2
        let count = e.shape.reduce(1, *)
        let start = headerEnd + e.dataOffsets[0]
        var values = [Float](repeating: 0, count: count)
        bytes.withUnsafeBufferPointer { raw in
            values.withUnsafeMutableBufferPointer { out in
                for i in 0..<count {
                    let p = start + i * size
                    switch e.dtype {
                    case "F32":
                        out[i] = Float(bitPattern: UInt32(raw[p]) | UInt32(raw[p + 1]) << 8 | UInt32(raw[p + 2]) << 16 | UInt32(raw[p + 3]) << 24)
                    case "BF16":
                        out[i] = Float(bitPattern: (UInt32(raw[p]) | UInt32(raw[p + 1]) << 8) << 16)
                    default:
                        out[i] = halfToFloat(UInt16(raw[p]) | UInt16(raw[p + 1]) << 8)
                    }
                }
            }
        }
        tensors[name] = Tensor(values, shape: e.shape)
    }
    return (tensors, header.metadata)
}

/// IEEE half precision bits -> Float (subnormals, infinities and NaN included).
public func halfToFloat(_ h: UInt16) -> Float {
    let sign = UInt32(h >> 15) << 31
    let exponent = Int((h >> 10) & 0x1f), mantissa = UInt32(h & 0x3ff)
    if exponent == 0 {
        let magnitude = Float(mantissa) * (1.0 / 16_777_216)   // mantissa * 2^-24
        return sign != 0 ? -magnitude : magnitude
    }
    if exponent == 31 { return Float(bitPattern: sign | 0x7f80_0000 | mantissa << 13) }
    return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | mantissa << 13)
}

/// The JSON header: tensor entries plus optional string metadata.
struct SafetensorsHeader: Decodable {
    struct Entry: Decodable {
        let dtype: String
        let shape: [Int]
        let dataOffsets: [Int]
        enum CodingKeys: String, CodingKey { case dtype, shape, dataOffsets = "data_offsets" }
    }
    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
    var entries: [String: Entry] = [:]
    var metadata: [String: String] = [:]

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        for key in c.allKeys {
            if key.stringValue == "__metadata__" { metadata = try c.decode([String: String].self, forKey: key) }
            else { entries[key.stringValue] = try c.decode(Entry.self, forKey: key) }
        }
    }
}
