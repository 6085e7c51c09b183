// A resumable character-level training run: the two courses' data sets, their models and
// hyperparameters, and everything a checkpoint must hold to continue exactly where it stopped.
//
//   names        makemore's names.txt, Bengio's MLP (3 characters of context)
//   shakespeare  tinyshakespeare.txt, a small GPT over 64-character windows

/// Hyperparameters of a run (stored in the checkpoint's metadata).
public struct RunOptions: Sendable, Equatable {
    public var steps: Int
    public var batchSize: Int
    public var maxLR: Float
    public var minLR: Float
    public var warmup: Int
    public var weightDecay: Float
    public var clip: Float
    public var evalEvery: Int
    public var seed: UInt64

    /// The defaults of each task: `names` finishes in a few minutes on 2 cores (release build).
    public static func defaults(for task: String) -> RunOptions {
        task == "names"
            ? RunOptions(steps: 20000, batchSize: 64, maxLR: 1e-2, minLR: 1e-3, warmup: 200, weightDecay: 0.01, clip: 1, evalEvery: 2000, seed: 1337)
            : RunOptions(steps: 1000, batchSize: 16, maxLR: 3e-3, minLR: 3e-4, warmup: 100, weightDecay: 0.1, clip: 1, evalEvery: 250, seed: 1337)
    }
}

/// A run of `names` or `shakespeare`: model, AdamW, data sampler and step count.
public final class CharTrainingRun {
    public let task: String
    public let options: RunOptions
    public let tokenizer: CharTokenizer
    public let model: any LanguageModel
    public let optimizer: AdamW
    /// Steps taken so far.
    public private(set) var step = 0
    var data: RunData
    /// A step run another way than `trainStep` (a hook: pt2's `compileTraining` sets it to
    /// the compiled loss, backward, clip and update): the batch's ids and targets and their
    /// shape -> the loss before the update. Called with `optimizer.lr` already scheduled.
    public var customStep: ((_ x: [Int], _ y: [Int], _ shape: [Int]) -> Float)? = nil

    /// Tokenized training and validation data of a task.
    struct RunData {
        var train: ExampleSampler? = nil, trainText: BatchSampler? = nil
        var valX: [Int] = [], valY: [Int] = []
    }

    /// Context of the names MLP and window of the shakespeare GPT.
    public static let namesContext = 3, shakespeareBlock = 64

    /// A fresh run: model initialized from `options.seed`. `text` is the data set's contents.
    public convenience init(task: String, text: String, options: RunOptions) {
        self.init(task: task, text: text, options: options, vocabulary: nil, draws: 0)
    }

    init(task: String, text: String?, options: RunOptions, vocabulary: [Character]?, draws: Int) {
        check(task == "names" || task == "shakespeare", "CharTrainingRun: unknown task \(task) (names or shakespeare)")
        self.task = task
        self.options = options
        let tokenizer = vocabulary.map { CharTokenizer(chars: $0) } ?? CharTokenizer(text: text ?? "")
        self.tokenizer = tokenizer
        manualSeed(options.seed)
        if task == "names" {
            model = MLPLanguageModel(vocabSize: tokenizer.vocabSize, context: Self.namesContext, embedDim: 10, hiddenDim: 200)
        } else {
            model = GPT(config: GPTConfig(dim: 64, nLayers: 2, nHeads: 4, vocabSize: tokenizer.vocabSize, blockSize: Self.shakespeareBlock))
        }
        optimizer = AdamW(model.parameters(), lr: options.maxLR, betas: (0.9, 0.99), weightDecay: options.weightDecay)
        data = text.map { Self.prepare(task: task, text: $0, tokenizer: tokenizer, options: options, draws: draws) } ?? RunData()
    }

    /// Splits the text 90/10 into training and validation data.
    static func prepare(task: String, text: String, tokenizer: CharTokenizer, options: RunOptions, draws: Int) -> RunData {
        var d = RunData()
        if task == "names" {
            var words = text.split(separator: "\n").map { tokenizer.encode(String($0)) }
            var g = Generator(seed: 42)   // shuffle the words once, the same on every machine
            for i in stride(from: words.count - 1, to: 0, by: -1) { words.swapAt(i, g.int(below: i + 1)) }
            let cut = words.count * 9 / 10
            let train = nGramExamples(words: Array(words[..<cut]), context: namesContext)
            (d.valX, d.valY) = nGramExamples(words: Array(words[cut...]), context: namesContext)
            d.train = ExampleSampler(x: train.x, y: train.y, width: namesContext, batchSize: options.batchSize, seed: options.seed, draws: draws)
        } else {
            let tokens = tokenizer.encode(text)
            let cut = tokens.count * 9 / 10
            d.trainText = BatchSampler(tokens: Array(tokens[..<cut]), blockSize: shakespeareBlock, batchSize: options.batchSize,
                                       seed: options.seed, draws: draws)
            d.valX = Array(tokens[cut...])
        }
        return d
    }

    /// Tokens the model sees per step.
    public var tokensPerStep: Int { task == "names" ? options.batchSize : options.batchSize * Self.shakespeareBlock }

    /// One AdamW step on the next batch, at the scheduled learning rate. Returns the loss.
    @discardableResult
    public func takeStep() -> Float {
        check(data.train != nil || data.trainText != nil, "CharTrainingRun: this run has no training data (loaded for sampling only)")
        optimizer.lr = cosineLR(step: step, maxLR: options.maxLR, minLR: options.minLR, warmup: options.warmup, total: options.steps)
        let batch: (x: [Int], y: [Int]), shape: [Int]
        if task == "names" {
            batch = data.train!.next()
            shape = [options.batchSize, Self.namesContext]
        } else {
            batch = data.trainText!.next()
            shape = [options.batchSize, Self.shakespeareBlock]
        }
        let loss = customStep?(batch.x, batch.y, shape)
            ?? trainStep(optimizer, clipNorm: options.clip) { batchLoss(model, x: batch.x, y: batch.y, shape: shape) }
        step += 1
        return loss
    }

    /// Mean loss on the validation split (all of it for names, 8 fixed windows-batches for shakespeare).
    public func validationLoss() -> Float {
        withNoGrad {
            if task == "names" {
                return batchLoss(model, x: data.valX, y: data.valY, shape: [data.valY.count, Self.namesContext]).item()
            }
            var sampler = BatchSampler(tokens: data.valX, blockSize: Self.shakespeareBlock, batchSize: 16, seed: 7)
            var total: Float = 0
            for _ in 0..<8 {
                let b = sampler.next()
                total += batchLoss(model, x: b.x, y: b.y, shape: [16, Self.shakespeareBlock]).item()
            }
            return total / 8
        }
    }

    /// Random draws of the training sampler so far.
    var draws: Int { data.train?.draws ?? data.trainText?.draws ?? 0 }

    /// Writes model, optimizer, step, sampler position, vocabulary and options (atomically).
    public func save(_ path: String) throws {
        let o = options
        let metadata: [String: String] = [
            "task": task, "step": "\(step)", "draws": "\(draws)", "vocab": String(tokenizer.chars),
            "steps": "\(o.steps)", "batch_size": "\(o.batchSize)", "max_lr": "\(o.maxLR)", "min_lr": "\(o.minLR)",
            "warmup": "\(o.warmup)", "weight_decay": "\(o.weightDecay)", "clip": "\(o.clip)", "eval_every": "\(o.evalEvery)",
            "seed": "\(o.seed)",
        ]
        try saveCheckpoint(path, model: model, optimizer: optimizer, metadata: metadata)
    }

    /// Continues a run from `save`'s checkpoint: `text` is the data set (nil to only sample);
    /// `steps` overrides the total step count. Throws if the checkpoint is not a run's, or if
    /// any value in it is out of range (each error names the field, its value and the range).
    public static func load(_ path: String, text: String?, steps: Int? = nil) throws -> CharTrainingRun {
        let c = try loadCheckpoint(path)
        let m = c.metadata
        func bad(_ key: String, _ expected: String) -> CheckpointError {
            CheckpointError(path: path, reason: "metadata \(key) is \(m[key].map { String(reflecting: $0) } ?? "missing"); expected \(expected)")
        }
        func int(_ key: String, _ range: ClosedRange<Int>) throws -> Int {
            guard let s = m[key], let v = Int(s), range.contains(v) else { throw bad(key, "an integer from \(range.lowerBound) to \(range.upperBound)") }
            return v
        }
        func rate(_ key: String, _ ok: (Float) -> Bool, _ expected: String) throws -> Float {
            guard let s = m[key], let v = Float(s), v.isFinite, ok(v) else { throw bad(key, expected) }
            return v
        }
        guard let task = m["task"], let vocab = m["vocab"] else { throw CheckpointError(path: path, reason: "not a picograd training checkpoint (no task/vocab metadata)") }
        guard task == "names" || task == "shakespeare" else { throw bad("task", "names or shakespeare") }
        let chars = Array(vocab)
        guard !chars.isEmpty, Set(chars).count == chars.count, chars.contains("\n") else {
            throw bad("vocab", "a string of distinct characters with the boundary \"\\n\" among them")
        }
        let total = try int("steps", 1...maxRunSteps)
        let options = RunOptions(steps: total, batchSize: try int("batch_size", 1...maxBatchSize),
                                 maxLR: try rate("max_lr", { $0 > 0 }, "a finite number > 0"),
                                 minLR: try rate("min_lr", { $0 >= 0 }, "a finite number >= 0"),
                                 warmup: try int("warmup", 0...maxRunSteps),
                                 weightDecay: try rate("weight_decay", { $0 >= 0 }, "a finite number >= 0"),
                                 clip: try rate("clip", { $0 > 0 }, "a finite number > 0"),
                                 evalEvery: try int("eval_every", 1...maxRunSteps),
                                 seed: try { guard let s = m["seed"], let v = UInt64(s) else { throw bad("seed", "an unsigned 64-bit integer") }; return v }())
        let step = try int("step", 0...total)
        // the sampler draws batch_size numbers a step: a resumed run replays exactly that many
        let draws = try int("draws", 0...Int.max)
        guard draws == step * options.batchSize, draws <= 1 << 31 else {
            throw bad("draws", "step \(step) x batch_size \(options.batchSize) = \(step * options.batchSize), at most 2^31")
        }
        if let text, let missing = Set(text).subtracting(chars).sorted().first {
            throw CheckpointError(path: path, reason: "the data set has the character \(String(reflecting: String(missing))), which metadata vocab lacks")
        }
        var resumed = options
        if let steps { resumed.steps = steps }
        let run = CharTrainingRun(task: task, text: text, options: resumed, vocabulary: chars, draws: draws)
        do {
            try run.model.loadStateDict(c.model)
            try run.optimizer.loadStateDict(c.optimizer)
        } catch { throw CheckpointError(path: path, reason: "\(error)") }
        run.step = step
        return run
    }

    /// The most steps a run may have (the sampler replays step x batch_size draws to resume).
    public static let maxRunSteps = 10_000_000
    /// The largest batch a run may take.
    public static let maxBatchSize = 1 << 16

    /// `count` samples: names (one per line) or one passage of shakespeare of `length` characters.
    public func samples(count: Int, length: Int = 400, temperature: Float = 1, seed: UInt64 = 0) -> [String] {
        var g = Generator(seed: seed)
        return withNoGrad {
            if task == "names" {
                return (0..<count).map { _ in
                    var context = [Int](repeating: 0, count: Self.namesContext), out: [Int] = []
                    while out.count < 30 {
                        let logits = model.logits(context, shape: [1, Self.namesContext]).toArray()
                        let next = sampleToken(logits, temperature: temperature, generator: &g)
                        if next == 0 { break }
                        out.append(next)
                        context = Array(context.dropFirst()) + [next]
                    }
                    return tokenizer.decode(out)
                }
            }
            return (0..<count).map { _ in
                var ids = tokenizer.encode("\n")
                for _ in 0..<length {
                    let window = Array(ids.suffix(Self.shakespeareBlock))
                    let logits = model.logits(window, shape: [1, window.count])
                    let last = logits[0][window.count - 1].toArray()
                    ids.append(sampleToken(last, temperature: temperature, generator: &g))
                }
                return tokenizer.decode(Array(ids.dropFirst()))
            }
        }
    }
}

/// A checkpoint that cannot be used to resume or sample; names the file and the reason.
public struct CheckpointError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    /// An error about the checkpoint at `path`.
    public init(path: String, reason: String) { (self.path, self.reason) = (path, reason) }
    public var description: String { "checkpoint \(path): \(reason)" }
}
