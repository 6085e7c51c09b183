// "Learning PyTorch with Examples", PyTorch: Tensors and autograd: fit y = sin(x) on [-pi, pi]
// with a third-order polynomial by gradient descent, every gradient from autograd.
// Ported line by line; examples/README.md sets it beside the original.
//
//     swift run -c release PolynomialFit [--steps 2000]
import picograd

let steps = CommandLine.arguments.firstIndex(of: "--steps").map { Int(CommandLine.arguments[$0 + 1])! } ?? 2000

// Create Tensors to hold input and outputs.
let x = Tensor.linspace(-Float.pi, Float.pi, steps: 2000)
let y = x.sin()

// Create random Tensors for weights. For a third order polynomial, we need
// 4 weights: y = a + b x + c x^2 + d x^3
let a = Tensor.randn([], requiresGrad: true)
let b = Tensor.randn([], requiresGrad: true)
let c = Tensor.randn([], requiresGrad: true)
let d = Tensor.randn([], requiresGrad: true)

let learningRate = 1e-6
for t in 0..<steps {
    // Forward pass: compute predicted y using operations on Tensors.
    let yPred = a + b * x + c * x.pow(2) + d * x.pow(3)

    // Compute and print loss using operations on Tensors.
    let loss = (yPred - y).pow(2).sum()
    if t % 100 == 99 {
        print(t, loss.item())
    }

    // Use autograd to compute the backward pass.
    loss.backward()

    // Manually update weights using gradient descent.
    withNoGrad {
        a -= learningRate * a.grad!
        b -= learningRate * b.grad!
        c -= learningRate * c.grad!
        d -= learningRate * d.grad!

        // Manually zero the gradients after updating weights
        a.grad = nil
        b.grad = nil
        c.grad = nil
        d.grad = nil
    }
}

print("Result: y = \(a.item()) + \(b.item()) x + \(c.item()) x^2 + \(d.item()) x^3")
