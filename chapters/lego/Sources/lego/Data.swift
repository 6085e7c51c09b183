// Data: finding the data sets, and seeded batch sampling whose position can be saved.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A data set file that is not there: says where it looked and how to fetch it.
public struct MissingDataError: Error, CustomStringConvertible {
    public let file: String
    public let searched: [String]
    public var description: String {
        "data set \(file) not found (looked in \(searched.joined(separator: ", "))); "
            + "run scripts/fetch-data to download it into data/, or set PICOGRAD_DATA to a folder that has it"
    }
}

/// The text of data set `file` (names.txt, tinyshakespeare.txt) from $PICOGRAD_DATA or data/.
public func loadDataset(_ file: String) throws -> String {
    var folders: [String] = []
    if let env = environment("PICOGRAD_DATA"), !env.isEmpty { folders.append(env) }
    folders.append("data")
    for folder in folders {
        if let bytes = FileManager.default.contents(atPath: folder + "/" + file) {
            return String(decoding: bytes, as: UTF8.self)
        }
    }
    throw MissingDataError(file: file, searched: folders.map { $0 + "/" + file })
}

/// Random windows of a token stream: x = tokens[i ..< i+T], y = tokens[i+1 ... i+T], for
/// `batchSize` random starts drawn from a seeded generator. `draws` counts the random numbers
/// used, so a checkpoint can restore the exact position in the stream.
public struct BatchSampler: Sendable {
    public let tokens: [Int]
    public let blockSize: Int
    public let batchSize: Int
    public let seed: UInt64
    /// Random numbers drawn so far (the sampler's whole state).
    public private(set) var draws: Int = 0
    var generator: Generator

    /// A sampler over `tokens`; `draws` resumes one that had drawn that many numbers.
    public init(tokens: [Int], blockSize: Int, batchSize: Int, seed: UInt64, draws: Int = 0) {
        check(tokens.count > blockSize, "BatchSampler: \(tokens.count) tokens are too few for blockSize \(blockSize)")
        (self.tokens, self.blockSize, self.batchSize, self.seed) = (tokens, blockSize, batchSize, seed)
        generator = Generator(seed: seed)
        for _ in 0..<draws { _ = generator.next() }
        self.draws = draws
    }

    /// The next batch: x and y, each batchSize * blockSize ids (row-major [B, T]).
    public mutating func next() -> (x: [Int], y: [Int]) {
        var x: [Int] = [], y: [Int] = []
        x.reserveCapacity(batchSize * blockSize)
        y.reserveCapacity(batchSize * blockSize)
        for _ in 0..<batchSize {
            let i = generator.int(below: tokens.count - blockSize)
            draws += 1
            x += tokens[i..<(i + blockSize)]
            y += tokens[(i + 1)...(i + blockSize)]
        }
        return (x, y)
    }
}

/// makemore's examples for the MLP: for every word, each character with the `context`
/// characters before it (padded with the boundary token 0), and the word's end (token 0).
public func nGramExamples(words: [[Int]], context: Int) -> (x: [Int], y: [Int]) {
    var x: [Int] = [], y: [Int] = []
    for word in words {
        var window = [Int](repeating: 0, count: context)
        for id in word + [0] {
            x += window
            y.append(id)
            window = Array(window.dropFirst()) + [id]
        }
    }
    return (x, y)
}

/// Random rows of a fixed example table (x has `width` ids per example), seeded and resumable.
public struct ExampleSampler: Sendable {
    public let x: [Int], y: [Int]
    public let width: Int
    public let batchSize: Int
    public let seed: UInt64
    /// Random numbers drawn so far (the sampler's whole state).
    public private(set) var draws: Int = 0
    var generator: Generator

    /// A sampler over examples x (width ids each) and targets y; `draws` resumes.
    public init(x: [Int], y: [Int], width: Int, batchSize: Int, seed: UInt64, draws: Int = 0) {
        check(!y.isEmpty && x.count == y.count * width, "ExampleSampler: \(x.count) context ids do not match \(y.count) targets of width \(width)")
        (self.x, self.y, self.width, self.batchSize, self.seed) = (x, y, width, batchSize, seed)
        generator = Generator(seed: seed)
        for _ in 0..<draws { _ = generator.next() }
        self.draws = draws
    }

    /// batchSize random examples: contexts [B, width] and targets [B].
    public mutating func next() -> (x: [Int], y: [Int]) {
        var bx: [Int] = [], by: [Int] = []
        for _ in 0..<batchSize {
            let i = generator.int(below: y.count)
            draws += 1
            bx += x[(i * width)..<((i + 1) * width)]
            by.append(y[i])
        }
        return (bx, by)
    }
}
