// Weight initializers (torch.nn.init): each overwrites a tensor in place, without recording a
// gradient, and returns it. Fans follow torch: a weight [out, in, k...] has fan-in in * k...
// and fan-out out * k...; random draws come from the default generator (`manualSeed`), or
// from the generator passed in.

/// torch.nn.init's functions, under their torch names: `Init.normal_(w, std: 0.02)`.
public enum Init {
    /// (fan-in, fan-out) of a weight of at least 2 dims, as torch computes them.
    public static func fans(_ t: Tensor) -> (fanIn: Int, fanOut: Int) {
        check(t.rank >= 2, "Init: fan in and fan out can not be computed for a tensor with fewer than 2 dimensions (shape \(t.shape))")
        let receptive = t.shape.dropFirst(2).reduce(1, *)
        return (t.shape[1] * receptive, t.shape[0] * receptive)
    }

    static func fill(_ t: Tensor, _ values: Tensor) -> Tensor {
        withNoGrad { t.assign(values) }
        return t
    }

    /// Every element drawn from N(mean, std^2) (nn.init.normal_).
    @discardableResult
    public static func normal_(_ t: Tensor, mean: Float = 0, std: Float = 1, generator: inout Generator) -> Tensor {
        fill(t, Tensor.randn(t.shape, generator: &generator, device: t.device) * std + mean)
    }

    /// Every element drawn from U(a, b) (nn.init.uniform_).
    @discardableResult
    public static func uniform_(_ t: Tensor, a: Float = 0, b: Float = 1, generator: inout Generator) -> Tensor {
        fill(t, Tensor.rand(t.shape, generator: &generator, device: t.device) * (b - a) + a)
    }

    /// Every element `value` (nn.init.constant_).
    @discardableResult
    public static func constant_(_ t: Tensor, _ value: Float) -> Tensor { fill(t, Tensor.full([], value, device: t.device)) }
    /// Every element 0 (nn.init.zeros_).
    @discardableResult
    public static func zeros_(_ t: Tensor) -> Tensor { constant_(t, 0) }
    /// Every element 1 (nn.init.ones_).
    @discardableResult
    public static func ones_(_ t: Tensor) -> Tensor { constant_(t, 1) }

    /// U(-b, b) with b = gain sqrt(6 / (fanIn + fanOut)) (nn.init.xavier_uniform_).
    @discardableResult
    public static func xavierUniform_(_ t: Tensor, gain: Float = 1, generator: inout Generator) -> Tensor {
        let (i, o) = fans(t)
        let b = gain * (6 / Float(i + o)).squareRoot()
        return uniform_(t, a: -b, b: b, generator: &generator)
    }

    /// N(0, std^2) with std = gain sqrt(2 / (fanIn + fanOut)) (nn.init.xavier_normal_).
    @discardableResult
    public static func xavierNormal_(_ t: Tensor, gain: Float = 1, generator: inout Generator) -> Tensor {
        let (i, o) = fans(t)
        return normal_(t, std: gain * (2 / Float(i + o)).squareRoot(), generator: &generator)
    }

    /// The gain torch uses for kaiming init with a leaky ReLU of slope a: sqrt(2 / (1 + a^2)).
    static func leakyReLUGain(_ a: Float) -> Float { (2 / (1 + a * a)).squareRoot() }

    /// U(-b, b) with b = gain sqrt(3 / fan), gain sqrt(2 / (1 + a^2)), fan the fan-in unless
    /// `fanOut` (nn.init.kaiming_uniform_ with nonlinearity leaky_relu; a = 0 is ReLU's gain).
    @discardableResult
    public static func kaimingUniform_(_ t: Tensor, a: Float = 0, fanOut: Bool = false, generator: inout Generator) -> Tensor {
        let f = fanOut ? fans(t).fanOut : fans(t).fanIn
        let b = leakyReLUGain(a) * (3 / Float(f)).squareRoot()
        return uniform_(t, a: -b, b: b, generator: &generator)
    }

    /// N(0, std^2) with std = gain / sqrt(fan) (nn.init.kaiming_normal_, leaky_relu gain).
    @discardableResult
    public static func kaimingNormal_(_ t: Tensor, a: Float = 0, fanOut: Bool = false, generator: inout Generator) -> Tensor {
        let f = fanOut ? fans(t).fanOut : fans(t).fanIn
        return normal_(t, std: leakyReLUGain(a) / Float(f).squareRoot(), generator: &generator)
    }

    // the same from the default generator
    @discardableResult
    public static func normal_(_ t: Tensor, mean: Float = 0, std: Float = 1) -> Tensor {
        withDefaultGenerator { normal_(t, mean: mean, std: std, generator: &$0) }
    }
    @discardableResult
    public static func uniform_(_ t: Tensor, a: Float = 0, b: Float = 1) -> Tensor {
        withDefaultGenerator { uniform_(t, a: a, b: b, generator: &$0) }
    }
    @discardableResult
    public static func xavierUniform_(_ t: Tensor, gain: Float = 1) -> Tensor {
        withDefaultGenerator { xavierUniform_(t, gain: gain, generator: &$0) }
    }
    @discardableResult
    public static func xavierNormal_(_ t: Tensor, gain: Float = 1) -> Tensor {
        withDefaultGenerator { xavierNormal_(t, gain: gain, generator: &$0) }
    }
    @discardableResult
    public static func kaimingUniform_(_ t: Tensor, a: Float = 0, fanOut: Bool = false) -> Tensor {
        withDefaultGenerator { kaimingUniform_(t, a: a, fanOut: fanOut, generator: &$0) }
    }
    @discardableResult
    public static func kaimingNormal_(_ t: Tensor, a: Float = 0, fanOut: Bool = false) -> Tensor {
        withDefaultGenerator { kaimingNormal_(t, a: a, fanOut: fanOut, generator: &$0) }
    }
}
