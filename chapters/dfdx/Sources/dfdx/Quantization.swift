// Block quantization, as GGML stores weights: each row of a matrix is cut into blocks of 32
// values, and each block keeps its own scale, so one outlier only coarsens its own block.
//
//     Q8_0  [d: f16][q: 32 x i8]                       x = d * q            34 bytes (8.5 bits a value)
//     Q4_0  [d: f16][q: 16 bytes, two 4-bit per byte]   x = d * (q - 8)      18 bytes (4.5 bits)
//     Q4_1  [d: f16][m: f16][q: 16 bytes]               x = d * q + m        20 bytes (5 bits)
//
// In the 4-bit formats byte j of a block holds value j in its low nibble and value j + 16 in
// its high nibble. A quantized weight stays in this form in memory; kernels de-quantize a
// block at a time as they read it, so memory traffic is 4 to 8 times smaller than float32.

/// IEEE half -> float, by moving the bits (no Float16 type needed: it is missing on some Macs).
@inline(__always)
public func halfBitsToFloat(_ h: UInt16) -> Float {
    let sign = UInt32(h & 0x8000) << 16
    let exponent = UInt32(h >> 10) & 0x1F
    let mantissa = UInt32(h & 0x3FF)
    if exponent == 0 {
        // zero or subnormal: mantissa * 2^-24
        let magnitude = Float(mantissa) * (1.0 / 16_777_216.0)
        return sign == 0 ? magnitude : -magnitude
    }
    if exponent == 31 { return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13)) }   // inf, NaN
    return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
}

@inline(__always)
func loadHalf(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
    halfBitsToFloat(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
}

/// De-quantizes one row of `format` (`k` values, k / 32 blocks starting at `row`) into `out`.
@inline(__always)
func dequantizeRow(_ format: DType, _ row: UnsafeRawPointer, k: Int, into out: UnsafeMutablePointer<Float>) {
    let bytes = format.block.bytes
    for b in 0..<(k / 32) {
        let block = row + b * bytes, o = out + b * 32
        switch format {
        case .q8_0:
            let d = loadHalf(block, 0), q = (block + 2).assumingMemoryBound(to: Int8.self)
            for j in 0..<32 { o[j] = d * Float(q[j]) }
        case .q4_0:
            let d = loadHalf(block, 0), q = (block + 2).assumingMemoryBound(to: UInt8.self)
            for j in 0..<16 {
                o[j] = d * Float(Int32(q[j] & 0x0F) - 8)
                o[j + 16] = d * Float(Int32(q[j] >> 4) - 8)
            }
        case .q4_1:
            let d = loadHalf(block, 0), m = loadHalf(block, 2), q = (block + 4).assumingMemoryBound(to: UInt8.self)
            for j in 0..<16 {
                o[j] = d * Float(q[j] & 0x0F) + m
                o[j + 16] = d * Float(q[j] >> 4) + m
            }
        default: fail("dequantize: \(format) is not a block format")
        }
    }
}
