import Testing
import pt2
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a failed exit test wrote to stderr.
func stderrOf(_ result: ExitTest.Result?) -> String {
    String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
}

/// The paths that stop or fall back, each in its own process (the environment is read once
/// per process: $CC, PICOGRAD_STRICT).
@Suite struct FallbackAndMisuse {
    @Test func noCompilerIsAnErrorInStrictMode() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            setenv("CC", "/nonexistent/cc", 1)
            setenv("PICOGRAD_STRICT", "1", 1)
            let f = pt2.compile { (x: Tensor) in x.exp() }
            _ = withNoGrad { f(Tensor.ones([2])) }
        }
        #expect(stderrOf(r).contains("strict mode: silent fallback: compile: running eagerly: no C compiler"))
    }

    @Test func noCompilerWarnsOnceAndRunsEagerly() async {
        let r = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) {
            setenv("CC", "/nonexistent/cc", 1)
            setenv("PICOGRAD_STRICT", "0", 1)
            let f = pt2.compile { (x: Tensor) in x * 2 }
            let a = withNoGrad { f(Tensor([1, 2], shape: [2])) }, b = withNoGrad { f(Tensor([3, 4], shape: [2])) }
            if a.toArray() != [2, 4] || b.toArray() != [6, 8] { exit(3) }
        }
        let text = stderrOf(r)
        let warnings = text.split(separator: "\n").filter { $0.hasPrefix("pt2: warning: running eagerly: no C compiler") }
        #expect(warnings.count == 1, "one warning for two calls: \(text)")
    }

    @Test func hostReadInStrictModeIsAnErrorNamingTheOp() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            setenv("PICOGRAD_STRICT", "1", 1)
            let f = pt2.compile { (x: Tensor) in x * x.sum().item() }
            _ = withNoGrad { f(Tensor.ones([3])) }
        }
        #expect(stderrOf(r).contains("strict mode: silent fallback: compile: running eagerly: graph break: item() reads the values of a f32[] tensor on the host"),
                "\(stderrOf(r))")
    }

    @Test func hostReadIsAGraphBreakThatRunsEagerly() async {
        let r = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) {
            setenv("PICOGRAD_STRICT", "0", 1)
            // item() and control flow on a value, toArray() of a slice
            let f = pt2.compile { (x: Tensor) in x.sum().item() > 0 ? x.exp() : x * Float(x.toArray()[0]) }
            let a = withNoGrad { f(Tensor([1, 2], shape: [2])) }.toArray(), b = withNoGrad { f(Tensor([-1, -2], shape: [2])) }.toArray()
            if a != withNoGrad({ Tensor([1, 2], shape: [2]).exp() }).toArray() || b != [1, 2] { exit(3) }
        }
        let text = stderrOf(r)
        let warnings = text.split(separator: "\n").filter { $0.hasPrefix("pt2: warning: running eagerly: graph break: item() reads") }
        #expect(warnings.count == 1 && text.split(separator: "\n").count == 1, "one warning line for two calls: \(text)")
    }

    @Test func aGraphBreakWithGradientsStopsInStrictMode() async {
        // with gradients wanted the joint trace breaks as the forward trace does: strict mode
        // stops rather than run the function (and its backward) eagerly
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            setenv("PICOGRAD_STRICT", "1", 1)
            let f = pt2.compile { (x: Tensor) in x.exp() * x.sum().item() }
            _ = f(Tensor([1, 1], shape: [2], requiresGrad: true))
        }
        #expect(stderrOf(r).contains("strict mode: silent fallback: compile: running eagerly: graph break: item() reads"))
    }
}
