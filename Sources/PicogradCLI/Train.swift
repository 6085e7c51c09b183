// `picograd train names|shakespeare` and `picograd sample CHECKPOINT`: chapter 2's training
// runs from the command line. The run itself (data, model, optimizer, checkpoint) is lego's
// `CharTrainingRun`; this file parses arguments, draws the progress bar, evaluates, writes the
// checkpoint and the loss curve beside it (an SVG, and the numbers as TSV for the lectures'
// figures), and prints samples.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import picograd

enum Train {
    static let usageLine = "usage: picograd train names|shakespeare [--steps N] [--resume PATH] [--out DIR] [--save-every N|Ts] [--device cpu|reference|cuda] [--profile] [--compile] [--dp N] [--tp N] [--pp N]"

    static func usage(_ message: String) -> Never { userError("train", "\(message) (\(usageLine))") }

    /// How often the run writes its checkpoint between evaluations: every N steps or T seconds.
    enum SaveEvery: Equatable {
        case steps(Int), seconds(Double)

        /// "500" (steps) or "60s" (seconds); nil for anything else.
        init?(parsing text: String) {
            if text.hasSuffix("s"), let t = Double(text.dropLast()), t.isFinite, t > 0 { self = .seconds(t) }
            else if let n = Int(text), n > 0 { self = .steps(n) }
            else { return nil }
        }

        var description: String {
            switch self {
            case .steps(let n): return "every \(n) steps"
            case .seconds(let t): return "every \(fixed(t, 0)) s"
            }
        }
    }

    /// The command line, every value checked before any data is read.
    struct Options {
        var task = ""
        var steps: Int? = nil
        var resume: String? = nil
        var out: String? = nil
        var saveEvery = SaveEvery.seconds(60)
        var profile = false   // count and time the primitives of the training steps (dfdx's Profiler)
        var compile = false   // forward, backward, clip and AdamW update compiled (pt2's compileTraining)
        var layout = ParallelLayout()   // --dp/--tp/--pp: thread ranks (chapter 5); all 1: one rank, as before
    }

    static func parse(_ args: [String]) -> Options {
        var o = Options()
        var a = ArgumentList("train", args)
        guard let task = a.next() else { usage("say which task: names or shakespeare") }
        guard task == "names" || task == "shakespeare" else { usage("unknown task '\(task)' (names or shakespeare)") }
        o.task = task
        while let arg = a.next() {
            switch arg {
            case "--steps": o.steps = a.int(arg, atLeast: 1)
            case "--resume":
                let path = a.value(arg)
                guard !path.isEmpty else { usage("--resume takes a checkpoint path, got ''") }
                o.resume = path
            case "--out":
                let dir = a.value(arg)
                guard !dir.isEmpty else { usage("--out takes a folder, got ''") }
                o.out = dir
            case "--save-every":
                let text = a.value(arg)
                guard let every = SaveEvery(parsing: text) else { usage("--save-every takes a step count (500) or seconds (60s), got '\(text)'") }
                o.saveEvery = every
            case "--device": Device.default = parseDevice("train", a.value(arg))
            case "--profile": o.profile = true
            case "--compile": o.compile = true
            case "--dp": o.layout.dp = a.int(arg, atLeast: 1)
            case "--tp": o.layout.tp = a.int(arg, atLeast: 1)
            case "--pp": o.layout.pp = a.int(arg, atLeast: 1)
            default: usage(arg.hasPrefix("--") ? "unknown option \(arg)" : "unexpected argument '\(arg)'")
            }
        }
        if let steps = o.steps, steps > CharTrainingRun.maxRunSteps { usage("--steps \(steps) is more than \(CharTrainingRun.maxRunSteps)") }
        if o.layout.worldSize > 1 {
            guard o.task == "shakespeare" else { usage("--dp/--tp/--pp train shakespeare only") }
            guard o.resume == nil, o.out == nil, !o.profile, !o.compile else { usage("--dp/--tp/--pp runs write no checkpoint and take no --resume, --out, --profile or --compile") }
            guard o.layout.worldSize <= 64 else { usage("--dp x --tp x --pp is \(o.layout.worldSize) thread ranks, at most 64") }
        }
        return o
    }

    /// Makes `dir` (and its parents) or refuses it: it must end up a folder this process can write.
    static func prepareFolder(_ dir: String) {
        var path = dir.hasPrefix("/") ? "/" : ""
        for part in dir.split(separator: "/") {
            path += part
            if mkdir(path, 0o755) != 0 && errno != EEXIST {
                userError("train", "cannot create the output folder \(path): \(String(cString: strerror(errno)))")
            }
            path += "/"
        }
        var info = stat()
        guard stat(dir, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else { userError("train", "--out \(dir) is not a folder") }
        guard access(dir, W_OK) == 0 else { userError("train", "cannot write to the output folder \(dir)") }
    }

    /// Holds `dir`'s lock for the rest of the process, or refuses: a second run on one folder
    /// would overwrite the first's checkpoint. flock is released by the kernel when the process
    /// ends, however it ends, so a killed run leaves no stale lock behind.
    static func lockFolder(_ dir: String) {
        let path = dir + "/.picograd-train.lock"
        let fd = open(path, O_RDWR | O_CREAT, 0o644)
        guard fd >= 0 else { userError("train", "cannot create the lock \(path): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            userError("train", "\(dir) is in use by another picograd train (it holds \(path)); wait for it to finish or choose another --out")
        }
        // fd stays open (and the lock held) until exit
    }

    static func run(_ args: [String]) {
        let o = parse(args)
        if o.layout.worldSize > 1 { return runParallel(o) }
        let task = o.task
        if let resume = o.resume, access(resume, R_OK) != 0 {
            userError("train", "cannot read --resume \(resume): \(String(cString: strerror(errno)))")
        }
        // where the checkpoint goes: --out DIR, else back where --resume came from, else checkpoints/
        let checkpoint: String
        if let out = o.out { checkpoint = out + "/" + task + ".safetensors" }
        else if let resume = o.resume { checkpoint = resume }
        else { checkpoint = "checkpoints/" + task + ".safetensors" }
        let folder = checkpoint.contains("/") ? String(checkpoint[..<checkpoint.lastIndex(of: "/")!]) : "."
        prepareFolder(folder.isEmpty ? "/" : folder)
        lockFolder(folder.isEmpty ? "/" : folder)

        let file = task == "names" ? "names.txt" : "tinyshakespeare.txt"
        let text: String
        do { text = try loadDataset(file) } catch { printError("picograd train: \(error)"); exit(1) }

        let run: CharTrainingRun
        if let resume = o.resume {
            do { run = try CharTrainingRun.load(resume, text: text, steps: o.steps) } catch { userError("train", "\(error)") }
            guard run.task == task else { userError("train", "\(resume) is a \(run.task) checkpoint, not \(task)") }
            if let steps = o.steps, steps <= run.step {
                userError("train", "\(resume) is at step \(run.step) already; --steps \(steps) leaves nothing to train (--steps is the total)")
            }
            print("resuming \(task) from \(resume) at step \(run.step)")
        } else {
            var options = RunOptions.defaults(for: task)
            if let steps = o.steps { options.steps = steps }
            run = CharTrainingRun(task: task, text: text, options: options)
        }
        if o.compile { compileTraining(run) }
        let total = run.options.steps
        print("\(task): \(run.model.parameterCount) parameters, vocabulary \(run.tokenizer.vocabSize), \(total) steps, batch \(run.options.batchSize)")
        print("checkpoint \(checkpoint), written \(o.saveEvery.description) and at each evaluation")
        var curve = LossCurve()
        let first = run.step
        let bar = ProgressBar(total: total, from: first)   // absolute steps: a resumed run continues the count
        let start = monotonicSeconds()
        var lastSave = start
        var evalSeconds = 0.0   // validation and checkpoints inside the loop, reported apart
        var smoothed: Float? = nil
        let profiler = Profiler()
        while run.step < total {
            let loss = o.profile ? Dispatch.withHandler(profiler) { run.takeStep() } : run.takeStep()
            smoothed = smoothed.map { 0.98 * $0 + 0.02 * loss } ?? loss
            curve.train.append((run.step, Double(loss)))
            if run.step % 10 == 0 || run.step == total {
                let rate = Double((run.step - first) * run.tokensPerStep) / Swift.max(monotonicSeconds() - start, 1e-9)
                bar.update(run.step, "loss \(fixed(smoothed ?? loss, 4)) \(fixed(rate, 0)) tok/s")
            }
            if run.step % run.options.evalEvery == 0 && run.step < total {
                let t0 = monotonicSeconds()
                defer { evalSeconds += monotonicSeconds() - t0 }
                let val = run.validationLoss()
                curve.validation.append((run.step, Double(val)))
                save(run, checkpoint, curve)
                lastSave = monotonicSeconds()
                print("\nstep \(run.step): val loss \(fixed(val, 4)), checkpoint \(checkpoint)")
            } else if run.step < total {
                let due: Bool
                switch o.saveEvery {
                case .steps(let n): due = run.step % n == 0
                case .seconds(let t): due = monotonicSeconds() - lastSave >= t
                }
                if due {
                    let t0 = monotonicSeconds()
                    save(run, checkpoint, curve)
                    lastSave = monotonicSeconds()
                    evalSeconds += lastSave - t0
                }
            }
        }
        let elapsed = monotonicSeconds() - start
        let val = run.validationLoss()
        curve.validation.append((run.step, Double(val)))
        save(run, checkpoint, curve)
        let training = elapsed - evalSeconds
        print("trained \(done(run, first)) steps in \(fixed(elapsed, 1)) s, \(fixed(training, 1)) s of them training (\(fixed(Double((run.step - first) * run.tokensPerStep) / Swift.max(training, 1e-9), 0)) tokens/s; the rest validation and checkpoints)")
        if o.profile {
            let steps = done(run, first)
            print("per training step: \(fixed(Double(profiler.total) / Double(Swift.max(steps, 1)), 1)) primitives dispatched")
            print(profiler.report(per: steps))
        }
        print("checkpoint \(checkpoint), loss curve \(curvePath(checkpoint)) (numbers: \(curvePath(checkpoint, "tsv")))")
        print("samples:")
        for s in run.samples(count: task == "names" ? 10 : 1, seed: 1) { print(s) }
        print("val loss \(fixed(val, 4))")
    }

    static func done(_ run: CharTrainingRun, _ first: Int) -> Int { run.step - first }

    static func curvePath(_ checkpoint: String, _ ext: String = "svg") -> String {
        (checkpoint.hasSuffix(".safetensors") ? String(checkpoint.dropLast(".safetensors".count)) : checkpoint) + "-loss." + ext
    }

    static func save(_ run: CharTrainingRun, _ checkpoint: String, _ curve: LossCurve) {
        do {
            try run.save(checkpoint)
            try curve.write(to: curvePath(checkpoint))
            try curve.writeTSV(to: curvePath(checkpoint, "tsv"))
        } catch { printError("\npicograd train: \(error)"); exit(1) }
    }
}

enum Sample {
    static func run(_ args: [String]) {
        guard args.count == 1, let path = args.first, !path.isEmpty, !path.hasPrefix("--") else {
            userError("sample", args.isEmpty ? "say which checkpoint (usage: picograd sample CHECKPOINT)"
                                             : "takes one checkpoint path, got \(args.map { "'\($0)'" }.joined(separator: " ")) (usage: picograd sample CHECKPOINT)")
        }
        let run: CharTrainingRun
        do { run = try CharTrainingRun.load(path, text: nil) } catch { userError("sample", "\(error)") }
        for s in run.samples(count: run.task == "names" ? 20 : 1, seed: UInt64(monotonicSeconds() * 1000)) { print(s) }
    }
}

/// The training and validation losses, drawn as a hand-written SVG line chart.
struct LossCurve {
    var train: [(Int, Double)] = []
    var validation: [(Int, Double)] = []

    func svg() -> String {
        let (w, h, pad) = (640.0, 360.0, 72.0)
        let smooth = stride(from: 0, to: train.count, by: Swift.max(1, train.count / 400)).map { i -> (Int, Double) in
            let window = train[Swift.max(0, i - 20)...i]
            return (train[i].0, window.map(\.1).reduce(0, +) / Double(window.count))
        }
        let all = smooth + validation
        let maxStep = Double(all.map(\.0).max() ?? 1), minStep = Double(all.map(\.0).min() ?? 0)
        let lo = all.map(\.1).min() ?? 0, hi = all.map(\.1).max() ?? 1
        func x(_ s: Int) -> String { fixed(pad + (Double(s) - minStep) / Swift.max(maxStep - minStep, 1) * (w - 2 * pad), 1) }
        func y(_ v: Double) -> String { fixed(h - pad - (v - lo) / Swift.max(hi - lo, 1e-9) * (h - 2 * pad), 1) }
        func line(_ points: [(Int, Double)], _ color: String) -> String {
            "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"" + points.map { "\(x($0.0)),\(y($0.1))" }.joined(separator: " ") + "\"/>"
        }
        return """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(w))" height="\(Int(h))" font-family="sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <line x1="\(pad)" y1="\(h - pad)" x2="\(w - pad)" y2="\(h - pad)" stroke="black"/>
        <line x1="\(pad)" y1="\(pad)" x2="\(pad)" y2="\(h - pad)" stroke="black"/>
        <text x="4" y="\(pad)">loss \(fixed(hi, 3))</text>
        <text x="4" y="\(h - pad)">loss \(fixed(lo, 3))</text>
        <text x="\(pad)" y="\(h - pad + 16)">step \(Int(minStep))</text>
        <text x="\(w - pad - 80)" y="\(h - pad + 16)">step \(Int(maxStep))</text>
        \(line(smooth, "steelblue"))
        \(line(validation, "darkorange"))
        <text x="\(w - pad - 140)" y="\(pad)" fill="steelblue">train (smoothed)</text>
        <text x="\(w - pad - 140)" y="\(pad + 16)" fill="darkorange">validation</text>
        </svg>

        """
    }

    /// The curve as numbers, `step<TAB>train<TAB>validation`: at most 2,000 rows, each train
    /// value the mean loss of the steps since the previous row; validation where it was measured.
    func tsv() -> String {
        let val = Dictionary(validation, uniquingKeysWith: { $1 })
        let every = Swift.max(1, (train.count + 1999) / 2000)
        var out = "step\ttrain\tvalidation\n"
        var seen = Set<Int>(), sum = 0.0, n = 0
        for (i, (step, loss)) in train.enumerated() {
            sum += loss; n += 1
            guard (i + 1) % every == 0 || i == train.count - 1 || val[step] != nil else { continue }
            seen.insert(step)
            out += "\(step)\t\(fixed(sum / Double(n), 4))\t\(val[step].map { fixed($0, 4) } ?? "")\n"
            sum = 0; n = 0
        }
        for (step, loss) in validation where !seen.contains(step) { out += "\(step)\t\t\(fixed(loss, 4))\n" }
        return out
    }

    func writeTSV(to path: String) throws { try write(tsv(), to: path) }

    func write(to path: String) throws { try write(svg(), to: path) }

    private func write(_ text: String, to path: String) throws {
        guard let f = fopen(path + ".tmp", "w") else { throw CheckpointError(path: path, reason: "cannot write the loss curve") }
        fputs(text, f)
        fclose(f)
        rename(path + ".tmp", path)
    }
}
