// Comparing picograd's results with the references, with the course's tolerances.
import dfdx

public enum Compare {
    /// Forward values in fp32: rtol 1e-4, atol 1e-5.
    public static let forwardTolerance = (rtol: 1e-4, atol: 1e-5)
    /// Gradients and tangents in fp32: rtol 1e-3, atol 1e-4.
    public static let gradientTolerance = (rtol: 1e-3, atol: 1e-4)

    /// Checks shape and values of a forward result.
    public static func forward(_ what: String, _ t: Tensor, _ ref: RefTensor) throws {
        try tensor(what, t, ref, rtol: forwardTolerance.rtol, atol: forwardTolerance.atol)
    }

    /// Checks shape and values of a gradient or tangent.
    public static func gradient(_ what: String, _ t: Tensor, _ ref: RefTensor) throws {
        try tensor(what, t, ref, rtol: gradientTolerance.rtol, atol: gradientTolerance.atol)
    }

    public static func tensor(_ what: String, _ t: Tensor, _ ref: RefTensor, rtol: Double, atol: Double) throws {
        guard t.shape == ref.shape else {
            throw GradingFailure("\(what): got shape \(t.shape), expected shape \(ref.shape)")
        }
        try scalars(what, t.toArray().map(Double.init), ref.data, shape: ref.shape, rtol: rtol, atol: atol)
    }

    /// The multi-dim index of flat element `i` of `shape` (row-major).
    public static func index(_ i: Int, in shape: [Int]) -> [Int] {
        var rest = i, out = [Int](repeating: 0, count: shape.count)
        for d in stride(from: shape.count - 1, through: 0, by: -1) where shape[d] > 0 {
            out[d] = rest % shape[d]
            rest /= shape[d]
        }
        return out
    }

    /// A reference tensor for a failure message: its shape and first values.
    public static func describe(_ t: RefTensor, first n: Int = 8) -> String {
        let shown = t.data.prefix(n).map { "\(Float($0))" }.joined(separator: ", ")
        return "shape \(t.shape) [\(shown)\(t.data.count > n ? ", ..." : "")]"
    }

    /// |a - b| <= atol + rtol * |b| for every element (torch.allclose); NaN never matches.
    /// With `shape`, the message gives the failing element's index in it.
    public static func scalars(_ what: String, _ got: [Double], _ expected: [Double], shape: [Int]? = nil,
                               rtol: Double, atol: Double) throws {
        guard got.count == expected.count else {
            throw GradingFailure("\(what): \(got.count) values, expected \(expected.count)")
        }
        var worst: (index: Int, error: Double)? = nil
        for (i, (a, b)) in zip(got, expected).enumerated() {
            let err = Swift.abs(a - b)
            if !(err <= atol + rtol * Swift.abs(b)) && (worst == nil || !(err <= worst!.error)) { worst = (i, err) }
        }
        if let w = worst {
            let bad = zip(got, expected).filter { a, b in !(Swift.abs(a - b) <= atol + rtol * Swift.abs(b)) }.count
            let at = shape.map { "element \(index(w.index, in: $0)) of shape \($0)" } ?? "element \(w.index) of \(got.count)"
            throw GradingFailure("\(what): \(at): got \(got[w.index]), expected \(expected[w.index]) "
                                 + "(rtol \(rtol), atol \(atol); \(bad) of \(got.count) elements off)")
        }
    }
}
