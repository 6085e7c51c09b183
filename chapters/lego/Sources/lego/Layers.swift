// Small layers: Dropout, Sequential, and the activations the models use.

/// Zeroes each element with probability p in training mode and scales the rest by
/// 1/(1-p), so eval mode is the identity (torch.nn.Dropout). Masks come from the default generator.
public final class Dropout: Module {
    public let p: Float

    /// Drops each element with probability p (0 <= p < 1).
    public init(_ p: Float) {
        check(p >= 0 && p < 1, "Dropout: p must be in [0, 1), got \(p)")
        self.p = p
    }

    /// x: any shape -> same shape.
    public override func forward(_ x: Tensor) -> Tensor {
        if !training || p == 0 { return x }
        // BEGIN SOLUTION lego.5: a keep-mask from Tensor.rand(x.shape, device: x.device) (keep where u >= p: 1 - u.lt(p)); x * mask / (1 - p)
        let keep = 1 - Tensor.rand(x.shape, device: x.device).lt(p)   // u in [0, 1): keep when u >= p
        return x * (keep / (1 - p))
        // END SOLUTION lego.5
    }
}

/// Layers applied in order (torch.nn.Sequential); parameters are named `0.weight`, `1.bias`, ...
public final class Sequential: Module {
    public let layers: [Module]

    /// Applies `layers` in order.
    public init(_ layers: [Module]) { self.layers = layers }

    /// Children named by position: `0`, `1`, ...
    public override func namedChildren() -> [(String, Module)] {
        layers.enumerated().map { ("\($0.offset)", $0.element) }
    }

    /// Parameters named `index.name`, like torch's Sequential.
    public override func namedParameters() -> [(String, Tensor)] {
        super.namedParameters().map { (String($0.0.dropFirst("layers.".count)), $0.1) }
    }

    /// x -> layers[n-1](...layers[0](x))
    public override func forward(_ x: Tensor) -> Tensor {
        layers.reduce(x) { $1($0) }
    }
}

/// A stateless function as a module (so Sequential can hold tanh, relu, gelu).
public final class Activation: Module {
    let f: (Tensor) -> Tensor
    /// Wraps `f` (e.g. `{ $0.tanh() }`).
    public init(_ f: @escaping (Tensor) -> Tensor) { self.f = f }
    /// x -> f(x)
    public override func forward(_ x: Tensor) -> Tensor { f(x) }
}

/// GELU with the tanh approximation (GPT-2's, torch's `gelu(approximate="tanh")`):
/// 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
public func gelu(_ x: Tensor) -> Tensor {
    // one kernel where the backend has it (brrr's CPU backend); the composition below defines it
    if let y = fusedGeluTanh(x) { return y }
    // BEGIN SOLUTION lego.6: 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))
    let inner = (x + 0.044715 * x * x * x) * (2 / Float.pi).squareRoot()
    return 0.5 * x * (1 + inner.tanh())
    // END SOLUTION lego.6
}
