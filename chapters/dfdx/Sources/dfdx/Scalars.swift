// Scalar operands of any Swift number type: `1e-6 * t` (a Double), `t / n` (an Int).
//
// Each generic overload converts the scalar to Float and calls the Float operator, so there is
// one arithmetic path whatever the literal or variable type: `x + 1` gives the same tensor
// whether Swift picks the Float, the BinaryInteger or the BinaryFloatingPoint overload. On an
// int32 tensor the value must be an integer (`ids + 1` stays int32). There is deliberately no
// concrete `Tensor + Int32` overload: every integer type goes through the one generic path.

extension Tensor {
    public static func + <T: BinaryFloatingPoint>(a: Tensor, b: T) -> Tensor { a + Float(b) }
    public static func - <T: BinaryFloatingPoint>(a: Tensor, b: T) -> Tensor { a - Float(b) }
    public static func * <T: BinaryFloatingPoint>(a: Tensor, b: T) -> Tensor { a * Float(b) }
    public static func / <T: BinaryFloatingPoint>(a: Tensor, b: T) -> Tensor { a / Float(b) }
    public static func + <T: BinaryFloatingPoint>(a: T, b: Tensor) -> Tensor { Float(a) + b }
    public static func - <T: BinaryFloatingPoint>(a: T, b: Tensor) -> Tensor { Float(a) - b }
    public static func * <T: BinaryFloatingPoint>(a: T, b: Tensor) -> Tensor { Float(a) * b }
    public static func / <T: BinaryFloatingPoint>(a: T, b: Tensor) -> Tensor { Float(a) / b }

    public static func + <T: BinaryInteger>(a: Tensor, b: T) -> Tensor { a + Float(b) }
    public static func - <T: BinaryInteger>(a: Tensor, b: T) -> Tensor { a - Float(b) }
    public static func * <T: BinaryInteger>(a: Tensor, b: T) -> Tensor { a * Float(b) }
    public static func / <T: BinaryInteger>(a: Tensor, b: T) -> Tensor { a / Float(b) }
    public static func + <T: BinaryInteger>(a: T, b: Tensor) -> Tensor { Float(a) + b }
    public static func - <T: BinaryInteger>(a: T, b: Tensor) -> Tensor { Float(a) - b }
    public static func * <T: BinaryInteger>(a: T, b: Tensor) -> Tensor { Float(a) * b }
    public static func / <T: BinaryInteger>(a: T, b: Tensor) -> Tensor { Float(a) / b }
}
