import Testing
import brrr
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The fused kernels against their compositions (run on the reference backend): values,
/// gradients of every input, and that the fused kernel really ran (one custom primitive).
@Suite("brrr fused kernels")
struct FusedTests {
    func close(_ a: [Float], _ b: [Float], _ what: String, rtol: Float = 1e-4, atol: Float = 1e-5) {
        let bad = zip(a, b).enumerated().first { abs($1.0 - $1.1) > atol + rtol * abs($1.1) || $1.0.isNaN != $1.1.isNaN }
        #expect(a.count == b.count && bad == nil, "\(what): element \(bad?.offset ?? -1): \(bad?.element.0 ?? 0) vs \(bad?.element.1 ?? 0)")
    }

    /// Runs f on .cpu and on .reference with the same inputs and output gradient; compares the
    /// outputs and every input's gradient; returns what the profiler saw on .cpu.
    func compare(_ name: String, _ shapes: [[Int]], _ f: ([Tensor]) -> Tensor) -> [String: Int] {
        var g = Generator(seed: 3)
        let values = shapes.map { Tensor.randn($0, generator: &g, device: .reference).toArray() }
        let gradient = Tensor.randn(shapes[0], generator: &g, device: .reference).toArray()
        func run(_ device: Device) -> (out: [Float], grads: [[Float]]) {
            let inputs = zip(values, shapes).map { Tensor($0, shape: $1, requiresGrad: true, device: device) }
            let y = f(inputs)
            y.backward(Tensor(gradient, shape: shapes[0], device: device))
            return (y.toArray(), inputs.map { $0.grad!.toArray() })
        }
        let profiler = Profiler()
        let fast = Dispatch.withHandler(profiler) { run(.cpu) }
        let slow = run(.reference)
        close(fast.out, slow.out, "\(name) forward")
        for (i, (a, b)) in zip(fast.grads, slow.grads).enumerated() { close(a, b, "\(name) gradient of input \(i)", rtol: 1e-3, atol: 1e-4) }
        return profiler.counts
    }

    @Test func softmaxOverTheLastDim() {
        let seen = compare("softmax", [[4, 3, 37]]) { softmax($0[0] * 3, dim: -1) }
        #expect(seen["fused_softmax"] == 1, "softmax did not run the fused kernel: \(seen)")
    }

    @Test func rmsNorm() {
        let seen = compare("RMSNorm", [[2, 5, 48], [48]]) { x in RMSNorm(weight: x[1], eps: 1e-5)(x[0]) }
        #expect(seen["fused_rms_norm"] == 1, "RMSNorm did not run the fused kernel: \(seen)")
    }

    @Test("a view that is not contiguous runs the composition")
    func stridedFallsBackToTheComposition() {
        let seen = compare("softmax of a transposed view", [[6, 9]]) { softmax($0[0].transpose(0, 1), dim: -1).transpose(0, 1) }
        #expect(seen["fused_softmax"] == nil, "\(seen)")
    }

    @Test("gradient of the gradient through the fused softmax")
    func secondOrder() {
        var g = Generator(seed: 9)
        let v = Tensor.randn([3, 7], generator: &g, device: .reference).toArray()
        func hvp(_ device: Device) -> [Float] {
            let x = Tensor(v, shape: [3, 7], requiresGrad: true, device: device)
            let f: (Tensor) -> Tensor = { (softmax($0, dim: -1) * Tensor.arange(7, device: device)).sum() }
            let dx = grad(f)(x)
            return grad({ (dfdxAt: Tensor) in (grad(f)(dfdxAt) * dfdxAt).sum() })(x).toArray() + dx.toArray()
        }
        close(hvp(.cpu), hvp(.reference), "second order", rtol: 1e-3, atol: 1e-4)
    }
}

@Suite("fusion off")
struct FusionOffTests {
    @Test("withoutFusion runs the composition (a tracer sees primitives only)")
    func withoutFusion() {
        let x = Tensor.randn([4, 9], device: .cpu)
        let profiler = Profiler()
        Dispatch.withHandler(profiler) { Fusion.withoutFusion { _ = softmax(x, dim: -1) } }
        #expect(profiler.counts["fused_softmax"] == nil && profiler.counts["exp"] == 1, "\(profiler.counts)")
    }
}

@Suite("brrr fused kernels, GPT's")
struct FusedGPTTests {
    @Test func layerNorm() {
        let seen = FusedTests().compare("LayerNorm", [[3, 4, 40], [40], [40]]) { x in
            // the fused kernel on .cpu; on .reference (no kernel) the composition lego's LayerNorm has
            if let y = fusedLayerNorm(x[0], weight: x[1], bias: x[2], eps: 1e-5) { return y }
            let c = x[0] - x[0].mean(dim: -1, keepdim: true)
            return c / ((c * c).mean(dim: -1, keepdim: true) + 1e-5).sqrt() * x[1] + x[2]
        }
        #expect(seen["fused_layer_norm"] == 1, "\(seen)")
    }

    @Test func geluTanh() {
        let seen = FusedTests().compare("GELU (tanh)", [[5, 7000]]) { gelu($0[0] * 2) }
        #expect(seen["fused_gelu_tanh"] == 1, "\(seen)")
    }
}

@Suite("brrr fused rotary")
struct FusedRotaryTests {
    @Test("RoPE on a transposed view of heads, gradients of x, cos and sin")
    func rotary() {
        let seen = FusedTests().compare("RoPE", [[2, 5, 3, 8], [5, 8], [5, 8]]) { x in
            applyRotary(x[0].transpose(1, 2), cos: x[1], sin: x[2]).transpose(1, 2)
        }
        #expect(seen["fused_rotary"] == 1, "\(seen)")
    }
}

@Suite("brrr fused attention")
struct FusedAttentionTests {
    @Test("attention over a sliced cache with a mask: values and the gradients of q, k, v and the mask")
    func attention() {
        var g = Generator(seed: 13)
        let maskValues = (0..<(6 * 9)).map { i -> Float in i % 9 > i / 9 + 3 ? -.infinity : Float(g.next() % 7) / 7 }
        let seen = FusedTests().compare("attention", [[2, 3, 6, 8], [2, 3, 12, 8], [2, 3, 12, 8], [6, 9]]) { x in
            let keys = x[1].slice(dim: 2, start: 0, end: 9), values = x[2].slice(dim: 2, start: 0, end: 9)
            let mask = x[3] + Tensor(maskValues, shape: [6, 9], device: x[3].device)
            if let y = fusedAttention(x[0], keys, values, mask: mask, scale: 0.35) { return y }
            return softmax(x[0].matmul(keys.transpose(-2, -1)) * 0.35 + mask, dim: -1).matmul(values)
        }
        #expect(seen["fused_attention"] == 1, "\(seen)")
    }
}

@Suite("brrr fused attention, broadcast mask")
struct FusedAttentionBroadcastMaskTests {
    @Test("a mask row broadcast over the query rows (a decode step's grouped heads)")
    func broadcastMask() {
        let row = (0..<9).map { Float($0 % 4) / 3 - ($0 > 6 ? Float.infinity : 0) }
        let seen = FusedTests().compare("attention, broadcast mask", [[1, 2, 5, 8], [1, 2, 9, 8], [1, 2, 9, 8]]) { x in
            let mask = Tensor(row, shape: [1, 9], device: x[0].device).expand([5, 9])
            if let y = fusedAttention(x[0], x[1], x[2], mask: mask, scale: 0.3) { return y }
            return softmax(x[0].matmul(x[1].transpose(-2, -1)) * 0.3 + mask, dim: -1).matmul(x[2])
        }
        #expect(seen["fused_attention"] == 1, "\(seen)")
    }
}

/// The fused row kernels of every instruction set this CPU runs (CPUBackend(isa:), called
/// directly), against the formulas evaluated in Double here: rows with vector tails, rows of
/// -inf, both branches of the vector tanh, strided (non-contiguous) attention operands.
@Suite("brrr fused kernels on every instruction set")
struct FusedISATests {
    static let isas = CPUISA.supported

    func run(_ isa: CPUISA, _ kernel: FusedKernel, _ inputs: [StridedView], count: Int) -> [Float] {
        let out = referenceBackend.allocate(byteCount: Swift.max(count, 1) * 4)
        CPUBackend(isa: isa).fused(kernel, inputs, out: out)
        return floatsOf(out, count)
    }

    func expectClose(_ got: [Float], _ want: [Double], _ what: String, rtol: Double = 1e-5, atol: Double = 1e-6) {
        let bad = zip(got, want).enumerated().first { _, p in
            p.1.isNaN ? !p.0.isNaN : !(abs(Double(p.0) - p.1) <= atol + rtol * abs(p.1))
        }
        #expect(got.count == want.count && bad == nil, "\(what): element \(bad?.offset ?? -1): \(bad?.element.0 ?? 0) vs \(bad?.element.1 ?? 0)")
    }

    @Test("softmax rows", arguments: isas)
    func softmaxRows(_ isa: CPUISA) {
        var g = Values(seed: 21)
        for cols in [1, 7, 16, 37, 64, 100] {
            let rows = 4
            var x = (0..<(rows * cols)).map { _ in g.next(-20, 20) }
            for c in 0..<cols { x[2 * cols + c] = -.infinity }   // row 2: all -inf -> NaN
            if cols > 1 { x[3 * cols] = -.infinity }               // row 3: one -inf -> a 0
            var want: [Double] = []
            for r in 0..<rows {
                let row = x[(r * cols)..<((r + 1) * cols)].map(Double.init)
                let m = row.max()!
                let e = row.map { m == -.infinity ? Double.nan : exp($0 - m) }
                let s = e.reduce(0, +)
                want += e.map { $0 / s }
            }
            expectClose(run(isa, .softmax, [makeView([rows, cols]) { 0 }.filled(x)], count: rows * cols), want, "softmax \(rows)x\(cols) on \(isa)")
        }
    }

    @Test("layer norm rows", arguments: isas)
    func layerNormRows(_ isa: CPUISA) {
        var g = Values(seed: 22)
        for cols in [1, 7, 16, 37, 64, 384] {
            let rows = 3
            let x = (0..<(rows * cols)).map { _ in g.next(-4, 6) }
            let w = (0..<cols).map { _ in g.next() }, b = (0..<cols).map { _ in g.next() }
            var want: [Double] = []
            for r in 0..<rows {
                let row = x[(r * cols)..<((r + 1) * cols)].map(Double.init)
                let mean = row.reduce(0, +) / Double(cols)
                let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(cols)
                let inv = 1 / (variance + 1e-5).squareRoot()
                want += row.indices.map { i in (row[i] - mean) * inv * Double(w[i - row.startIndex]) + Double(b[i - row.startIndex]) }
            }
            let views = [makeView([rows, cols]) { 0 }.filled(x), makeView([cols]) { 0 }.filled(w), makeView([cols]) { 0 }.filled(b)]
            expectClose(run(isa, .layerNorm(eps: 1e-5), views, count: rows * cols), want, "layer norm \(rows)x\(cols) on \(isa)", rtol: 1e-5, atol: 1e-5)
        }
    }

    @Test("GELU (tanh) on both branches of the vector tanh", arguments: isas)
    func geluTanh(_ isa: CPUISA) {
        var g = Values(seed: 23)
        // |c (x + 0.044715 x^3)| < 0.625 below |x| of about 0.75 (the polynomial), above it 1 - 2/(e^2u + 1)
        var x: [Float] = [0, -0, 1e-6, -1e-6, 0.1, 0.7, 0.75, 0.8, -0.78, 3, 5.5, 6, -6, 12, -12, 40, -40, .nan]
        x += (0..<(4096 + 4096 + 13)).map { _ in g.next(-8, 8) }
        let want = x.map { v -> Double in
            let d = Double(v), u = 0.7978845608028654 * (d + 0.044715 * d * d * d)
            return 0.5 * d * (1 + tanh(u))
        }
        expectClose(run(isa, .geluTanh, [makeView([x.count]) { 0 }.filled(x)], count: x.count), want, "GELU (tanh) on \(isa)",
                    rtol: 1e-5, atol: 1e-6)
    }

    @Test("attention, contiguous and strided head dims", arguments: isas)
    func attention(_ isa: CPUISA) {
        var g = Values(seed: 24)
        let (b, h, r, s, d) = (2, 3, 5, 11, 24)
        let q = (0..<(b * h * r * d)).map { _ in g.next() }
        let k = (0..<(b * h * s * d)).map { _ in g.next() }, v = (0..<(b * h * s * d)).map { _ in g.next() }
        let mask = (0..<(r * s)).map { i -> Float in i % s > i / s + 6 ? -.infinity : g.next(-1, 0) }
        var want: [Double] = []
        for bh in 0..<(b * h) {
            for i in 0..<r {
                var scores: [Double] = []
                for t in 0..<s {
                    var dot = 0.0
                    for e in 0..<d { dot += Double(q[(bh * r + i) * d + e]) * Double(k[(bh * s + t) * d + e]) }
                    scores.append(dot * 0.3 + Double(mask[i * s + t]))
                }
                let m = scores.max()!
                scores = scores.map { exp($0 - m) }
                let z = scores.reduce(0, +)
                for e in 0..<d {
                    var acc = 0.0
                    for t in 0..<s { acc += scores[t] / z * Double(v[(bh * s + t) * d + e]) }
                    want.append(acc)
                }
            }
        }
        let maskView = makeView([r, s]) { 0 }.filled(mask)
        // contiguous operands
        let contiguous = [makeView([b, h, r, d]) { 0 }.filled(q), makeView([b, h, s, d]) { 0 }.filled(k),
                          makeView([b, h, s, d]) { 0 }.filled(v), maskView]
        expectClose(run(isa, .attention(scale: 0.3), contiguous, count: b * h * r * d), want, "attention on \(isa)", rtol: 1e-4, atol: 1e-5)
        // k and v stored [b, h, d, s] and read transposed: head dims with stride s (the strided loops)
        func transposed(_ x: [Float]) -> StridedView {
            var t = [Float](repeating: 0, count: x.count)
            for bh in 0..<(b * h) { for j in 0..<s { for e in 0..<d { t[(bh * d + e) * s + j] = x[(bh * s + j) * d + e] } } }
            let view = makeView([b, h, d, s]) { 0 }.filled(t)
            return StridedView(buffer: view.buffer, dtype: .float32, shape: [b, h, s, d], strides: [h * d * s, d * s, 1, s], offset: 0)
        }
        let strided = [contiguous[0], transposed(k), transposed(v), maskView]
        expectClose(run(isa, .attention(scale: 0.3), strided, count: b * h * r * d), want, "attention, strided k and v, on \(isa)", rtol: 1e-4, atol: 1e-5)
    }
}

extension StridedView {
    /// This (contiguous) view with its buffer holding `values`.
    func filled(_ values: [Float]) -> StridedView {
        let p = (buffer as! HostBuffer).pointer.assumingMemoryBound(to: Float.self)
        for (i, x) in values.enumerated() { p[offset + i] = x }
        return self
    }
}
