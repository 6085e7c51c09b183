// dfdx's own unit tests: hand-derived values (each derivation is in the test), views and
// strides, autodiff mechanics, and the messages of user errors.
import Testing
@testable import dfdx

/// Element-wise closeness with torch's default tolerances for fp32.
func close(_ a: [Float], _ b: [Float], rtol: Float = 1e-4, atol: Float = 1e-5) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= atol + rtol * abs($1) }
}

@Suite struct TensorBasics {
    @Test func viewsShareStorage() {
        let x = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        let t = x.transpose(0, 1)
        #expect(t.shape == [3, 2])
        #expect(t.strides == [1, 3])
        #expect(t.buffer === x.buffer)
        #expect(t.toArray() == [1, 4, 2, 5, 3, 6])
        let s = x.slice(dim: 1, start: 1, end: 3)
        #expect(s.offset == 1 && s.toArray() == [2, 3, 5, 6])
        let e = Tensor([1, 2], shape: [2, 1]).expand([2, 3])
        #expect(e.strides == [1, 0] && e.toArray() == [1, 1, 1, 2, 2, 2])
        #expect(x[1].toArray() == [4, 5, 6])
        #expect(x.reshape([3, -1]).shape == [3, 2])
    }

    @Test func broadcastingShapes() {
        #expect(broadcastShapes([2, 1, 3], [4, 1]) == [2, 4, 3])
        #expect(broadcastShapes([], [5]) == [5])
        #expect(broadcastShapes([2, 3], [3, 2]) == nil)
        let a = Tensor([1, 2, 3], shape: [3])
        let b = Tensor([10, 20], shape: [2, 1])
        #expect((a + b).toArray() == [11, 12, 13, 21, 22, 23])
        #expect((a * 2).toArray() == [2, 4, 6])
        #expect((1 - a).toArray() == [0, -1, -2])
    }

    @Test func reductionsAndMatmul() {
        let x = Tensor([1, 5, 3, 4, 2, 6], shape: [2, 3])
        #expect(x.sum().item() == 21)
        #expect(x.sum(dim: 0).toArray() == [5, 7, 9])
        #expect(x.max(dim: 1).toArray() == [5, 6])
        #expect(x.argmax(dim: 1) == [1, 2])
        #expect(x.mean(dim: 1, keepdim: true).shape == [2, 1])
        // [[1,5,3],[4,2,6]] @ [1,1,1] = [9, 12]
        #expect(x.matmul(Tensor([1, 1, 1], shape: [3])).toArray() == [9, 12])
        #expect(Tensor.eye(3).matmul(x.transpose(0, 1)).toArray() == x.transpose(0, 1).toArray())
    }

    @Test func gradientOfSharedSubexpression() {
        // y = x*x + x  ->  dy/dx = 2x + 1 = 7 at x = 3 (x is used twice and must accumulate)
        let x = Tensor(3, requiresGrad: true)
        let y = x * x + x
        y.backward()
        #expect(x.grad?.item() == 7)
        // calling backward again accumulates, like PyTorch: 7 + 7
        (x * x + x).backward()
        #expect(x.grad?.item() == 14)
    }

    @Test func gradientReducesOverBroadcastDims() {
        // z = sum(a + b) with a [2, 3], b [3]: dz/db_j = 2 (two rows), dz/da = 1
        let a = { let t = Tensor.ones([2, 3]); t.requiresGrad = true; return t }()
        let b = Tensor.zeros([3]); b.requiresGrad = true
        (a + b).sum().backward()
        #expect(b.grad?.toArray() == [2, 2, 2])
        #expect(a.grad?.toArray() == [1, 1, 1, 1, 1, 1])
    }

    @Test func graphIsFreedAfterUse() {
        // an op's node must not keep its own output alive (no reference cycle), or every
        // activation of a training run would leak
        weak var weakOut: Tensor?
        do {
            let x = Tensor([1, 2, 3], shape: [3]); x.requiresGrad = true
            let y = x.exp().sqrt().reciprocal()
            weakOut = y
            y.sum().backward()
        }
        #expect(weakOut == nil)
    }

    @Test func noGradAndDetach() {
        let x = Tensor(2, requiresGrad: true)
        let y = withNoGrad { x * x }
        #expect(!y.requiresGrad)
        #expect(!x.detach().requiresGrad)
    }

    @Test func functionTransforms() {
        // f(x) = sum(x^3): grad = 3x^2, second derivative of x^3 at 2 is 6x = 12
        let f: (Tensor) -> Tensor = { ($0 * $0 * $0).sum() }
        #expect(grad(f)(Tensor([1, 2], shape: [2])).toArray() == [3, 12])
        let d2 = grad { x in grad(f)(x).sum() }
        #expect(d2(Tensor([2], shape: [1])).toArray() == [12])
        // jvp of sin at 0 along v = 2: cos(0) * 2 = 2
        let (value, tangent) = jvp({ $0.sin() }, at: Tensor([0], shape: [1]), tangent: Tensor([2], shape: [1]))
        #expect(value.toArray() == [0] && close(tangent.toArray(), [2]))
    }

    @Test func scalarEngine() {
        // f = a*b + a with a = 2, b = -3: df/da = b + 1 = -2, df/db = a = 2
        let a = Value(2), b = Value(-3)
        let f = a * b + a
        f.backward()
        #expect(f.data == -4 && a.grad == -2 && b.grad == 2)
        // tanh'(0) = 1
        let z = Value(0)
        z.tanh().backward()
        #expect(z.grad == 1)
    }

    @Test func generatorIsReproducible() {
        var g1 = Generator(seed: 42), g2 = Generator(seed: 42)
        #expect(Tensor.randn([5], generator: &g1).toArray() == Tensor.randn([5], generator: &g2).toArray())
        var g = Generator(seed: 7)
        let u = Tensor.rand([1000], generator: &g).toArray()
        #expect(u.allSatisfy { $0 >= 0 && $0 < 1 })
        let n = Tensor.randn([20000], generator: &g)
        // mean ~ 0 and variance ~ 1 within sampling error (4 standard errors)
        #expect(abs(n.mean().item()) < 4 / 141)
        #expect(abs(n.variance(dim: 0).item() - 1) < 0.05)
    }

    @Test func crossEntropyHandDerived() {
        // uniform logits over 4 classes: loss = log 4; grad = (softmax - onehot)/N
        let logits = Tensor.zeros([2, 4]); logits.requiresGrad = true
        let loss = crossEntropy(logits, targets: [1, 3])
        #expect(close([loss.item()], [Float(1.3862944)]))
        loss.backward()
        #expect(close(logits.grad!.toArray(), [0.125, -0.375, 0.125, 0.125, 0.125, 0.125, 0.125, -0.375]))
    }
}

/// What an exit test's child wrote to stderr.
func stderrText(_ result: ExitTest.Result?) -> String {
    String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
}

@Suite struct UserErrors {
    @Test func matmulShapes() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]).matmul(Tensor.zeros([4, 5]))
        }
        #expect(stderrText(r).contains("matmul: shapes [2, 3] and [4, 5] are not aligned (3 != 4)"))
    }

    @Test func broadcastShapes() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]) + Tensor.zeros([4])
        }
        #expect(stderrText(r).contains("add: shapes [2, 3] and [4] cannot be broadcast together"))
    }

    @Test func badDim() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]).sum(dim: 2)
        }
        #expect(stderrText(r).contains("sum: dim 2 is out of range for a tensor of shape [2, 3]"))
    }

    @Test func backwardOnNonScalar() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            ({ let t = Tensor.ones([3]); t.requiresGrad = true; return t }() * 2).backward()
        }
        #expect(stderrText(r).contains("backward: output of shape [3] is not a scalar"))
    }

    @Test func wrongDataCount() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor([1, 2, 3], shape: [2, 2])
        }
        #expect(stderrText(r).contains("Tensor: 3 values do not fill shape [2, 2] (needs 4)"))
    }

    @Test func gatherOutOfBounds() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]).gather(dim: 1, index: [0, 5], indexShape: [2, 1])
        }
        #expect(stderrText(r).contains("gather: index 5 is out of bounds for dim 1 with size 3"))
    }

    @Test func reshapeCount() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]).reshape([4, 2])
        }
        #expect(stderrText(r).contains("reshape: shape [4, 2] is invalid for input of size 6 (shape [2, 3])"))
    }
}
