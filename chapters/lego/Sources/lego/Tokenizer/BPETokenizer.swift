// Byte-level BPE (GPT-2, llama 3, SmolLM2): text -> UTF-8 bytes -> merged tokens -> ids.
//
// Every byte is a token to start with, so any text encodes (no unknown token). Training
// learned an ordered list of merges ("Ġ t" -> "Ġt" was the most frequent pair, so it is
// merge 0). Encoding a piece repeats: find the adjacent pair with the earliest merge,
// replace it by the merged token, until no pair has a merge. Tokens are written as text
// with GPT-2's byte <-> unicode table (byte 0x20 " " is "Ġ", 0x0A "\n" is "Ċ"), so a
// vocabulary is a list of printable strings. Special tokens (<|im_start|>) are matched in
// the raw text first and never split.

/// GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves; the other 68
/// bytes are shifted to U+0100 and up, in byte order.
let byteToScalar: [Unicode.Scalar] = {
    var table: [Unicode.Scalar] = []
    var shifted: UInt32 = 256
    for b in 0..<256 {
        if (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b) {
            table.append(Unicode.Scalar(UInt8(b)))
        } else {
            table.append(Unicode.Scalar(shifted)!)   // 256 ..< 324 are all valid scalars
            shifted += 1
        }
    }
    return table
}()

/// The inverse of `byteToScalar`.
let scalarToByte: [Unicode.Scalar: UInt8] = {
    var inverse: [Unicode.Scalar: UInt8] = [:]
    for (b, s) in byteToScalar.enumerated() { inverse[s] = UInt8(b) }
    return inverse
}()

/// A byte-level BPE tokenizer: a vocabulary (id -> token text), ranked merges, special tokens.
public struct BPETokenizer: Sendable {
    /// Token text by id, in the byte-level alphabet ("Ġthe").
    public let tokens: [String]
    /// The merges in rank order: (left, right) token texts.
    public let merges: [(String, String)]
    /// Special tokens matched verbatim in the text before pre-tokenization.
    public let specialTokens: [String: Int]
    /// Whether number characters are pieces of their own (SmolLM2: yes).
    public let splitDigits: Bool

    let ids: [String: Int]
    /// (left id, right id) packed in a UInt64 -> (rank, merged id).
    let mergeTable: [UInt64: (rank: Int, id: Int)]
    /// The id of each single-byte token (-1 for a byte the vocabulary lacks: it is dropped, like HF).
    let byteIds: [Int]
    /// Special tokens grouped by first scalar, longest first.
    let specialsByFirst: [Unicode.Scalar: [(scalars: [Unicode.Scalar], id: Int)]]

    /// A tokenizer from its vocabulary and merges. Throws when a merge or a special token
    /// names tokens that are not in the vocabulary.
    public init(tokens: [String], merges: [(String, String)], specialTokens: [String] = [], splitDigits: Bool = true) throws {
        self.tokens = tokens
        self.merges = merges
        self.splitDigits = splitDigits
        var ids: [String: Int] = [:]
        for (i, t) in tokens.enumerated() where ids[t] == nil { ids[t] = i }
        self.ids = ids
        byteIds = byteToScalar.map { ids[String(Character($0))] ?? -1 }
        var table: [UInt64: (rank: Int, id: Int)] = [:]
        for (rank, (a, b)) in merges.enumerated() {
            guard let ia = ids[a], let ib = ids[b], let merged = ids[a + b] else {
                throw BPEError("merge \(rank) \"\(a) \(b)\" names a token that is not in the vocabulary")
            }
            let key = UInt64(ia) << 32 | UInt64(ib)
            if table[key] == nil { table[key] = (rank, merged) }
        }
        mergeTable = table
        var specials: [String: Int] = [:], byFirst: [Unicode.Scalar: [(scalars: [Unicode.Scalar], id: Int)]] = [:]
        for s in specialTokens {
            guard let id = ids[s] else { throw BPEError("special token \(s) is not in the vocabulary") }
            specials[s] = id
            let scalars = Array(s.unicodeScalars)
            if let first = scalars.first { byFirst[first, default: []].append((scalars, id)) }
        }
        for k in byFirst.keys { byFirst[k]?.sort { $0.scalars.count > $1.scalars.count } }
        self.specialTokens = specials
        specialsByFirst = byFirst
    }

    /// Number of tokens.
    public var vocabSize: Int { tokens.count }

    /// The id of a token text ("<|im_end|>", "Ġthe"), or nil.
    public func id(of token: String) -> Int? { ids[token] }

    /// Token ids of `text`: special tokens verbatim, everything else pre-tokenized and merged.
    /// No BOS is added. Cost: O(n^2) per piece in its length; pieces are short.
    public func encode(_ text: String) -> [Int] {
        let scalars = Array(text.unicodeScalars)
        var out: [Int] = []
        var start = 0, i = 0
        func flush(_ end: Int) {
            for piece in preTokenize(Array(scalars[start..<end]), splitDigits: splitDigits) {
                var bytes: [UInt8] = []
                for s in scalars[(start + piece.lowerBound)..<(start + piece.upperBound)] { bytes += Array(String(s).utf8) }
                out += merge(bytes.map { byteIds[Int($0)] }.filter { $0 >= 0 })
            }
        }
        while i < scalars.count {
            if let candidates = specialsByFirst[scalars[i]],
               let hit = candidates.first(where: { i + $0.scalars.count <= scalars.count && Array(scalars[i..<(i + $0.scalars.count)]) == $0.scalars }) {
                flush(i)
                out.append(hit.id)
                i += hit.scalars.count
                start = i
            } else {
                i += 1
            }
        }
        flush(scalars.count)
        return out
    }

    /// The pre-tokenizer's pieces of `text` (special tokens are not matched here), like HF's
    /// `pre_tokenizer.pre_tokenize_str`: "a 2024" -> ["a", " ", "2", "0", "2", "4"].
    public func pieces(_ text: String) -> [String] {
        let s = Array(text.unicodeScalars)
        return preTokenize(s, splitDigits: splitDigits).map { String(String.UnicodeScalarView(s[$0])) }
    }

    /// Applies the merges to one piece's byte tokens: repeatedly merge the adjacent pair
    /// with the lowest rank (leftmost on ties) until no adjacent pair has a merge.
    public func merge(_ parts: [Int]) -> [Int] {
        // BEGIN SOLUTION lego.54: while some adjacent pair has an entry in mergeTable (key left << 32 | right), replace the pair with the lowest rank (leftmost first) by its merged id
        var parts = parts
        while parts.count > 1 {
            var best: (rank: Int, at: Int, id: Int)? = nil
            for i in 0..<(parts.count - 1) {
                if let m = mergeTable[UInt64(parts[i]) << 32 | UInt64(parts[i + 1])], m.rank < best?.rank ?? Int.max {
                    best = (m.rank, i, m.id)
                }
            }
            guard let b = best else { break }
            parts[b.at] = b.id
            parts.remove(at: b.at + 1)
        }
        return parts
        // END SOLUTION lego.54
    }

    /// The bytes `ids` stand for (a stream may end inside a UTF-8 character).
    public func decodeBytes(_ ids: [Int]) -> [UInt8] {
        var bytes: [UInt8] = []
        for id in ids where tokens.indices.contains(id) {
            for s in tokens[id].unicodeScalars {
                if let b = scalarToByte[s] { bytes.append(b) } else { bytes += Array(String(s).utf8) }
            }
        }
        return bytes
    }

    /// The text of `ids` (special tokens included); invalid UTF-8 becomes U+FFFD.
    public func decode(_ ids: [Int]) -> String {
        String(decoding: decodeBytes(ids), as: UTF8.self)
    }
}

/// A vocabulary or merge list that does not fit together.
public struct BPEError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "BPE: " + message }
}
