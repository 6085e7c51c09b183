import Testing
import pt2
#if canImport(Glibc)
import Glibc
#endif

/// PICOGRAD_BEAM's pieces: the moves, every choice computing what eager computes, and the
/// on-disk cache giving the same choice again without a search. (Which choice is fastest is
/// a measurement, never asserted.)
@Suite("pt2 beam search")
struct BeamTests {
    /// A softmax (reductions fused), a row sum (a reduction kernel) and an elementwise chain
    /// big enough to be split across threads, as one program.
    static let f: @Sendable ([Tensor]) -> [Tensor] = { x in
        [softmax(x[0], dim: -1), x[1].sum(dim: -1, keepdim: true), (x[1].exp() * 0.5 + x[1]).sin()]
    }
    static let shapes = [[64, 100], [300, 256]]

    @Test func movesFromTheStandardChoice() {
        // by hand: unroll 1 has only a next value (2), width 0 only a next (4), split flips
        #expect(beamMoves(.standard) == [KernelChoice(unroll: 2, vectorWidth: 0, split: true),
                                          KernelChoice(unroll: 1, vectorWidth: 4, split: true),
                                          KernelChoice(unroll: 1, vectorWidth: 0, split: false)])
        // unroll 4 moves to 2 or 8; its width stays 0 (a width with an unroll is not valid)
        #expect(beamMoves(KernelChoice(unroll: 4, vectorWidth: 0, split: false)) == [KernelChoice(unroll: 2, vectorWidth: 0, split: false),
                                                                                  KernelChoice(unroll: 8, vectorWidth: 0, split: false),
                                                                                  KernelChoice(unroll: 4, vectorWidth: 0, split: true)])
        #expect(KernelChoice.all.count == 14)
    }

    @Test func everyChoiceComputesTheSame() {
        var g = Generator(seed: 5)
        let args = Self.shapes.map { Tensor.randn($0, generator: &g) }
        let want = withNoGrad { Self.f(args) }.map { $0.toArray() }
        let program = CompiledFunction(Self.f).program(for: args)
        #expect(program.kernels.count == 3, "\(program.source)")
        for choice in KernelChoice.all {
            let p = program.with(choice: choice)
            if choice.unroll > 1 { #expect(p.source.contains("#pragma GCC unroll \(choice.unroll)")) }
            if choice.vectorWidth > 0 { #expect(p.source.contains("#pragma omp simd simdlen(\(choice.vectorWidth))")) }
            let got = withNoGrad { p(args) }
            for (k, (a, b)) in zip(got, want).enumerated() { CompileTests.close(a.toArray(), b, "\(choice), output \(k)") }
        }
    }

    @Test func theCachedChoiceIsFoundAgain() {
        let args = Self.shapes.map { Tensor.zeros($0) }
        let program = CompiledFunction(Self.f).program(for: args)
        let k = program.kernels[2].node           // the elementwise chain
        let path = program.choiceCachePath(kernel: k)
        unlink(path)
        let first = program.searchChoice(kernel: k, width: 2)
        #expect(first.timed > 1, "a search times the standard choice and its moves")
        // the same kernel traced again (another function object): the same cache file, the
        // same choice, nothing timed
        let again = CompiledFunction(Self.f).program(for: args)
        #expect(again.choiceCachePath(kernel: k) == path)
        let second = again.searchChoice(kernel: k, width: 2)
        #expect(second.choice == first.choice && second.timed == 0, "\(first) then \(second)")
        #expect(KernelChoice(parsing: first.choice.description) == first.choice)
    }
}

extension BeamTests {
    @Test func picogradBeamSearchesAndComputesTheSame() async {
        // PICOGRAD_BEAM is read once per process: a child process with it set
        await #expect(processExitsWith: .success) {
            setenv("PICOGRAD_BEAM", "2", 1)
            var g = Generator(seed: 6)
            let args = BeamTests.shapes.map { Tensor.randn($0, generator: &g) }
            let want = withNoGrad { BeamTests.f(args) }.map { $0.toArray() }
            let got = withNoGrad { pt2.compile(BeamTests.f)(args) }.map { $0.toArray() }
            for (a, b) in zip(got, want) where zip(a, b).contains(where: { abs($0 - $1) > 1e-5 + 1e-4 * abs($1) }) { exit(3) }
            exit(0)
        }
    }
}
