// The PyTorch idioms of issue 26 that need no reference values: in-place arithmetic and its
// refusal, scalar operands of any type, freed graphs, random ids, shape lookups, and the
// messages of the mistakes a PyTorch user makes. (Values against PyTorch: IdiomsGrading.)
import Testing
import dfdx

@Suite struct IdiomTests {
    @Test func inPlaceArithmeticWritesThroughEveryReference() {
        let w = Tensor([1, 2, 3], shape: [3], requiresGrad: true)
        let alias = w   // the same tensor, as a module and its optimizer hold it
        let before = w.version.value
        withNoGrad {
            w -= 0.5 * Tensor([2, 2, 2], shape: [3])   // 1 - 1, 2 - 1, 3 - 1
            w += 1                                        // an Int
            w *= 2.0                                      // a Double
            w /= Tensor([4], shape: [1])                  // broadcast
        }
        #expect(alias.toArray() == [0.5, 1, 1.5])        // ((x - 1) + 1) * 2 / 4 = x / 2
        #expect(w.version.value == before + 4)
    }

    @Test func inPlaceOnALeafThatRequiresGradStops() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let a = Tensor([1, 2], shape: [2], requiresGrad: true)
            a -= Tensor([1, 1], shape: [2])
        }
        #expect(stderrText(r).contains("-=: a leaf Variable that requires grad is being used in an in-place operation (shapes [2] and [2]); write the update inside withNoGrad { }"))
    }

    @Test func scalarOperandsOfAnyTypeGiveTheSameTensor() {
        let x = Tensor([-1.5, 0, 2, 7], shape: [4])
        let f: Float = 3, d: Double = 3, i: Int = 3, u: UInt8 = 3, i32: Int32 = 3
        for (name, results) in [
            ("+", [x + 3, x + f, x + d, x + i, x + u, x + i32, 3 + x, f + x, d + x, i + x]),
            ("-", [x - 3, x - f, x - d, x - i, x - u, x - i32]),
            ("*", [x * 3, x * f, x * d, x * i, x * u, 3 * x, d * x, i * x]),
            ("/", [x / 3, x / f, x / d, x / i, x / u, x / i32]),
            ("r/", [3 / x, f / x, d / x, i / x]),
        ] {
            let expected = results[1].toArray()   // the Float path
            for (k, r) in results.enumerated() { #expect(r.toArray() == expected, "\(name) operand \(k)") }
        }
        // by hand: x * 3 = [-4.5, 0, 6, 21]
        #expect((x * 3).toArray() == [-4.5, 0, 6, 21])
        // int32 ids stay int32 with an integer scalar of any type
        let ids = Tensor(int32: [1, 2], shape: [2])
        #expect((ids + 1).dtype == .int32 && (ids + i).toInt32Array() == [4, 5] && (ids + 1).toInt32Array() == [2, 3])
    }

    @Test func backwardTwiceThroughAFreedGraphStopsNamingTheTensor() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let x = Tensor([1, 2], shape: [2], requiresGrad: true)
            let loss = (x * x).sum()
            loss.backward()
            loss.backward()
        }
        let text = stderrText(r)
        #expect(text.contains("backward: trying to backward through the graph a second time (from the tensor of shape [] made by reshape, backward called at dfdxTests/IdiomTests.swift:"))   // the caller's file (an exit test reports its own line)
        #expect(text.contains("): its graph reaches mul"))
        #expect(text.contains("whose saved tensors an earlier backward freed; call backward(retainGraph: true)"))
    }

    @Test func retainGraphKeepsItAndGradientsAdd() {
        let x = Tensor([1, 2], shape: [2], requiresGrad: true)
        let loss = (x * x).sum()   // d/dx = 2x
        loss.backward(retainGraph: true)
        loss.backward()
        #expect(x.grad!.toArray() == [4, 8])   // 2x twice
        // a graph that saved nothing (a sum of a sum) can go through again, as in torch
        let y = Tensor([1, 2], shape: [2], requiresGrad: true)
        let s = (y + 1).sum()
        s.backward()
        s.backward()
        #expect(y.grad!.toArray() == [2, 2])
    }

    @Test func randintAndGeneratorAsSwiftRandom() {
        var g = Generator(seed: 1)
        let ids = Tensor.randint(3, 7, [2000], generator: &g)
        let v = ids.toInt32Array()
        #expect(ids.dtype == .int32 && ids.shape == [2000])
        #expect(Set(v) == [3, 4, 5, 6])   // every value of 3..<7 drawn, nothing else (2000 draws)
        manualSeed(4)
        let a = Tensor.randint(10, [5]).toInt32Array()
        manualSeed(4)
        #expect(Tensor.randint(0, 10, [5]).toInt32Array() == a)
        // a Generator is a RandomNumberGenerator: the same seed shuffles the same way
        var g1 = Generator(seed: 9), g2 = Generator(seed: 9)
        let s1 = Array(0..<20).shuffled(using: &g1), s2 = Array(0..<20).shuffled(using: &g2)
        #expect(s1 == s2 && s1.sorted() == Array(0..<20) && s1 != Array(0..<20))
        #expect((0..<100).allSatisfy { _ in (0..<5).contains(Int.random(in: 0..<5, using: &g1)) })
    }

    @Test func multinomialFrequenciesFollowTheWeights() {
        var g = Generator(seed: 3)
        let n = 20000
        let draws = Tensor([1, 0, 3], shape: [3]).multinomial(n, replacement: true, generator: &g).toInt32Array()
        // p = [1/4, 0, 3/4]: the count of 0 is binomial(n, 1/4), std sqrt(n * 3/16) = 61; allow 5 std
        let zeros = draws.filter { $0 == 0 }.count
        #expect(!draws.contains(1) && Swift.abs(zeros - n / 4) < 5 * 61)
        // without replacement every category comes once
        let all = Tensor([0.1, 0.2, 0.3, 0.4], shape: [1, 4]).multinomial(4, generator: &g)
        #expect(all.shape == [1, 4] && all.toInt32Array().sorted() == [0, 1, 2, 3])
    }

    @Test func sizeSplitAndTransposes() {
        let x = Tensor.arange(24).reshape([2, 3, 4])
        #expect(x.size(-1) == 4 && x.size(0) == 2 && x.size(-3) == 2)
        #expect(x.split(3, dim: -1).map(\.shape) == [[2, 3, 3], [2, 3, 1]])
        #expect(x.mT.shape == [2, 4, 3] && x.T.shape == [4, 3, 2])
        // by hand: x.T[i, j, k] = x[k, j, i]; x[1, 2, 3] = 12 + 8 + 3
        #expect(x.T[3][2][1].item() == 23)
    }

    @Test func sizeOutOfRangeNamesTheCaller() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]).size(-3)
        }
        #expect(stderrText(r).contains("size: dim -3 is out of range for a tensor of shape [2, 3] (expected -2 ..< 2)"))
    }

    @Test func indexTensorOutOfRangeStops() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([3, 2])[Tensor(int32: [0, 3], shape: [2])].toArray()
        }
        #expect(stderrText(r).contains("3"))
    }

    @Test func crossEntropyWithIdTensorsChecksShapes() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = crossEntropy(Tensor.zeros([4, 5]), targets: Tensor(int32: [1, 2], shape: [2]))
        }
        #expect(stderrText(r).contains("crossEntropy: targets of shape [2] for logits of shape [4, 5] (expected [4])"))
    }

    @Test func aMistakeNamesTheCallersFileAndLine() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]).matmul(Tensor.zeros([4, 5]))
        }
        // the first line is the caller's (this file), then the op and the shapes
        #expect(stderrText(r).contains("dfdxTests/IdiomTests.swift:"))
        #expect(stderrText(r).contains("Fatal error: matmul: shapes [2, 3] and [4, 5] are not aligned (3 != 4)"))
        let view = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]).view([5])
        }
        #expect(stderrText(view).contains("dfdxTests/IdiomTests.swift:"))
        #expect(stderrText(view).contains("Fatal error: view: shape [5] is invalid for input of size 6 (shape [2, 3])"))
    }
}
