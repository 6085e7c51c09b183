// `picograd bench [suite] [--json]`: what dfdx's eager path costs. scripts/bench runs the
// PyTorch twin of each case in the same run and prints ours / theirs.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import picograd

enum Bench {
    struct Result { let suite: String; let name: String; let value: Double; let unit: String }

    /// Median seconds per call of `body` over `reps` timed runs of `inner` calls each.
    static func time(reps: Int = 7, inner: Int, _ body: () -> Void) -> Double {
        body()   // warm up
        var samples: [Double] = []
        for _ in 0..<reps {
            let t0 = monotonicSeconds()
            for _ in 0..<inner { body() }
            samples.append((monotonicSeconds() - t0) / Double(inner))
        }
        return samples.sorted()[reps / 2]
    }

    static func ops(device: Device) -> [Result] {
        var results: [Result] = []
        let small = Tensor.ones([64], device: device), small2 = Tensor.ones([64], device: device)
        let t = time(inner: 2000) { _ = small + small2 }
        results.append(Result(suite: "ops", name: "add_64_us", value: t * 1e6, unit: "us/op"))
        let n = 16 << 20
        let big = Tensor.rand([n], device: device), big2 = Tensor.rand([n], device: device)
        let tAdd = time(reps: 9, inner: 2) { _ = big + big2 }
        results.append(Result(suite: "ops", name: "add_16M_gbs", value: Double(3 * 4 * n) / tAdd / 1e9, unit: "GB/s"))
        let tExp = time(reps: 9, inner: 2) { _ = big.exp() }
        results.append(Result(suite: "ops", name: "exp_16M_gbs", value: Double(2 * 4 * n) / tExp / 1e9, unit: "GB/s"))
        let tSum = time(reps: 9, inner: 2) { _ = big.sum() }
        results.append(Result(suite: "ops", name: "sum_16M_gbs", value: Double(4 * n) / tSum / 1e9, unit: "GB/s"))
        let matrix = Tensor.rand([4096, 4096], device: device)
        let tRow = time(reps: 9, inner: 2) { _ = matrix.sum(dim: 1) }
        results.append(Result(suite: "ops", name: "sum_rows_16M_gbs", value: Double(4 * n) / tRow / 1e9, unit: "GB/s"))
        return results
    }

    /// SGEMM GFLOP/s at n = 256 ... 2048 through the `.cpu` backend's matmul (the tensor
    /// path), or, with `step`, one rung of the lecture's ladder on raw buffers.
    static func gemm(device: Device, step: Int?, sizes: [Int]) -> [Result] {
        if device.kind == .cuda { return cudaGEMM(device: device, step: step, sizes: sizes) }
        var results: [Result] = []
        for n in sizes {
            let flops = 2.0 * Double(n) * Double(n) * Double(n)
            let inner = Swift.max(1, Int(2e9 / flops))
            if let step {
                let a = Tensor.rand([n, n], device: .reference).toArray(), b = Tensor.rand([n, n], device: .reference).toArray()
                var c = [Float](repeating: 0, count: n * n)
                let isa = CPUISA.selected
                let t = a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
                    time(reps: step <= 2 && n >= 1024 ? 1 : 5, inner: step <= 3 ? 1 : inner) {
                        GEMMLadder.run(step: step, isa: isa, threads: cpuThreads, m: n, n: n, k: n,
                                       a: ap.baseAddress!, b: bp.baseAddress!, c: cp.baseAddress!)
                    }
                } } }
                results.append(Result(suite: "gemm", name: "gemm_\(n)_gflops", value: flops / t / 1e9, unit: "GFLOP/s"))
            } else {
                let a = Tensor.rand([n, n], device: device), b = Tensor.rand([n, n], device: device)
                let t = time(reps: 7, inner: inner) { _ = a.matmul(b) }
                results.append(Result(suite: "gemm", name: "gemm_\(n)_gflops", value: flops / t / 1e9, unit: "GFLOP/s"))
            }
        }
        return results
    }

    /// TFLOP/s of n x n x n matmuls on a GPU: the backend's choice (the autotuned fastest fp32
    /// rung, or with --tf32 the TF32 one), or with `step` one rung of the GPU ladder
    /// (CUDAGEMMLadder). GPU time: the best of 3 runs of `inner` products, each run ended by
    /// a synchronize, after one product that warms up (and autotunes).
    static func cudaGEMM(device: Device, step: Int?, sizes: [Int]) -> [Result] {
        var results: [Result] = []
        let backend = Backends.backend(for: device)
        for n in sizes {
            let flops = 2.0 * Double(n) * Double(n) * Double(n)
            let a = Tensor.rand([n, n], device: device), b = Tensor.rand([n, n], device: device)
            let t = CUDAGEMMLadder.withStep(step) { () -> Double in
                _ = a.matmul(b)
                backend.synchronize()
                let probe = monotonicSeconds()
                _ = a.matmul(b)
                backend.synchronize()
                let inner = Swift.max(1, Swift.min(50, Int(0.2 / Swift.max(monotonicSeconds() - probe, 1e-6))))
                var best = Double.infinity
                for _ in 0..<3 {
                    let t0 = monotonicSeconds()
                    for _ in 0..<inner { _ = a.matmul(b) }
                    backend.synchronize()
                    best = Swift.min(best, (monotonicSeconds() - t0) / Double(inner))
                }
                return best
            }
            results.append(Result(suite: "gemm", name: "gemm_\(n)_tflops", value: flops / t / 1e12, unit: "TFLOP/s"))
        }
        for (shape, kernel) in CUDAGEMMLadder.tunedKernels { print("autotuned: \(shape) -> \(kernel)") }
        return results
    }

    /// One training step (forward, backward, optimizer) of the two benchmark models, on random
    /// ids: Bengio's names MLP at batch 32 with SGD, and the benchmark GPT (nanoGPT's
    /// shakespeare-char sizes, tied head) at batch `gptBatch` with AdamW (BENCHMARKS.md).
    static func train(device: Device, gptBatch: Int, gptReps: Int) -> [Result] {
        var results: [Result] = []
        withDefaultDevice(device) {
            var g = Generator(seed: 1)
            let mlp = MLPLanguageModel(vocabSize: 27, context: 3, embedDim: 10, hiddenDim: 200)
            let sgd = SGD(mlp.parameters(), lr: 0.1)
            let ids = (0..<(32 * 3)).map { _ in Int(g.next() % 27) }, targets = (0..<32).map { _ in Int(g.next() % 27) }
            let tMLP = time(reps: 7, inner: 50) {
                sgd.zeroGrad()
                let loss = crossEntropy(mlp(ids, shape: [32, 3]), targets: targets)
                loss.backward()
                sgd.step()
            }
            results.append(Result(suite: "train", name: "mlp_step_ms", value: tMLP * 1e3, unit: "ms"))
            let config = GPTConfig(dim: 384, nLayers: 6, nHeads: 6, vocabSize: 65, blockSize: 256, tiedHead: true)
            let gpt = GPT(config: config)
            let adam = AdamW(gpt.parameters(), lr: 3e-4)
            let t = 256
            let x = (0..<(gptBatch * t)).map { _ in Int(g.next() % 65) }, y = (0..<(gptBatch * t)).map { _ in Int(g.next() % 65) }
            func eagerStep() {
                adam.zeroGrad()
                let logits = gpt(x, shape: [gptBatch, t])
                let loss = crossEntropy(logits.reshape([gptBatch * t, 65]), targets: y)
                loss.backward()
                adam.step()
                Backends.backend(for: device).synchronize()   // a GPU's step ends when its queue is done
            }
            // the same step compiled (pt2: forward, backward and AdamW update as generated C;
            // the first call, untimed, traces and compiles): torch.compile's twin has this name.
            // The two alternate, eager then compiled, `gptReps` times: a shared host's speed
            // drifts over seconds, and each pair sees the same drift.
            let compiled = CompiledTraining(model: gpt, optimizer: adam, clip: nil)
            eagerStep()
            _ = compiled.step(x: x, y: y, shape: [gptBatch, t])
            var eager: [Double] = [], fused: [Double] = []
            for _ in 0..<gptReps {
                var t0 = monotonicSeconds()
                eagerStep()
                eager.append(monotonicSeconds() - t0)
                t0 = monotonicSeconds()
                _ = compiled.step(x: x, y: y, shape: [gptBatch, t])
                fused.append(monotonicSeconds() - t0)
            }
            let tGPT = eager.sorted()[gptReps / 2], tCompiled = fused.sorted()[gptReps / 2]
            results.append(Result(suite: "train", name: "gpt_step_b\(gptBatch)_ms", value: tGPT * 1e3, unit: "ms"))
            results.append(Result(suite: "train", name: "gpt_step_b\(gptBatch)_compiled_ms", value: tCompiled * 1e3, unit: "ms"))
            let pairs = zip(eager, fused).map { $0 / $1 }.sorted()
            results.append(Result(suite: "train", name: "gpt_step_b\(gptBatch)_compiled_speedup", value: pairs[gptReps / 2], unit: "x (median of the pairs)"))
        }
        return results
    }

    /// pt2's CUDA code generator on a GPU (scripts/gpu's `pt2` part): compiled functions against
    /// eager on the same device (CUDACompileCheck), one line each, then where a compiled GPT
    /// step spends its time; exits 1 when a check fails.
    static func pt2(device: Device) -> [Result] {
        guard device.kind == .cuda else { userError("bench", "pt2 checks the CUDA code generator: it needs --device cuda") }
        let checks = CUDACompileCheck.run(device: device)
        for c in checks { print("\(c.passed ? "pass" : "FAIL")  \(c.name): \(c.detail)") }
        print("pt2 on \(device): \(checks.filter(\.passed).count)/\(checks.count) checks pass")
        for line in CUDACompileCheck.profileStep(device: device) { print(line) }
        if checks.contains(where: { !$0.passed }) { exit(1) }
        return []
    }

    /// Decode's matrix-vector product with a Q4_1 weight (SmolLM2's MLP and head shapes):
    /// GB/s of weight read, on the float path and with 8-bit activations.
    static func linear(device: Device) -> [Result] {
        var results: [Result] = []
        var g = Generator(seed: 5)
        for (n, k) in [(1536, 576), (49152, 576)] {
            var bytes = [UInt8](repeating: 0, count: DType.q4_1.byteCount(of: n * k))
            for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: g.next()) }
            for b in 0..<(n * k / 32) { bytes[b * 20 + 1] = 0x2c; bytes[b * 20 + 3] = 0x2c }
            let w = bytes.withUnsafeBytes { Tensor(bytes: $0, dtype: .q4_1, shape: [n, k], device: device) }
            let x = Tensor.randn([1, k], generator: &g, device: device)
            let cpu = Backends.backend(for: device) as? CPUBackend
            for int8 in cpu == nil ? [false] : [false, true] {
                cpu?.int8Activations = int8
                let t = time(reps: 7, inner: Swift.max(1, 20_000_000 / (n * k))) { _ = picograd.linear(x, w) }
                results.append(Result(suite: "linear", name: "q4_1_\(n)x\(k)\(int8 ? "_int8" : "")_gbs", value: Double(bytes.count) / t / 1e9, unit: "GB/s"))
            }
            cpu?.int8Activations = false
        }
        return results
    }

    /// The pipeline bubble measured on thread ranks (chapter 5): each stage's share of a
    /// training step spent waiting in recv, beside the schedule's count (p-1)/(m+p-1).
    static func pipeline(json: Bool) -> [Result] {
        func percent(_ x: Double) -> String { fixed(x * 100, 1) + "%" }
        var results: [Result] = []
        for p in [2, 4] {
            for m in [1, 2, 4, 8] {
                for schedule in PipelineSchedule.allCases {
                    let bubble: PipelineBubble
                    do { bubble = try measurePipelineBubble(schedule: schedule, stages: p, microBatches: m) }
                    catch { userError("bench", "pipeline \(schedule.rawValue) p=\(p) m=\(m): \(error)") }
                    let name = "\(schedule.rawValue)_p\(p)_m\(m)"
                    if !json {
                        let stages = bubble.idle.map { percent($0) }.joined(separator: " / ")
                        print("pipeline  \(name)  idle per stage \(stages)  mean \(percent(bubble.measured)), counted \(percent(bubble.counted)), step \(Int(bubble.stepSeconds * 1e3)) ms")
                    }
                    results.append(Result(suite: "pipeline", name: "\(name)_idle_pct", value: bubble.measured * 100, unit: "%"))
                    results.append(Result(suite: "pipeline", name: "\(name)_counted_pct", value: bubble.counted * 100, unit: "%"))
                }
            }
        }
        return results
    }

    static func run(_ args: [String]) {
        var json = false, device = Device.cpu, suites: [String] = [], step: Int? = nil, sizes = [256, 512, 1024, 2048], reps = 3
        var a = ArgumentList("bench", args)
        while let arg = a.next() {
            switch arg {
            case "--json": json = true
            case "--device": device = parseDevice("bench", a.value(arg))
            case "--step":
                let text = a.value(arg)
                guard let n = Int(text), (1...CUDAGEMMLadder.steps.count).contains(n) else {
                    userError("bench", "--step takes 1-\(GEMMLadder.steps.count) (\(GEMMLadder.steps.joined(separator: ", "))), or on a GPU 1-\(CUDAGEMMLadder.steps.count) (\(CUDAGEMMLadder.steps.joined(separator: ", "))), not '\(text)'")
                }
                step = n
            case "--tf32": setMatmulPrecision(.tf32)
            case "--reps":
                let text = a.value(arg)
                guard let n = Int(text), (1...99).contains(n) else { userError("bench", "--reps takes 1-99 (the GPT steps timed in train), not '\(text)'") }
                reps = n
            case "--sizes":
                let text = a.value(arg)
                let parsed = text.split(separator: ",").compactMap { Int($0) }
                guard !parsed.isEmpty, parsed.count == text.split(separator: ",").count, parsed.allSatisfy({ $0 > 0 && $0 <= 8192 }) else {
                    userError("bench", "--sizes takes sizes 1-8192 separated by commas, not '\(text)'")
                }
                sizes = parsed
            case "ops", "gemm", "train", "linear", "cuda", "pt2", "pipeline": suites.append(arg)
            default: userError("bench", arg.hasPrefix("--") ? "unknown option \(arg) (usage: picograd bench [ops|gemm|train|linear|cuda|pt2|pipeline] [--step N] [--tf32] [--sizes 256,512] [--reps N] [--json] [--device D])"
                                                           : "unknown suite '\(arg)' (have: ops, gemm, train, linear, cuda, pt2, pipeline)")
            }
        }
        if let step, device.kind != .cuda, step > GEMMLadder.steps.count {
            userError("bench", "--step \(step) is a GPU rung; on \(device) --step takes 1-\(GEMMLadder.steps.count) (\(GEMMLadder.steps.joined(separator: ", ")))")
        }
        var results: [Result] = []
        for suite in suites.isEmpty ? ["ops"] : suites {
            switch suite {
            case "gemm": results += gemm(device: device, step: step, sizes: sizes)
            case "train": results += train(device: device, gptBatch: device.kind == .cuda ? 64 : 8, gptReps: reps)   // BENCHMARKS.md: batch 64 on a GPU
            case "linear": results += linear(device: device)
            case "cuda": results += cuda(device: device)
            case "pt2": results += pt2(device: device)
            case "pipeline": results += pipeline(json: json)
            default: results += ops(device: device)
            }
        }
        if json {
            let rows = results.map { "{\"suite\":\"\($0.suite)\",\"name\":\"\($0.name)\",\"value\":\($0.value),\"unit\":\"\($0.unit)\"}" }
            print("[" + rows.joined(separator: ",") + "]")
        } else {
            print("picograd bench on \(device) (\(Backends.backend(for: device).name) backend)")
            for r in results { print("\(r.suite)  \(r.name)  \(fixed(r.value, 3)) \(r.unit)") }
        }
    }
}
