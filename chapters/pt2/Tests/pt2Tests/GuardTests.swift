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

    @Test func randomNumbersAreFreshAtEveryCallAndMatchEager() {
        let dropout = Dropout(0.5)
        let f = pt2.compile { (x: Tensor) in dropout(x) + Tensor.randn([4, 16]) * 0.1 + Tensor.randint(0, 5, [16]).to(.float32) }
        let x = Tensor.ones([4, 16])
        // the task's own default generator: other tests draw from the process-wide one
        let compiled = withDefaultGenerator(Generator(seed: 7)) { withNoGrad { (f(x).toArray(), f(x).toArray(), Tensor.rand([3]).toArray()) } }
        let eager = withDefaultGenerator(Generator(seed: 7)) {
            withNoGrad { (Fusion.withoutFusion { dropout(x) + Tensor.randn([4, 16]) * 0.1 + Tensor.randint(0, 5, [16]).to(.float32) }.toArray(),
                          (dropout(x) + Tensor.randn([4, 16]) * 0.1 + Tensor.randint(0, 5, [16]).to(.float32)).toArray(),
                          Tensor.rand([3]).toArray()) }
        }
        #expect(compiled.0 != compiled.1, "two calls draw two dropout masks")
        CompileTests.close(compiled.0, eager.0, "first call against eager with the same seed")
        CompileTests.close(compiled.1, eager.1, "second call against eager with the same seed")
        #expect(compiled.2 == eager.2, "the generator is where eager leaves it after the calls")
        let program = CompiledFunction { [dropout($0[0])] }.program(for: [x])
        #expect(program.optimized.nodes.contains { if case .random(0, .uniform) = $0.op { true } else { false } }, "\(program.optimized)")
        #expect(!program.optimized.nodes.contains { if case .primitive(.data) = $0.op { true } else { false } }, "no mask frozen as a constant")
    }

    @Test func multinomialDrawsInEagerOrder() {
        // two draws without replacement: two uniform inputs, drawn in the order eager draws them
        let f = pt2.compile { (p: Tensor) in p.multinomial(2).to(.float32) }
        let p = Tensor([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], shape: [2, 4])
        let compiled = withDefaultGenerator(Generator(seed: 3)) { withNoGrad { (0..<4).map { _ in f(p).toArray() } } }
        let eager = withDefaultGenerator(Generator(seed: 3)) { withNoGrad { (0..<4).map { _ in p.multinomial(2).to(.float32).toArray() } } }
        #expect(compiled == eager, "compiled \(compiled), eager \(eager)")
        #expect(Set(compiled).count > 1, "four calls, four fresh draws: \(compiled)")
    }

    @Test func indexCopyWritesBack() {
        // a KV cache's write: rows 1 and 3 of the captured cache replaced, then read
        let cache = Tensor.zeros([4, 3])
        let f = pt2.compile { (rows: Tensor) in
            cache.indexCopy(dim: 0, index: Tensor(int32: [1, 3], shape: [2]), source: rows)
            return (cache * 2).sum(dim: 1)
        }
        let y = withNoGrad { f(Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])) }
        #expect(y.toArray() == [0, 12, 0, 30])
        #expect(cache.toArray() == [0, 0, 0, 1, 2, 3, 0, 0, 0, 4, 5, 6], "the write lands in the captured tensor")
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
