import Testing
import pt2

/// Guards, parameters read at every call, writes back, the C compiler's discovery.
@Suite("pt2 guards and semantics")
struct GuardTests {
    @Test func newShapeRetracesSameShapeReuses() {
        let f = CompiledFunction { x in [x[0].exp().sum(dim: -1)] }
        withNoGrad {
            _ = f([Tensor.ones([2, 3])])
            _ = f([Tensor.zeros([2, 3])])
            #expect(f.traceCount == 1, "the same shape reuses the program")
            let y = f([Tensor.ones([4, 5])])
            #expect(f.traceCount == 2, "a new shape traces again")
            CompileTests.close(y[0].toArray(), [Float](repeating: 5 * 2.7182817, count: 4), "retraced values")
            _ = f([Tensor.ones([2, 3], dtype: .int32).to(.float32)])
            #expect(f.traceCount == 2)
            _ = f([Tensor.ones([2, 3], device: .reference)])
            #expect(f.traceCount == 3, "another device is another guard")
        }
    }

    @Test func parametersAreReadAtEveryCall() {
        let w = Tensor([1, 2, 3], shape: [3])
        let f = pt2.compile { (x: Tensor) in x * w }
        withNoGrad {
            #expect(f(Tensor.ones([3])).toArray() == [1, 2, 3])
            w.assign(Tensor([10, 20, 30], shape: [3]))
            #expect(f(Tensor.ones([3])).toArray() == [10, 20, 30], "a captured tensor is an input, not a constant")
        }
    }

    @Test func assignWritesBack() {
        let w = Tensor([1, 2], shape: [2])
        let step = pt2.compile { (g: Tensor) in
            w.assign(w - g * 0.5)       // an optimizer step
            return w * 2
        }
        let y = withNoGrad { step(Tensor([2, 4], shape: [2])) }
        #expect(w.toArray() == [0, 0], "the write lands in the captured tensor")
        #expect(y.toArray() == [0, 0], "reads after the write see it")
        _ = withNoGrad { step(Tensor([2, 4], shape: [2])) }
        #expect(w.toArray() == [-1, -2])
    }

    @Test func eagerInputsAndOutputsOfOtherOps() {
        // an int32 gather index and an embedding run eagerly between kernels
        let table = Tensor((0..<12).map(Float.init), shape: [4, 3])
        let f = pt2.compile { (ids: Tensor) in table.embedding(ids).exp().sum(dim: -1) }
        let ids = Tensor(int32: [3, 0, 2], shape: [3])
        let expected = withNoGrad { table.embedding(ids).exp().sum(dim: -1) }.toArray()
        CompileTests.close(withNoGrad { f(ids) }.toArray(), expected, "embedding then a kernel")
    }

    @Test func findsTheCompiler() {
        #expect(CCompiler.find(cc: "/nonexistent/cc", path: "/usr/bin:/bin") == nil, "$CC that is not there: none")
        #expect(CCompiler.find(cc: nil, path: "/nonexistent") == nil, "nothing on the PATH: none")
        #expect(CCompiler.find(cc: nil, path: environment("PATH")) != nil, "this machine has cc or clang")
        #expect(CCompiler.hash("a") != CCompiler.hash("b") && CCompiler.hash("a").count == 16)
    }
}

/// Loading generated code must not change the process's floating point (GCC's -ffast-math
/// objects turn on flush-to-zero when loaded, for every thread that computes afterwards).
@Suite("pt2 loading")
struct LoadingTests {
    @Test func subnormalsSurviveLoading() {
        let f = pt2.compile { (x: Tensor) in x.exp() * 3 }
        _ = withNoGrad { f(Tensor.randn([4, 9])) }
        let tiny = Tensor([Float.leastNormalMagnitude], shape: [1])
        #expect(withNoGrad { f(tiny) }.toArray()[0] == 3, "exp(tiny) * 3 is 3")
        let half = (tiny * 0.5).toArray()[0]       // subnormal, computed by brrr on this thread
        #expect(half > 0 && half < Float.leastNormalMagnitude, "a subnormal was flushed to zero: \(half)")
    }
}
