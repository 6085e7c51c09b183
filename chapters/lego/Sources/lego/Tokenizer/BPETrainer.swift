// Training a byte-level BPE: start from the 256 bytes, count adjacent pairs over the
// pre-tokenized corpus, merge the most frequent pair into a new token, repeat.
// Deterministic: words are kept in sorted order and ties go to the smallest (left, right) ids.

extension BPETokenizer {
    /// The most frequent adjacent pair over `words` (each with its count in the corpus);
    /// ties go to the smallest (left, right) ids. nil when no pair occurs `minCount` times.
    static func mostFrequentPair(_ words: [(ids: [Int], count: Int)], minCount: Int = 2) -> (Int, Int)? {
        // BEGIN SOLUTION lego.55: add each word's count to every adjacent pair in it; return the pair with the highest total (ties: smallest left id, then right id), or nil below minCount
        var counts: [UInt64: Int] = [:]
        for w in words where w.ids.count > 1 {
            for i in 0..<(w.ids.count - 1) { counts[UInt64(w.ids[i]) << 32 | UInt64(w.ids[i + 1]), default: 0] += w.count }
        }
        var best: (key: UInt64, count: Int)? = nil
        for (key, c) in counts where c >= minCount {
            if let b = best, c < b.count || (c == b.count && key > b.key) { continue }
            best = (key, c)
        }
        guard let b = best else { return nil }
        return (Int(b.key >> 32), Int(b.key & 0xFFFF_FFFF))
        // END SOLUTION lego.55
    }

    /// A tokenizer trained on `text`: 256 byte tokens, then merges until `vocabSize` tokens
    /// (or until no pair occurs twice). Pre-tokenized like SmolLM2 unless splitDigits is false.
    /// Cost: O(merges x corpus pieces).
    public static func train(text: String, vocabSize: Int, splitDigits: Bool = true) -> BPETokenizer {
        var tokens = byteToScalar.map { String(Character($0)) }
        var known: [String: Int] = [:]
        for (i, t) in tokens.enumerated() { known[t] = i }
        var merges: [(String, String)] = []
        // distinct pieces with their counts, sorted so the result never depends on hashing
        let scalars = Array(text.unicodeScalars)
        var counts: [[UInt8]: Int] = [:]
        for piece in preTokenize(scalars, splitDigits: splitDigits) {
            counts[Array(String(String.UnicodeScalarView(scalars[piece])).utf8), default: 0] += 1
        }
        var words = counts.map { (ids: $0.key.map(Int.init), count: $0.value) }
        words.sort { $0.ids.lexicographicallyPrecedes($1.ids) }
        while tokens.count < vocabSize, let (a, b) = mostFrequentPair(words) {
            // two different pairs can spell the same text ("ab"+"c", "a"+"bc"): one token for both
            let text = tokens[a] + tokens[b]
            let id = known[text] ?? tokens.count
            if id == tokens.count { tokens.append(text); known[text] = id }
            merges.append((tokens[a], tokens[b]))
            for w in words.indices where words[w].ids.count > 1 {
                var ids = words[w].ids, i = 0
                while i < ids.count - 1 {
                    if ids[i] == a && ids[i + 1] == b { ids[i] = id; ids.remove(at: i + 1) }
                    i += 1
                }
                words[w].ids = ids
            }
        }
        // the vocabulary and merges were built together, so they always fit
        return try! BPETokenizer(tokens: tokens, merges: merges, splitDigits: splitDigits)
    }
}
