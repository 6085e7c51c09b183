// Scalar operands of any Swift number type: `1e-6 * t` (a Double), `t / n` (an Int).
//
// Each generic overload converts the scalar to Float and calls the Float operator, so there is
// one arithmetic path whatever the literal or variable type: `x + 1` gives the same tensor
// whether Swift picks the Float, the BinaryInteger or the BinaryFloatingPoint overload. On an
// int32 tensor the value must be an integer (`ids + 1` stays int32). There is deliberately no
// concrete `Tensor + Int32` overload: every integer type goes through the one generic path.
//
// The generic overloads are disfavored (`@_disfavoredOverload`), so a literal (`x * 2`) takes the
// Float operator and the type checker does not try every number type for every literal of a
// long expression: measured on `2 + x - 1 * x / 2 - 3 * x + x * 2 - x / 4 + (2 / x) - (1 - x)`,
// under 20 ms with them, 370 ms without the attribute, and 7.4 s with concrete Double and Int
// overloads instead of generic ones.

extension Tensor {
    @_disfavoredOverload public static func + <T: BinaryFloatingPoint>(a: Tensor, b: T) -> Tensor { a + Float(b) }
    @_disfavoredOverload public static func - <T: BinaryFloatingPoint>(a: Tensor, b: T) -> Tensor { a - Float(b) }
    @_disfavoredOverload public static func * <T: BinaryFloatingPoint>(a: Tensor, b: T) -> Tensor { a * Float(b) }
    @_disfavoredOverload public static func / <T: BinaryFloatingPoint>(a: Tensor, b: T) -> Tensor { a / Float(b) }
    @_disfavoredOverload public static func + <T: BinaryFloatingPoint>(a: T, b: Tensor) -> Tensor { Float(a) + b }
    @_disfavoredOverload public static func - <T: BinaryFloatingPoint>(a: T, b: Tensor) -> Tensor { Float(a) - b }
    @_disfavoredOverload public static func * <T: BinaryFloatingPoint>(a: T, b: Tensor) -> Tensor { Float(a) * b }
    @_disfavoredOverload public static func / <T: BinaryFloatingPoint>(a: T, b: Tensor) -> Tensor { Float(a) / b }

    @_disfavoredOverload public static func + <T: BinaryInteger>(a: Tensor, b: T) -> Tensor { a + Float(b) }
    @_disfavoredOverload public static func - <T: BinaryInteger>(a: Tensor, b: T) -> Tensor { a - Float(b) }
    @_disfavoredOverload public static func * <T: BinaryInteger>(a: Tensor, b: T) -> Tensor { a * Float(b) }
    @_disfavoredOverload public static func / <T: BinaryInteger>(a: Tensor, b: T) -> Tensor { a / Float(b) }
    @_disfavoredOverload public static func + <T: BinaryInteger>(a: T, b: Tensor) -> Tensor { Float(a) + b }
    @_disfavoredOverload public static func - <T: BinaryInteger>(a: T, b: Tensor) -> Tensor { Float(a) - b }
    @_disfavoredOverload public static func * <T: BinaryInteger>(a: T, b: Tensor) -> Tensor { Float(a) * b }
    @_disfavoredOverload public static func / <T: BinaryInteger>(a: T, b: Tensor) -> Tensor { Float(a) / b }
}
