import Testing
import brrr

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
