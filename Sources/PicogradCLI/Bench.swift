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
        let tAdd = time(reps: 3, inner: 2) { _ = big + big2 }
        results.append(Result(suite: "ops", name: "add_16M_gbs", value: Double(3 * 4 * n) / tAdd / 1e9, unit: "GB/s"))
        let tExp = time(reps: 3, inner: 2) { _ = big.exp() }
        results.append(Result(suite: "ops", name: "exp_16M_gbs", value: Double(2 * 4 * n) / tExp / 1e9, unit: "GB/s"))
        let tSum = time(reps: 3, inner: 2) { _ = big.sum() }
        results.append(Result(suite: "ops", name: "sum_16M_gbs", value: Double(4 * n) / tSum / 1e9, unit: "GB/s"))
        let matrix = Tensor.rand([4096, 4096], device: device)
        let tRow = time(reps: 3, inner: 2) { _ = matrix.sum(dim: 1) }
        results.append(Result(suite: "ops", name: "sum_rows_16M_gbs", value: Double(4 * n) / tRow / 1e9, unit: "GB/s"))
        return results
    }

    static func run(_ args: [String]) {
        var json = false, device = Device.cpu, suites: [String] = []
        var a = ArgumentList("bench", args)
        while let arg = a.next() {
            switch arg {
            case "--json": json = true
            case "--device": device = parseDevice("bench", a.value(arg))
            case "ops", "cuda": suites.append(arg)
            default: userError("bench", arg.hasPrefix("--") ? "unknown option \(arg) (usage: picograd bench [ops] [--json] [--device D])"
                                                           : "unknown suite '\(arg)' (have: ops, cuda)")
            }
        }
        var results: [Result] = []
        for s in suites.isEmpty ? ["ops"] : suites { results += s == "cuda" ? cuda(device: device) : ops(device: device) }
        if json {
            let rows = results.map { "{\"suite\":\"\($0.suite)\",\"name\":\"\($0.name)\",\"value\":\($0.value),\"unit\":\"\($0.unit)\"}" }
            print("[" + rows.joined(separator: ",") + "]")
        } else {
            print("picograd bench on \(device) (\(Backends.backend(for: device).name) backend)")
            for r in results { print("\(r.suite)  \(r.name)  \(fixed(r.value, 3)) \(r.unit)") }
        }
    }
}
