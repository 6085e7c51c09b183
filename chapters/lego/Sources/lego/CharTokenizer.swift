// The simplest tokenizer: one token per character, ids in sorted character order.

/// Maps each distinct character of a text to an id (sorted order, like makemore's stoi).
public struct CharTokenizer: Sendable, Equatable {
    /// The vocabulary: id -> character.
    public let chars: [Character]
    let ids: [Character: Int]

    /// The vocabulary of `text`: its distinct characters, sorted.
    public init(text: String) { self.init(chars: Array(Set(text)).sorted()) }

    /// A given vocabulary (from a checkpoint).
    public init(chars: [Character]) {
        self.chars = chars
        ids = Dictionary(chars.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
    }

    public var vocabSize: Int { chars.count }

    /// Text -> ids; a character outside the vocabulary stops with a message naming it.
    public func encode(_ text: String) -> [Int] {
        text.map { c in
            guard let id = ids[c] else { fail("CharTokenizer: character \(String(reflecting: String(c))) is not in the vocabulary") }
            return id
        }
    }

    /// Ids -> text; an id outside the vocabulary stops with a message.
    public func decode(_ ids: [Int]) -> String {
        String(ids.map { id in
            check(id >= 0 && id < chars.count, "CharTokenizer: id \(id) is out of range for \(chars.count) characters")
            return chars[id]
        })
    }
}
