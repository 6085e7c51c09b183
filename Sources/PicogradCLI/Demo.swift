// The chapter 1 demo: a 2-16-16-1 MLP, written with nothing but dfdx tensors, learns to
// separate two interleaved half-moons. The loss falls as the printout goes.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import picograd

enum Demo {
    /// Two half-moons with noise: points [n, 2] and labels (+1 / -1) [n, 1].
    static func moons(_ n: Int, generator g: inout Generator) -> (Tensor, Tensor) {
        var xs: [Float] = [], ys: [Float] = []
        for i in 0..<n {
            let t = Float.pi * g.uniform()
            let upper = i % 2 == 0
            let (x, y) = upper ? (cosf(t), sinf(t)) : (1 - cosf(t), 0.5 - sinf(t))
            xs += [x + 0.1 * g.normal(), y + 0.1 * g.normal()]
            ys.append(upper ? 1 : -1)
        }
        return (Tensor(xs, shape: [n, 2]), Tensor(ys, shape: [n, 1]))
    }

    static func run(steps: Int = 200) {
        var g = Generator(seed: 1337)
        let (x, y) = moons(100, generator: &g)
        func param(_ shape: [Int], scale: Float) -> Tensor {
            let p = Tensor.randn(shape, generator: &g) * scale
            p.requiresGrad = true
            return p
        }
        let w1 = param([2, 16], scale: 0.7), b1 = param([16], scale: 0)
        let w2 = param([16, 16], scale: 0.25), b2 = param([16], scale: 0)
        let w3 = param([16, 1], scale: 0.25), b3 = param([1], scale: 0)
        let params = [w1, b1, w2, b2, w3, b3]
        print("dfdx demo: a 2-16-16-1 MLP learns two moons (100 points, SVM hinge loss, SGD)")
        for step in 0...steps {
            let h = (x.matmul(w1) + b1).relu()
            let scores = (h.matmul(w2) + b2).relu().matmul(w3) + b3
            let loss = (1 - y * scores).relu().mean() + 1e-4 * params.map { ($0 * $0).sum() }.reduce(Tensor(0), +)
            let accuracy = withNoGrad { ((y * scores).gt(0)).mean().item() }
            for p in params { p.grad = nil }
            loss.backward()
            let lr = Float(1.0 - 0.9 * Double(step) / Double(steps))
            withNoGrad {
                for p in params { p.assign(p - lr * p.grad!) }
            }
            if step % 20 == 0 {
                print("step \(step)  loss \(fixed(loss.item(), 4))  accuracy \(fixed(accuracy * 100, 1))%")
            }
        }
    }
}
