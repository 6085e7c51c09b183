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
            throw GradingFailure("\(what): shape \(t.shape), expected \(ref.shape)")
        }
        try scalars(what, t.toArray().map(Double.init), ref.data, rtol: rtol, atol: atol)
    }

    /// |a - b| <= atol + rtol * |b| for every element (torch.allclose); NaN never matches.
    public static func scalars(_ what: String, _ got: [Double], _ expected: [Double], rtol: Double, atol: Double) throws {
        guard got.count == expected.count else {
            throw GradingFailure("\(what): \(got.count) values, expected \(expected.count)")
        }
        var worst: (index: Int, error: Double)? = nil
        for (i, (a, b)) in zip(got, expected).enumerated() {
            let err = Swift.abs(a - b)
            if !(err <= atol + rtol * Swift.abs(b)) && (worst == nil || !(err <= worst!.error)) { worst = (i, err) }
        }
        if let w = worst {
            throw GradingFailure("\(what): element \(w.index) is \(got[w.index]), expected \(expected[w.index]) (rtol \(rtol), atol \(atol))")
        }
    }
}
