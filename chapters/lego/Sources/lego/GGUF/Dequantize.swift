// De-quantization: GGUF tensor bytes -> float32.
//
// The quantized types store blocks of 32 values, each with its own scale:
//
//     Q8_0  [d: f16][q: 32 x i8]                      x = d * q                     34 bytes
//     Q4_0  [d: f16][q: 16 bytes, two 4-bit per byte]  x = d * (q - 8)               18 bytes
//     Q4_1  [d: f16][m: f16][q: 16 bytes]              x = d * q + m                 20 bytes
//
// In the 4-bit types, byte j of a block holds value j in its low nibble and value j + 16 in
// its high nibble (not j and j + 1). The loops run over raw pointers: ~100 M values load
// in well under a second in a release build. (A weight can also stay in its block format:
// dfdx's DType.q8_0/.q4_0/.q4_1, which the backend de-quantizes as a kernel reads it.)

/// float -> IEEE half, rounding to nearest even (tests and the GGUF writer use it).
public func floatToHalf(_ x: Float) -> UInt16 {
    let bits = x.bitPattern
    let sign = UInt16((bits >> 16) & 0x8000)
    if x.isNaN { return sign | 0x7E00 }
    let a = Swift.abs(x)
    if a >= 65520 { return sign | 0x7C00 }
    if a < 6.103515625e-05 {   // subnormal half: round(a * 2^24)
        return sign | UInt16((a * 16_777_216.0).rounded(.toNearestOrEven))
    }
    let e = Int((bits >> 23) & 0xFF) - 127 + 15
    let m = bits & 0x7F_FFFF
    var h = UInt32(e) << 10 | m >> 13
    let rest = m & 0x1FFF
    if rest > 0x1000 || (rest == 0x1000 && h & 1 == 1) { h += 1 }   // carries into the exponent correctly
    return sign | UInt16(h)
}

@inline(__always)
private func loadHalf(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
    halfBitsToFloat(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
}

/// Q8_0 blocks -> floats: x = d * q.
func dequantizeQ8_0(_ src: UnsafeRawPointer, blocks: Int, into dst: UnsafeMutablePointer<Float>) {
    // BEGIN SOLUTION lego.51: for each 34-byte Q8_0 block, read the f16 scale d and write d * q for its 32 signed bytes
    for b in 0..<blocks {
        let block = src + b * 34
        let d = loadHalf(block, 0)
        let q = (block + 2).assumingMemoryBound(to: Int8.self)
        let out = dst + b * 32
        for j in 0..<32 { out[j] = d * Float(q[j]) }
    }
    return
    // END SOLUTION lego.51
}

/// Q4_0 blocks -> floats: x = d * (q - 8); byte j holds values j (low nibble) and j + 16.
func dequantizeQ4_0(_ src: UnsafeRawPointer, blocks: Int, into dst: UnsafeMutablePointer<Float>) {
    for b in 0..<blocks {
        let block = src + b * 18
        let d = loadHalf(block, 0)
        let q = (block + 2).assumingMemoryBound(to: UInt8.self)
        let out = dst + b * 32
        for j in 0..<16 {
            out[j] = d * Float(Int(q[j] & 0x0F) - 8)
            out[j + 16] = d * Float(Int(q[j] >> 4) - 8)
        }
    }
}

/// Q4_1 blocks -> floats: x = d * q + m; byte j holds values j (low nibble) and j + 16.
func dequantizeQ4_1(_ src: UnsafeRawPointer, blocks: Int, into dst: UnsafeMutablePointer<Float>) {
    // BEGIN SOLUTION lego.52: for each 20-byte Q4_1 block (f16 d, f16 m, 16 bytes), write d * q + m; byte j holds values j (low nibble) and j + 16 (high nibble)
    for b in 0..<blocks {
        let block = src + b * 20
        let d = loadHalf(block, 0), m = loadHalf(block, 2)
        let q = (block + 4).assumingMemoryBound(to: UInt8.self)
        let out = dst + b * 32
        for j in 0..<16 {
            out[j] = d * Float(q[j] & 0x0F) + m
            out[j + 16] = d * Float(q[j] >> 4) + m
        }
    }
    return
    // END SOLUTION lego.52
}

/// `count` values of `type` from `src` (exactly the tensor's bytes) -> floats.
func dequantize(_ src: UnsafeRawBufferPointer, type: GGUFTensorType, count: Int, name: String) throws -> [Float] {
    let (blockValues, blockBytes) = type.block
    guard count % blockValues == 0, src.count == count / blockValues * blockBytes else {
        throw GGUFError("tensor \(name): \(src.count) bytes do not hold \(count) \(type.name) values")
    }
    guard let base = src.baseAddress, count > 0 else { return [] }
    let blocks = count / blockValues
    switch type {
    case .f32, .f16, .bf16, .q8_0, .q4_0, .q4_1: break
    default:
        throw GGUFError("tensor \(name) has type \(type.name); picograd reads F32, F16, BF16, Q8_0, Q4_0 and Q4_1")
    }
    return [Float](unsafeUninitializedCapacity: count) { out, initialized in
        let dst = out.baseAddress!   // count > 0, so the buffer has an address
        switch type {
        case .f32:
            for i in 0..<count { dst[i] = Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
        case .f16:
            for i in 0..<count { dst[i] = loadHalf(base, 2 * i) }
        case .bf16:   // the top 16 bits of a float32
            for i in 0..<count { dst[i] = Float(bitPattern: UInt32(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) << 16) }
        case .q8_0: dequantizeQ8_0(base, blocks: blocks, into: dst)
        case .q4_0: dequantizeQ4_0(base, blocks: blocks, into: dst)
        case .q4_1: dequantizeQ4_1(base, blocks: blocks, into: dst)
        default: break   // unreachable: rejected above
        }
        initialized = count
    }
}
