// Tokenizer, samplers, data-set lookup, optimizers' small contracts, and user errors.
import Testing
import lego

@Suite struct DataTests {
    @Test func charTokenizerRoundTrip() {
        let t = CharTokenizer(text: "hello world\n")
        #expect(t.vocabSize == 9 && t.chars.first == "\n")
        #expect(t.decode(t.encode("low hell")) == "low hell")
    }

    @Test func samplerResumesFromDraws() {
        var a = BatchSampler(tokens: Array(0..<100), blockSize: 4, batchSize: 3, seed: 9)
        _ = a.next()
        var b = BatchSampler(tokens: Array(0..<100), blockSize: 4, batchSize: 3, seed: 9, draws: a.draws)
        let (x, y) = a.next()
        let (bx, by) = b.next()
        #expect(bx == x && by == y)
        #expect(zip(x, y).allSatisfy { $0 + 1 == $1 })
    }

    @Test func nGramExamplesPadWithBoundary() {
        let (x, y) = nGramExamples(words: [[5, 6]], context: 3)
        #expect(x == [0, 0, 0, 0, 0, 5, 0, 5, 6] && y == [5, 6, 0])
    }

    @Test func missingDataSetNamesTheFetchCommand() {
        do {
            _ = try loadDataset("no-such-file.txt")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("no-such-file.txt") && "\(error)".contains("scripts/fetch-data"))
        }
    }

    @Test func zeroGradAndClipping() {
        let p = Tensor([3, 4], shape: [2], requiresGrad: true)
        (p * p).sum().backward()   // grad [6, 8], norm 10
        let norm = clipGradNorm([p], maxNorm: 5)
        #expect(norm == 10 && p.grad!.toArray().map { ($0 * 1000).rounded() } == [3000, 4000])
        let sgd = SGD([p], lr: 0.1)
        sgd.zeroGrad()
        #expect(p.grad == nil)
        sgd.step()   // no gradient: no change
        #expect(p.toArray() == [3, 4])
    }

    @Test func cosineScheduleShape() {
        #expect(cosineLR(step: 0, maxLR: 1, minLR: 0.1, warmup: 10, total: 100) == 0.1)
        #expect(cosineLR(step: 9, maxLR: 1, minLR: 0.1, warmup: 10, total: 100) == 1)
        #expect(Swift.abs(cosineLR(step: 100, maxLR: 1, minLR: 0.1, warmup: 10, total: 100) - 0.1) < 1e-6)
        #expect(cosineLR(step: 500, maxLR: 1, minLR: 0.1, warmup: 10, total: 100) == 0.1)
    }
}

func stderrText(_ result: ExitTest.Result?) -> String {
    String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
}

@Suite struct UserErrors {
    @Test func linearInputShape() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Linear(3, 2)(Tensor.zeros([4, 5]))
        }
        #expect(stderrText(r).contains("Linear: input of shape [4, 5] does not end in 3 features"))
    }

    @Test func embeddingIdOutOfRange() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Embedding(4, 2)([1, 9], shape: [2])
        }
        #expect(stderrText(r).contains("embedding: id 9 is out of range for a table of shape [4, 2]"))
    }

    @Test func gptSequenceTooLong() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = GPT(config: GPTConfig(dim: 8, nLayers: 1, nHeads: 2, vocabSize: 5, blockSize: 4))([1, 2, 3, 4, 0])
        }
        #expect(stderrText(r).contains("GPT: sequence length 5 exceeds blockSize 4"))
    }

    @Test func unknownCharacter() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = CharTokenizer(text: "abc").encode("abz")
        }
        #expect(stderrText(r).contains("CharTokenizer: character \"z\" is not in the vocabulary"))
    }

    @Test func headsMustDivide() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = CausalSelfAttention(dim: 10, nHeads: 3)
        }
        #expect(stderrText(r).contains("CausalSelfAttention: dim 10 is not divisible by nHeads 3"))
    }
}
