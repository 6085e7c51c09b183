// Chapter 2's file-format figures: a safetensors checkpoint written by `saveSafetensors`, and
// the layout of SmolLM2's GGUF file as `loadGGUF` parsed it.
#if DEBUG
import Foundation
@testable import dfdx
@testable import lego

let legoFileFigures: [Figure] = [
    Figure(name: "lego-safetensors", lecture: "02") { .files([("lego-safetensors.svg", try safetensorsFigure())]) },
    Figure(name: "lego-gguf", lecture: "02") { try ggufFigure() },
]

/// A two-tensor checkpoint, byte by byte: the length, the JSON header, the data.
func safetensorsFigure() throws -> String {
    let path = NSTemporaryDirectory() + "figures-\(getpid()).safetensors"
    defer { unlink(path) }
    let tensors = ["weight": Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3]), "bias": Tensor([0.5, -0.5], shape: [2])]
    try saveSafetensors(tensors, to: path, metadata: ["step": "20"])
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    let n = (0..<8).reduce(0) { $0 | Int(bytes[$1]) << (8 * $1) }
    let header = String(decoding: bytes[8..<(8 + n)], as: UTF8.self)
    let back = try loadSafetensors(path)
    require(back["weight"]?.toArray() == tensors["weight"]?.toArray() && bytes.count == 8 + n + 4 * 8, "the checkpoint reads back")
    var svg = SVG(width: 900, height: 240)
    svg.text(10, 20, "saveSafetensors([\"weight\": [2, 3], \"bias\": [2]], metadata: [\"step\": \"20\"]): all \(bytes.count) bytes of the file", size: 13, bold: true)
    // the bar: 8 + n + data, to scale
    let x0 = 20.0, w = 860.0, scale = w / Double(bytes.count)
    let parts: [(String, Int, Int, String)] = [("u64 n = \(n)", 0, 8, Palette.tints[3]), ("JSON header, \(n) bytes (space-padded to a multiple of 8)", 8, 8 + n, Palette.tints[0]),
                                               ("bias 8 B", 8 + n, 16 + n, Palette.tints[2]), ("weight 24 B", 16 + n, 40 + n, Palette.tints[1])]
    for (k, (name, a, b, fill)) in parts.enumerated() {
        svg.cell(x0 + Double(a) * scale, 44, Double(b - a) * scale, 30, "", fill: fill)
        svg.text(x0 + Double(a) * scale + 3, 88 + Double(k % 2) * 13, name, size: 10)
        svg.text(x0 + Double(a) * scale + 1, 40, "\(a)", size: 9, fill: Palette.grey)
    }
    svg.text(x0 + w - 1, 40, "\(bytes.count)", size: 9, anchor: .end, fill: Palette.grey)
    // the header, wrapped
    svg.text(x0, 128, "the header, as written (keys sorted; data_offsets count from the end of the header):", size: 11)
    var line = "", y = 148.0
    for ch in header.trimmingCharacters(in: .whitespaces) {
        line.append(ch)
        if line.count >= 110 { svg.text(x0, y, line, size: 11, mono: true); y += 16; line = "" }
    }
    if !line.isEmpty { svg.text(x0, y, line, size: 11, mono: true); y += 16 }
    svg.text(x0, y + 12, "data: the float32 values, little-endian, in the header's order; bias = \(back["bias"].map(vectorText) ?? "?"), weight = \(back["weight"].map(vectorText) ?? "?") (row-major)", size: 11)
    svg.text(x0, y + 30, "Nothing in the file can run code, and every length and offset is checked against the file's size before it is used.", size: 11, fill: Palette.grey)
    return svg.rendered
}

/// SmolLM2's GGUF: where the header, the metadata, the tensor records and the data lie.
func ggufFigure() throws -> Figure.Result {
    guard let path = findModel() else { return needsModel }
    let gguf = try loadGGUF(path)
    // the file's own size (models/ may hold a link to it)
    let size = (try FileManager.default.attributesOfItem(atPath: (path as NSString).resolvingSymlinksInPath)[.size] as? Int) ?? 0
    var byType: [String: (count: Int, bytes: Int)] = [:]
    for t in gguf.tensorInfos { byType[t.type.name, default: (0, 0)].count += 1; byType[t.type.name, default: (0, 0)].bytes += t.byteCount }
    let dataBytes = byType.values.map(\.bytes).reduce(0, +)
    require(gguf.dataOffset % gguf.alignment == 0 && gguf.dataOffset + dataBytes <= size, "the data section fits in the file")
    var svg = SVG(width: 900, height: 330)
    svg.text(10, 20, "models/\(defaultModelFile): \(label(Double(size) / 1e6, digits: 3)) MB, GGUF version \(gguf.version)", size: 13, bold: true)
    let x0 = 20.0, w = 860.0, scale = w / Double(size)
    svg.cell(x0, 44, Double(gguf.dataOffset) * scale, 30, "", fill: Palette.tints[0])
    var at = gguf.dataOffset
    let colours = ["Q4_1": Palette.tints[1], "Q8_0": Palette.tints[3], "F32": Palette.tints[2]]
    for t in gguf.tensorInfos {   // file order
        svg.rect(x0 + Double(gguf.dataOffset + t.offset) * scale, 44, Double(t.byteCount) * scale, 30, fill: colours[t.type.name] ?? Palette.light, stroke: nil)
        at = max(at, gguf.dataOffset + t.offset + t.byteCount)
    }
    svg.rect(x0, 44, w, 30, stroke: "#444")
    svg.text(x0, 40, "0", size: 9, fill: Palette.grey)
    svg.text(x0 + Double(gguf.dataOffset) * scale, 90, "data from byte \(gguf.dataOffset) (aligned to \(gguf.alignment))", size: 10)
    svg.text(x0 + w, 40, "\(size)", size: 9, anchor: .end, fill: Palette.grey)
    let y0 = 120.0
    svg.text(x0, y0, "before the data (\(label(Double(gguf.dataOffset) / 1e6, digits: 3)) MB, blue): magic \"GGUF\", version, counts, then", size: 11, bold: true)
    svg.text(x0, y0 + 18, "\(gguf.keys.count) metadata entries, in file order, e.g.:", size: 11)
    let shown = ["general.architecture", "llama.block_count", "llama.embedding_length", "llama.attention.head_count", "llama.attention.head_count_kv", "llama.rope.freq_base", "tokenizer.ggml.model", "tokenizer.ggml.tokens", "tokenizer.ggml.merges"]
    var y = y0 + 36
    for k in shown where gguf.metadata[k] != nil {
        let v: String
        switch gguf.metadata[k]! {
        case .array(let a): v = "array of \(a.count)"
        case .string(let s): v = "\"\(s)\""
        default: v = gguf.metadata[k]!.int.map(String.init) ?? gguf.metadata[k]!.float.map { label(Double($0), digits: 6) } ?? "?"
        }
        svg.text(x0 + 10, y, "\(k) = \(v)", size: 10, mono: true); y += 14
    }
    svg.text(x0 + 10, y + 4, "then \(gguf.tensorInfos.count) tensor records: name, dims (innermost first), type, offset into the data", size: 10)
    let tx = 520.0
    svg.text(tx, y0, "the data (\(label(Double(dataBytes) / 1e6, digits: 3)) MB), by type:", size: 11, bold: true)
    var ty = y0 + 18
    for (name, v) in byType.sorted(by: { $0.value.bytes > $1.value.bytes }) {
        svg.rect(tx, ty - 9, 12, 10, fill: colours[name] ?? Palette.light)
        svg.text(tx + 18, ty, "\(name): \(v.count) tensors, \(label(Double(v.bytes) / 1e6, digits: 3)) MB", size: 11); ty += 16
    }
    let first = gguf.tensorInfos.prefix(3).map { "\($0.name) \(shapeText($0.dims)) \($0.type.name)" }
    svg.text(tx, ty + 10, "first records:", size: 10, fill: Palette.grey)
    for (i, r) in first.enumerated() { svg.text(tx, ty + 24 + Double(i) * 13, r, size: 10, mono: true) }
    return .files([("lego-gguf.svg", svg.rendered)])
}
#endif
