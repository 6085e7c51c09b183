// Byte-level BPE: the byte table, the GPT-2 pre-tokenizer, a merge example small enough to
// check by hand, training, and (when it has been fetched) SmolLM2's own tokenizer vs HF ids.
import Testing
@testable import lego

/// The texts of the pieces `preTokenize` cuts `text` into.
func pieces(_ text: String, splitDigits: Bool = true) -> [String] {
    let s = Array(text.unicodeScalars)
    return preTokenize(s, splitDigits: splitDigits).map { String(String.UnicodeScalarView(s[$0])) }
}

@Suite struct BPETests {
    @Test func byteTable() {
        #expect(Set(byteToScalar).count == 256)
        #expect(byteToScalar[0x20] == "Ġ" && byteToScalar[0x0A] == "Ċ" && byteToScalar[0x41] == "A")
        #expect(scalarToByte["Ġ"] == 0x20)
    }

    @Test func gpt2PreTokenizer() {
        #expect(pieces("Hello world's  end", splitDigits: false) == ["Hello", " world", "'s", " ", " end"])
        #expect(pieces("x  \n\n  y ", splitDigits: false) == ["x", "  \n\n ", " y", " "])
        #expect(pieces("it'S don't!!", splitDigits: false) == ["it", "'", "S", " don", "'t", "!!"])
        #expect(pieces("a 2024 b", splitDigits: false) == ["a", " 2024", " b"])
        #expect(pieces("a 2024 b") == ["a", " ", "2", "0", "2", "4", " b"])
        #expect(pieces("  1") == ["  ", "1"])
        #expect(pieces("\t\tx") == ["\t", "\t", "x"])
        #expect(pieces("東京 ok 🍕🎉!") == ["東京", " ok", " 🍕🎉!"])
    }

    /// merges: 0 "a b", 1 "b c", 2 "ab c". "abc": (a,b) has rank 0 -> [ab, c] -> rank 2 -> [abc].
    /// "bbc": only (b,c) has a merge -> [b, bc]. "cab": -> [c, ab].
    @Test func mergeByHand() throws {
        let bytes = byteToScalar.map { String(Character($0)) }
        let t = try BPETokenizer(tokens: bytes + ["ab", "bc", "abc"], merges: [("a", "b"), ("b", "c"), ("ab", "c")])
        #expect(t.encode("abc") == [258])
        #expect(t.encode("bbc") == [98, 257])
        #expect(t.encode("cab") == [99, 256])
        #expect(t.encode("abc abc") == [258, 32, 258])   // " abc" is its own piece: Ġ a b c -> Ġ ab c -> Ġ abc
        #expect(t.decode(t.encode("abc abc é")) == "abc abc é")
        #expect(throws: BPEError.self) { try BPETokenizer(tokens: ["a", "b"], merges: [("a", "c")]) }
    }

    @Test func specialTokensAreNotSplit() throws {
        let bytes = byteToScalar.map { String(Character($0)) }
        let t = try BPETokenizer(tokens: bytes + ["<|end|>"], merges: [], specialTokens: ["<|end|>"])
        #expect(t.encode("a<|end|>b") == [97, 256, 98])
        #expect(t.encode("<|end") == Array("<|end".utf8).map(Int.init))
        #expect(t.decode([97, 256]) == "a<|end|>")
    }

    @Test func trainIsDeterministicAndRoundTrips() {
        let corpus = String(repeating: "the cat sat on the mat. the dog sat on the log. 123 + 456 = 579\n", count: 20)
            + "ünïcödé 東京 🍕"
        let a = BPETokenizer.train(text: corpus, vocabSize: 300)
        let b = BPETokenizer.train(text: corpus, vocabSize: 300)
        #expect(a.tokens == b.tokens && a.merges.count == b.merges.count)
        #expect(a.vocabSize > 256 && a.vocabSize <= 300)   // stops early once no pair occurs twice
        #expect(a.merges.first.map { $0.0 + $0.1 } == "at")   // cat sat mat sat: 80 times, more than " t" (60)
        for text in [corpus, "the unseen text, with ünïcödé and 🎉", ""] {
            #expect(a.decode(a.encode(text)) == text)
        }
        #expect(a.encode(corpus).count * 2 < Array(corpus.utf8).count)
        #expect(a.encode("the").count == 1)
    }

    @Test func mostFrequentPairTieBreak() {
        // (1,2) occurs 3 times, (2,3) 3 times, (3,1) once: the tie goes to the smaller left id
        #expect(BPETokenizer.mostFrequentPair([(ids: [1, 2, 3], count: 3), (ids: [3, 1], count: 1)]) ?? (0, 0) == (1, 2))
        #expect(BPETokenizer.mostFrequentPair([(ids: [1, 2], count: 1)]) == nil)
    }

    @Test func smolLM2MatchesHF() throws {
        guard let path = findModel() else { print("skipped: model not found (run scripts/fetch-model)"); return }
        let t = try BPETokenizer(gguf: loadGGUF(path))
        #expect(t.vocabSize == 49152 && t.splitDigits && t.specialTokens["<|im_end|>"] == 2)
        // ids from HF (scripts/reference/smollm2.py; all of bpe_smollm2.json is checked by the grading)
        #expect(t.encode("Hello world") == [19556, 905])
        #expect(t.encode("12345 abc") == [33, 34, 35, 36, 37, 43239])
        #expect(t.encode("  1") == [256, 33])
        #expect(t.encode("héllo 世界 🤗") == [88, 2756, 31394, 216, 7906, 240, 178, 239, 230, 15107, 114, 241])
        #expect(t.encode("<|im_start|>user\nhi<|im_end|>") == [1, 4093, 198, 6004, 2])
        let text = "def f(x):\n\treturn x**2  # 🍕\n"
        #expect(t.decode(t.encode(text)) == text)
    }
}
