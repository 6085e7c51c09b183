import Testing
import pt2

/// Compiled against eager on `.cpu` at sizes where kernels dominate: the values must agree;
/// with PT2_BENCH=1 the times are printed too (median of 9 calls after a warm-up), e.g.
///   PT2_BENCH=1 swift test --skip-build --filter pt2Tests.SpeedTests
@Suite("pt2 speed")
struct SpeedTests {
    static func median(_ f: () -> Void) -> Double {
        f()
        var times: [Double] = []
        for _ in 0..<9 { let t = monotonicSeconds(); f(); times.append(monotonicSeconds() - t) }
        return times.sorted()[4]
    }

    static func measure(_ name: String, _ shapes: [[Int]], _ f: @escaping ([Tensor]) -> [Tensor]) {
        var g = Generator(seed: 9)
        let inputs = shapes.map { Tensor.randn($0, generator: &g) }
        let compiled = pt2.compile(f)
        withNoGrad {
            CompileTests.close(compiled(inputs)[0].toArray(), f(inputs)[0].toArray(), name)
            guard environment("PT2_BENCH") == "1" else { return }
            let eager = median { _ = f(inputs)[0].toArray() }
            let composed = median { _ = Fusion.withoutFusion { f(inputs) }[0].toArray() }
            let fast = median { _ = compiled(inputs)[0].toArray() }
            print("pt2 bench \(name): eager \(Int(eager * 1e6)) us, eager without fused kernels \(Int(composed * 1e6)) us, compiled \(Int(fast * 1e6)) us")
        }
    }

    @Test func programs() {
        Self.measure("gelu(x) * y + x [512, 1024]", [[512, 1024], [512, 1024]]) { x in [gelu(x[0]) * x[1] + x[0]] }
        Self.measure("softmax [512, 1024]", [[512, 1024]]) { x in [softmax(x[0], dim: -1)] }
        let norm = LayerNorm(1024)
        Self.measure("LayerNorm [512, 1024]", [[512, 1024]]) { x in [norm(x[0])] }
        let first = Linear(512, 2048), second = Linear(2048, 512)
        Self.measure("MLP 512-2048-512, gelu [256, 512]", [[256, 512]]) { x in [second(gelu(first(x[0])))] }
    }
}
