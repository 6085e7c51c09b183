// The CUDA code generator checked on a GPU (`picograd bench pt2 --device cuda`, run by
// scripts/gpu's `pt2` part): compiled functions on a `.cuda(i)` device against the same
// functions run eagerly there (brrr's CUDA kernels op by op), with the tolerances
// (forward rtol 1e-4/atol 1e-5, gradients rtol 1e-3/atol 1e-4), and the kernels each compiled
// program became. Nothing here runs without a GPU.

/// One check's outcome: what was compared, whether it held, the numbers.
public struct CUDACheckResult: Sendable {
    public let name: String
    public let passed: Bool
    public let detail: String
}

public enum CUDACompileCheck {
    /// |got - want| <= atol + rtol |want| everywhere: nil, else the worst element's line.
    static func mismatch(_ got: Tensor, _ want: Tensor, rtol: Float, atol: Float) -> (worst: Float, failure: String?) {
        guard got.shape == want.shape else { return (.infinity, "shape \(got.shape), eager \(want.shape)") }
        let a = got.toArray(), b = want.toArray()
        var worst: Float = 0, failure: String? = nil
        for i in a.indices {
            let d = abs(a[i] - b[i])
            if d.isNaN && !(a[i].isNaN && b[i].isNaN) { return (.nan, "element \(i) is \(a[i]), eager \(b[i])") }
            if d > worst { worst = d }
            if failure == nil && d > atol + rtol * abs(b[i]) { failure = "element \(i) is \(a[i]), eager \(b[i])" }
        }
        return (worst, failure)
    }

    /// Runs every check on `device` (a CUDA device) and returns their results, in order.
    public static func run(device: Device) -> [CUDACheckResult] {
        var results: [CUDACheckResult] = []
        func compare(_ name: String, _ got: Tensor, _ want: Tensor, gradient: Bool = false, atol atolOverride: Float? = nil, note: String = "") {
            let (rtol, defaultAtol): (Float, Float) = gradient ? (1e-3, 1e-4) : (1e-4, 1e-5)
            let atol = atolOverride ?? defaultAtol
            let (worst, failure) = mismatch(got, want, rtol: rtol, atol: atol)
            let detail = "max |diff| \(worst) (rtol \(rtol), atol \(atol))" + (note.isEmpty ? "" : "; " + note) + (failure.map { "; " + $0 } ?? "")
            results.append(CUDACheckResult(name: name, passed: failure == nil, detail: detail))
        }
        withDefaultDevice(device) {
            var g = Generator(seed: 4)
            /// `f` compiled and eager on `args`, forward, then with gradients of a random
            /// weighting of the output to every argument and to `params`.
            func check(_ name: String, _ args: [Tensor], params: [Tensor], _ f: @escaping ([Tensor]) -> [Tensor]) {
                let compiled = CompiledFunction(f)
                let got = withNoGrad { compiled(args) }[0], want = withNoGrad { f(args) }[0]
                let plan = compiled.program(for: args).cudaKernels
                let fused = plan.filter { k in if case .rows = k.launch { true } else { false } }.count
                compare("\(name) forward", got, want, note: "\(plan.count) kernels (\(fused) of them rows with reductions)")
                let seed = Tensor.randn(want.shape, generator: &g)
                func gradients(_ run: ([Tensor]) -> [Tensor]) -> [Tensor] {
                    let leaves = args.map { a -> Tensor in let l = a.detach(); l.requiresGrad = a.dtype == .float32; return l }
                    for p in params { p.grad = nil }
                    (run(leaves)[0] * seed).sum().backward()
                    let grads = leaves.filter(\.requiresGrad).map { $0.grad! } + params.map { $0.grad! }
                    for p in params { p.grad = nil }
                    return grads
                }
                let eager = gradients(f), viaCompiled = gradients { compiled($0) }
                let joint = compiled.joint(for: args.map { a -> Tensor in let l = a.detach(); l.requiresGrad = a.dtype == .float32; return l })
                let kernels = (joint.forward?.cudaKernels.count ?? 0) + (joint.backward?.cudaKernels.count ?? 0)
                var worst: Float = 0, failures: [String] = []
                for (k, (a, b)) in zip(viaCompiled, eager).enumerated() {
                    let (w, failure) = mismatch(a, b, rtol: 1e-3, atol: 1e-4)
                    worst = max(worst, w)
                    if let failure { failures.append("gradient \(k) of shape \(a.shape): \(failure)") }
                }
                results.append(CUDACheckResult(name: "\(name) gradients", passed: failures.isEmpty && viaCompiled.count == eager.count,
                                               detail: "\(eager.count) gradients, max |diff| \(worst) (rtol 0.001, atol 0.0001); forward and backward \(kernels) kernels"
                                                   + (failures.isEmpty ? "" : "; " + failures.joined(separator: "; "))))
            }
            let x = Tensor.randn([512, 256], generator: &g)
            check("softmax [512, 256]", [x], params: []) { t in [softmax(t[0], dim: -1)] }
            let norm = LayerNorm(384), h = Tensor.randn([1024, 384], generator: &g)
            check("LayerNorm(384) [1024, 384]", [h], params: norm.parameters()) { t in [norm(t[0])] }
            let up = Linear(384, 1536), down = Linear(1536, 384)
            check("GELU MLP 384-1536-384 [1024, 384]", [h], params: up.parameters() + down.parameters()) { t in [down(gelu(up(t[0])))] }
            let chain = Tensor.randn([64, 256, 384], generator: &g), row = Tensor.randn([256, 384], generator: &g)
            check("elementwise chain [64, 256, 384]", [chain, row], params: []) { t in [((t[0] * 0.5).tanh() + (t[1] * 0.1).exp() * 0.25 + 1.5).sqrt()] }
            // the benchmark GPT (BENCHMARKS.md): forward at batch 8, then training steps at batch 16
            let config = GPTConfig(dim: 384, nLayers: 6, nHeads: 6, vocabSize: 65, blockSize: 256, tiedHead: true)
            let gpt = GPT(config: config)
            let (b, t) = (16, 256)
            let ids = (0..<(b * t)).map { _ in Int(g.next() % 65) }, targets = (0..<(b * t)).map { _ in Int(g.next() % 65) }
            let idTensor = Tensor(int32: Array(ids.prefix(8 * t)), shape: [8, t], device: device)
            let forward = CompiledFunction { u in [gpt.forward(u[0])] }
            let logits = withNoGrad { forward([idTensor]) }[0], eagerLogits = withNoGrad { gpt.forward(idTensor) }
            // The tolerance note: this GPT ties its head to the embedding (entries of order 1), so
            // its logits at init reach the hundreds, and every logit is a sum of terms that large.
            // Two valid summation orders (the fused kernels against eager's) move an element by a
            // few ulps of those terms whatever its own size, so a small logit made by cancellation
            // can miss atol 1e-5 (one did by 4e-6). The absolute tolerance is therefore 1e-5 plus
            // 4 ulps of the largest logit (1.2e-4 at |logit| 300); rtol stays 1e-4.
            let largest = withNoGrad { eagerLogits.abs().max() }.item()
            compare("GPT forward [8, 256] logits", logits, eagerLogits, atol: 1e-5 + 4 * largest.ulp,
                    note: "atol 1e-5 + 4 ulp of the largest logit \(largest); \(forward.program(for: [idTensor]).cudaKernels.count) kernels")
            // two copies of the same weights: one trained eagerly, one through CompiledTraining
            let twin = GPT(config: config)
            do { try twin.loadStateDict(gpt.stateDict().mapValues { $0.contiguous() + 0 }) } catch { fail("cuda check: \(error)") }
            let eagerAdam = AdamW(twin.parameters(), lr: 3e-4), compiledAdam = AdamW(gpt.parameters(), lr: 3e-4)
            let training = CompiledTraining(model: gpt, optimizer: compiledAdam, clip: nil)
            let idsT = Tensor(int32: ids, shape: [b, t], device: device), targetsT = Tensor(int32: targets, shape: [b * t], device: device)
            for step in 1...3 {
                eagerAdam.zeroGrad()
                let loss = languageModelLoss(twin.forward(idsT), targets: targetsT)
                loss.backward()
                let eagerGrads = twin.parameters().map { $0.grad ?? Tensor.zeros($0.shape) }
                eagerAdam.step()
                let compiledLoss = training.step(x: ids, y: targets, shape: [b, t])
                let want = loss.item()
                let d = abs(compiledLoss - want)
                // after the first update the weights differ by rounding: the later losses are
                // held to the gradients' tolerance
                let (rtol, atol): (Float, Float) = step == 1 ? (1e-4, 1e-5) : (1e-3, 1e-4)
                results.append(CUDACheckResult(name: "GPT training step \(step) [\(b), \(t)] loss", passed: d <= atol + rtol * abs(want),
                                               detail: "compiled \(compiledLoss), eager \(want), |diff| \(d) (rtol \(rtol), atol \(atol))"))
                if step == 1 {
                    var worst: Float = 0, failures: [String] = []
                    let names = gpt.namedParameters().map { $0.0 }
                    for (k, (p, e)) in zip(gpt.parameters(), eagerGrads).enumerated() {
                        guard let got = p.grad else { failures.append("\(names[k]): no gradient"); continue }
                        let (w, failure) = mismatch(got, e, rtol: 1e-3, atol: 1e-4)
                        worst = max(worst, w)
                        if let failure { failures.append("\(names[k]): \(failure)") }
                    }
                    results.append(CUDACheckResult(name: "GPT training step 1 gradients", passed: failures.isEmpty,
                                                   detail: "\(eagerGrads.count) parameters, max |diff| \(worst) (rtol 0.001, atol 0.0001)"
                                                       + (failures.isEmpty ? "" : "; " + failures.prefix(4).joined(separator: "; "))))
                }
            }
        }
        return results
    }

    /// Where one compiled training step of the benchmark GPT at batch `batch` spends its time:
    /// a step unprofiled, then one with every step of the compiled programs timed alone
    /// (`CUDAProfile`); the rest of the step's time is outside them (autograd's bookkeeping,
    /// the ids' upload, the optimizer's state handed back).
    public static func profileStep(device: Device, batch: Int = 64) -> [String] {
        withDefaultDevice(device) {
            var g = Generator(seed: 5)
            let config = GPTConfig(dim: 384, nLayers: 6, nHeads: 6, vocabSize: 65, blockSize: 256, tiedHead: true)
            let gpt = GPT(config: config)
            let training = CompiledTraining(model: gpt, optimizer: AdamW(gpt.parameters(), lr: 3e-4), clip: nil)
            let t = 256
            let x = (0..<(batch * t)).map { _ in Int(g.next() % 65) }, y = (0..<(batch * t)).map { _ in Int(g.next() % 65) }
            for _ in 0..<2 { _ = training.step(x: x, y: y, shape: [batch, t]) }     // trace, compile, tune the GEMMs
            let t0 = monotonicSeconds()
            _ = training.step(x: x, y: y, shape: [batch, t])
            let plain = monotonicSeconds() - t0
            let t1 = monotonicSeconds()
            let kinds = CUDAProfile.measure { _ = training.step(x: x, y: y, shape: [batch, t]) }
            let profiled = monotonicSeconds() - t1
            func ms(_ s: Double) -> String { let v = (s * 1e4).rounded() / 10; return "\(v) ms" }
            var lines = ["compiled GPT step at batch \(batch): \(ms(plain)); profiled (each step waited for): \(ms(profiled))"]
            for k in kinds { lines.append("  \(ms(k.seconds))  \(k.count) x \(k.kind)") }
            lines.append("  \(ms(profiled - kinds.reduce(0) { $0 + $1.seconds }))  outside the compiled programs")
            return lines
        }
    }
}
