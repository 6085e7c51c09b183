// In-place arithmetic, as PyTorch writes a parameter update: `w -= lr * w.grad!`.
//
// Each operator computes the new values and writes them into the left tensor's memory with
// `assign` (so every reference and view of it sees them, and its version counter moves on).
// Autograd does not record the write, so, as torch does, it is refused on a tensor that
// requires grad while grad mode is on: wrap the update in `withNoGrad { }`.

extension Tensor {
    /// Stops unless an in-place write into self is allowed here (torch's leaf rule).
    func checkInPlace(_ op: String, _ other: [Int]) {
        guard requiresGrad && isGradEnabled else { return }
        if isLeaf {
            fail("\(op): a leaf Variable that requires grad is being used in an in-place operation (shapes \(shape) and \(other)); write the update inside withNoGrad { }")
        }
        fail("\(op): in-place update of a tensor of shape \(shape) that requires grad (shapes \(shape) and \(other)) is not recorded by autograd; write it inside withNoGrad { } or out of place")
    }

    /// a = a + b in place (b broadcasts to a's shape).
    public static func += (a: Tensor, b: Tensor) { a.checkInPlace("+=", b.shape); a.assign(a + b) }
    /// a = a - b in place.
    public static func -= (a: Tensor, b: Tensor) { a.checkInPlace("-=", b.shape); a.assign(a - b) }
    /// a = a * b in place.
    public static func *= (a: Tensor, b: Tensor) { a.checkInPlace("*=", b.shape); a.assign(a * b) }
    /// a = a / b in place.
    public static func /= (a: Tensor, b: Tensor) { a.checkInPlace("/=", b.shape); a.assign(a / b) }
    /// a = a + b in place, for a scalar b of any number type.
    @_disfavoredOverload public static func += <T: BinaryFloatingPoint>(a: Tensor, b: T) { a += a.scalar(Float(b)) }
    @_disfavoredOverload public static func -= <T: BinaryFloatingPoint>(a: Tensor, b: T) { a -= a.scalar(Float(b)) }
    @_disfavoredOverload public static func *= <T: BinaryFloatingPoint>(a: Tensor, b: T) { a *= a.scalar(Float(b)) }
    @_disfavoredOverload public static func /= <T: BinaryFloatingPoint>(a: Tensor, b: T) { a *= a.scalar(1 / Float(b)) }
    @_disfavoredOverload public static func += <T: BinaryInteger>(a: Tensor, b: T) { a += a.scalar(Float(b)) }
    @_disfavoredOverload public static func -= <T: BinaryInteger>(a: Tensor, b: T) { a -= a.scalar(Float(b)) }
    @_disfavoredOverload public static func *= <T: BinaryInteger>(a: Tensor, b: T) { a *= a.scalar(Float(b)) }
    @_disfavoredOverload public static func /= <T: BinaryInteger>(a: Tensor, b: T) { a *= a.scalar(1 / Float(b)) }
}
