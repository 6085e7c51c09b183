// The chapter's first step: a scalar autodiff engine (micrograd-sized).
//
// A `Value` is one number that remembers the values it was made from and how to send a
// gradient back to them. `Tensor` generalizes exactly this to n-d arrays: the same
// topological sort, the same chain rule, one op at a time.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A scalar with reverse-mode autodiff.
public final class Value: @unchecked Sendable, CustomStringConvertible {
    /// The number.
    public let data: Double
    /// d(output)/d(self) after `backward()`.
    public var grad: Double = 0
    let parents: [Value]
    /// Adds this node's contribution to its parents' grads, using its own `grad`.
    var propagate: (Value) -> Void = { _ in }

    public init(_ data: Double) {
        self.data = data
        parents = []
    }

    init(_ data: Double, _ parents: [Value]) {
        self.data = data
        self.parents = parents
    }

    public var description: String { "Value(data: \(data), grad: \(grad))" }

    public static func + (a: Value, b: Value) -> Value {
        let out = Value(a.data + b.data, [a, b])
        out.propagate = { out in a.grad += out.grad; b.grad += out.grad }
        return out
    }

    public static func * (a: Value, b: Value) -> Value {
        let out = Value(a.data * b.data, [a, b])
        out.propagate = { out in a.grad += b.data * out.grad; b.grad += a.data * out.grad }
        return out
    }

    public static prefix func - (a: Value) -> Value { a * Value(-1) }
    public static func - (a: Value, b: Value) -> Value { a + (-b) }
    public static func / (a: Value, b: Value) -> Value { a * b.pow(-1) }

    /// self^e for a constant exponent.
    public func pow(_ e: Double) -> Value {
        let out = Value(libmPow(data, e), [self])
        out.propagate = { out in self.grad += e * libmPow(self.data, e - 1) * out.grad }
        return out
    }

    public func exp() -> Value {
        let out = Value(libmExp(data), [self])
        out.propagate = { out in self.grad += out.data * out.grad }
        return out
    }

    public func tanh() -> Value {
        let t = libmTanh(data)
        let out = Value(t, [self])
        out.propagate = { out in self.grad += (1 - t * t) * out.grad }
        return out
    }

    public func relu() -> Value {
        let out = Value(Swift.max(data, 0), [self])
        out.propagate = { out in self.grad += (out.data > 0 ? 1 : 0) * out.grad }
        return out
    }

    /// Sets every grad in the graph: d(self)/d(node), by the chain rule in reverse topological order.
    public func backward() {
        // BEGIN SOLUTION dfdx.25: sort the Values topologically (depth-first over parents), seed self.grad = 1, then call each one's propagate from the output back
        var order: [Value] = []
        var seen = Set<ObjectIdentifier>()
        func visit(_ v: Value) {
            guard seen.insert(ObjectIdentifier(v)).inserted else { return }
            for p in v.parents { visit(p) }
            order.append(v)
        }
        visit(self)
        grad = 1
        for v in order.reversed() { v.propagate(v) }
        // END SOLUTION dfdx.25
    }
}

// Inside `Value`, its own pow/exp/tanh methods hide the C library's functions of those names,
// so these file-level wrappers name libm's Double functions for the methods above.
@inline(__always) private func libmPow(_ x: Double, _ y: Double) -> Double { pow(x, y) }
@inline(__always) private func libmExp(_ x: Double) -> Double { exp(x) }
@inline(__always) private func libmTanh(_ x: Double) -> Double { tanh(x) }
