// Elementwise primitives: forward, VJP and JVP side by side.
//
// Inputs of a binary op have equal shapes here; broadcasting (Broadcast.swift) expands them
// first, and the expand's own VJP sums the gradient back over the broadcast dims.

extension Tensor {
    /// The unary primitive `op` applied elementwise.
    public func unary(_ op: UnaryOp) -> Tensor {
        let x = self
        x.requireFloat32(op.rawValue)
        if let out = Dispatch.direct(.unary(op), x, dtype: .float32, { backend, buffer in
            backend.unary(op, x.stridedView, out: buffer)
        }) { return out }
        let out = Dispatch.run(.unary(op), [x], shape: shape) { backend, buffer in
            backend.unary(op, x.stridedView, out: buffer)
        }
        let y = OutputRef(out, needed: recordsAutodiff(x))   // y() is the output, for VJPs written in terms of it
        switch op {
        case .neg:
            return record(out, .unary(.neg), [x], saves: .nothing, vjp: { g in
                // BEGIN SOLUTION dfdx.5: VJP of neg: d(-x)/dx = -1
                return [-g]
                // END SOLUTION dfdx.5
            }, jvp: { t in -t[0]! })
        case .exp:
            return record(out, .unary(.exp), [x], saves: .output, vjp: { g in
                // BEGIN SOLUTION dfdx.6: VJP of exp: d(e^x)/dx = e^x, which is the output y()
                return [g * y()]
                // END SOLUTION dfdx.6
            }, jvp: { t in t[0]! * y() })
        case .log:
            return record(out, .unary(.log), [x], vjp: { g in
                // BEGIN SOLUTION dfdx.7: VJP of log: d(log x)/dx = 1/x
                return [g / x]
                // END SOLUTION dfdx.7
            }, jvp: { t in t[0]! / x })
        case .sqrt:
            return record(out, .unary(.sqrt), [x], saves: .output, vjp: { g in
                // BEGIN SOLUTION dfdx.8: VJP of sqrt: d(sqrt x)/dx = 1 / (2 sqrt x), and sqrt x is the output y()
                return [g * 0.5 / y()]
                // END SOLUTION dfdx.8
            }, jvp: { t in t[0]! * 0.5 / y() })
        case .sin:
            return record(out, .unary(.sin), [x], vjp: { g in
                // BEGIN SOLUTION dfdx.9: VJP of sin: d(sin x)/dx = cos x
                return [g * x.cos()]
                // END SOLUTION dfdx.9
            }, jvp: { t in t[0]! * x.cos() })
        case .reciprocal:
            return record(out, .unary(.reciprocal), [x], saves: .output, vjp: { g in
                // BEGIN SOLUTION dfdx.10: VJP of 1/x: d(1/x)/dx = -1/x^2 = -y^2, with y() the output
                return [-g * y() * y()]
                // END SOLUTION dfdx.10
            }, jvp: { t in -t[0]! * y() * y() })
        case .erf:
            // d(erf x)/dx = 2/sqrt(pi) e^(-x^2)
            let slope = { 2 / Float.pi.squareRoot() * (-(x * x)).exp() }
            return record(out, .unary(.erf), [x], vjp: { g in [g * slope()] }, jvp: { t in t[0]! * slope() })
        }
    }

    /// The binary primitive `op` on two tensors of the same shape (no broadcasting here).
    public func binary(_ op: BinaryOp, _ other: Tensor) -> Tensor {
        let a = self, b = other
        check(a.shape == b.shape, "\(op.rawValue): primitive needs equal shapes, got \(a.shape) and \(b.shape)")
        check(a.dtype == b.dtype, "\(op.rawValue): dtypes \(a.dtype) and \(b.dtype) differ (shapes \(a.shape) and \(b.shape)); convert one with to(_:)")
        if a.dtype == .int32 && ![.add, .cmplt, .cmpeq].contains(op) {
            fail("\(op.rawValue): int32 is not supported (shapes \(a.shape) and \(b.shape)); convert with to(.float32)")
        }
        let outType: DType = op == .cmplt || op == .cmpeq ? .float32 : a.dtype
        if let out = Dispatch.direct(.binary(op), a, b, dtype: outType, { backend, buffer in
            backend.binary(op, a.stridedView, b.stridedView, out: buffer)
        }) { return out }
        let inputs = [a, b]
        let out = Dispatch.run(.binary(op), inputs, shape: shape, dtype: outType) { backend, buffer in
            backend.binary(op, a.stridedView, b.stridedView, out: buffer)
        }
        switch op {
        case .add:
            return record(out, .binary(.add), inputs, saves: .nothing, vjp: { g in
                // BEGIN SOLUTION dfdx.11: VJP of a + b: the gradient passes unchanged to both
                return [g, g]
                // END SOLUTION dfdx.11
            }, jvp: { t in sumTangents(t[0], t[1]) })
        case .mul:
            return record(out, .binary(.mul), inputs, vjp: { g in
                // BEGIN SOLUTION dfdx.12: VJP of a * b: each input gets the gradient times the other input
                return [g * b, g * a]
                // END SOLUTION dfdx.12
            }, jvp: { t in
                // BEGIN SOLUTION dfdx.26: JVP of a * b (product rule): ta * b + a * tb, skipping absent tangents
                return sumTangents(t[0].map { $0 * b }, t[1].map { a * $0 })
                // END SOLUTION dfdx.26
            })
        case .maximum:
            // Where a == b the gradient is split evenly, as torch.maximum does. The share that
            // goes to a is made only when a gradient or tangent needs it.
            let share = { withNoGrad { b.binary(.cmplt, a) + 0.5 * a.binary(.cmpeq, b) } }
            return record(out, .binary(.maximum), inputs, vjp: { g in
                // BEGIN SOLUTION dfdx.13: VJP of maximum: with toA = share() (1, 0, or 0.5 on ties), g * toA goes to a and g * (1 - toA) to b
                let toA = share()   // 1 where a won, 0.5 on ties, 0 where b won
                return [g * toA, g * (1 - toA)]
                // END SOLUTION dfdx.13
            }, jvp: { t in let toA = share(); return sumTangents(t[0].map { $0 * toA }, t[1].map { $0 * (1 - toA) }) })
        case .pow:
            let y = OutputRef(out, needed: recordsAutodiff(a, b))   // (only pow's VJP reads the output)
            return record(out, .binary(.pow), inputs, saves: .inputsAndOutput, vjp: { g in
                // BEGIN SOLUTION dfdx.14: VJP of a^b: g * b * a.binary(.pow, b - 1) for a; g * y() * a.log() for b, only when b.requiresGrad (else nil)
                return [g * b * a.binary(.pow, b - 1), b.requiresGrad ? g * y() * a.log() : nil]
                // END SOLUTION dfdx.14
            }, jvp: { t in sumTangents(t[0].map { $0 * b * a.binary(.pow, b - 1) }, t[1].map { $0 * y() * a.log() }) })
        case .cmplt, .cmpeq:
            // comparisons are flat almost everywhere: no gradient, no tangent
            return record(out, .binary(op), inputs, saves: .nothing, vjp: { _ in [nil, nil] }, jvp: { _ in nil })
        }
    }

    /// `cond != 0 ? a : b` elementwise, all three of the same shape.
    static func select(_ cond: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
        check(cond.shape == a.shape && a.shape == b.shape,
              "where: primitive needs equal shapes, got \(cond.shape), \(a.shape) and \(b.shape)")
        for t in [cond, a, b] { t.requireFloat32("where") }
        let out = Dispatch.run(.select, [cond, a, b], shape: a.shape) { backend, buffer in
            backend.select(cond.stridedView, a.stridedView, b.stridedView, out: buffer)
        }
        return record(out, .select, [cond, a, b], saves: .only([0]), vjp: { g in
            // BEGIN SOLUTION dfdx.15: VJP of where: Tensor.select(cond, g, zeros) to a, Tensor.select(cond, zeros, g) to b, nil to cond
            let zero = Tensor.zeros(g.shape, device: g.device)
            return [nil, Tensor.select(cond, g, zero), Tensor.select(cond, zero, g)]
            // END SOLUTION dfdx.15
        }, jvp: { t in
            let zero = Tensor.zeros(a.shape, device: a.device)
            return sumTangents(t[1].map { Tensor.select(cond, $0, zero) }, t[2].map { Tensor.select(cond, zero, $0) })
        })
    }
}

extension Tensor {
    /// Stops unless this tensor is float32: `op: int32 is not supported (shapes ...)`.
    func requireFloat32(_ op: String, _ others: Tensor...) {
        if dtype != .float32 || others.contains(where: { $0.dtype != .float32 }) {
            fail("\(op): \(dtype == .float32 ? others.first { $0.dtype != .float32 }!.dtype : dtype) is not supported (shapes \(([self] + others).map(\.shape).map { "\($0)" }.joined(separator: " and "))); convert with to(.float32)")
        }
    }
}
