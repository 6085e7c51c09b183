// The tokenizer stored in a GGUF file: tokenizer.ggml.tokens (id -> text), .merges
// ("Ġ t" strings, rank order), .token_type (3 = control: special tokens like <|im_end|>),
// .pre (the pre-tokenizer: "smollm" isolates digits, "gpt2" does not).

extension BPETokenizer {
    /// The byte-level BPE tokenizer of a GGUF file (tokenizer.ggml.model must be "gpt2").
    public init(gguf: GGUFFile) throws {
        let model = try gguf.string("tokenizer.ggml.model")
        guard model == "gpt2" else { throw BPEError("tokenizer.ggml.model is \(model); only byte-level BPE (gpt2) is supported") }
        let tokens = try gguf.strings("tokenizer.ggml.tokens")
        let merges = try gguf.strings("tokenizer.ggml.merges").enumerated().map { (i, m) -> (String, String) in
            guard let space = m.firstIndex(of: " ") else { throw BPEError("merge \(i) \"\(m)\" has no space") }
            return (String(m[..<space]), String(m[m.index(after: space)...]))
        }
        var specials: [String] = []
        if let types = gguf["tokenizer.ggml.token_type"]?.array {
            for (i, t) in types.enumerated() where t.int == 3 && i < tokens.count { specials.append(tokens[i]) }
        }
        let pre = gguf["tokenizer.ggml.pre"]?.string ?? "gpt2"
        // these pre-tokenizers run a \p{N} split before GPT-2's pattern
        let digitSplitting: Set<String> = ["smollm", "starcoder", "refact", "codeshell"]
        try self.init(tokens: tokens, merges: merges, specialTokens: specials, splitDigits: digitSplitting.contains(pre))
    }
}
