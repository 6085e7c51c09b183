// Pre-tokenization: cutting text into pieces before BPE merges inside each piece.
//
// GPT-2's byte-level BPE never merges across these cuts, so "dog." becomes "dog" + "."
// and " the" keeps its leading space (the "Ġthe" tokens). GPT-2 cuts with the regex
//
//     's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//
// tried left to right at each position: contractions, an optional space then a run of
// letters / of numbers / of other symbols, then whitespace (a run followed by more text
// gives its last space to the next piece). SmolLM2's tokenizer (GGUF `tokenizer.ggml.pre`
// = "smollm", HF tokenizer.json: Digits(individual_digits) then ByteLevel) first isolates
// every number character, so "2024" is four pieces and "  1" is "  " + "1".
// Written out by hand here (no regex engine): one pass, one character class per scalar.

/// The classes the GPT-2 pattern distinguishes.
enum ScalarClass { case letter, number, space, other }

/// \p{L}, \p{N}, \s (Unicode White_Space), or anything else.
func scalarClass(_ s: Unicode.Scalar) -> ScalarClass {
    if s.properties.isWhitespace { return .space }
    switch s.properties.generalCategory {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return .letter
    case .decimalNumber, .letterNumber, .otherNumber: return .number
    default: return .other
    }
}

/// The pieces of `text` (ranges into its scalars) that BPE encodes separately.
/// With `splitDigits` every number character is a piece of its own (SmolLM2, StarCoder).
func preTokenize(_ text: [Unicode.Scalar], splitDigits: Bool) -> [Range<Int>] {
    var pieces: [Range<Int>] = []
    var start = 0
    if splitDigits {
        for i in text.indices where scalarClass(text[i]) == .number {
            gpt2Split(text, start..<i, into: &pieces)
            pieces.append(i..<(i + 1))
            start = i + 1
        }
    }
    gpt2Split(text, start..<text.count, into: &pieces)
    return pieces
}

/// GPT-2's pattern over `s[range]`, appending each match.
func gpt2Split(_ s: [Unicode.Scalar], _ range: Range<Int>, into pieces: inout [Range<Int>]) {
    var i = range.lowerBound
    while i < range.upperBound {
        let next = pieceEnd(s, from: i, to: range.upperBound)
        pieces.append(i..<next)
        i = next
    }
}

/// Where the GPT-2 piece that starts at `i` ends (the regex's match at i, within ..<end).
func pieceEnd(_ s: [Unicode.Scalar], from i: Int, to end: Int) -> Int {
    // BEGIN SOLUTION lego.53: return where the GPT-2 piece starting at i ends: a contraction, ` ?` + a run of one class (letters, numbers, other), or whitespace (a run followed by text leaves its last space)
    if s[i] == "'" && i + 1 < end {
        let a = s[i + 1], b: Unicode.Scalar = i + 2 < end ? s[i + 2] : " "
        if a == "s" || a == "t" || a == "m" || a == "d" { return i + 2 }
        if (a == "r" && b == "e") || (a == "v" && b == "e") || (a == "l" && b == "l") { return i + 3 }
    }
    // an optional " " joins a following run of letters, numbers or symbols
    let first = s[i] == " " && i + 1 < end && scalarClass(s[i + 1]) != .space ? i + 1 : i
    let kind = scalarClass(s[first])
    if kind != .space {
        var next = first + 1
        while next < end && scalarClass(s[next]) == kind { next += 1 }
        return next
    }
    var run = i
    while run < end && scalarClass(s[run]) == .space { run += 1 }
    // \s+(?!\S): a run followed by text stops one short; a single space stays itself
    return run == end || run - i == 1 ? run : run - 1
    // END SOLUTION lego.53
}
