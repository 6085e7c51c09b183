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
    static func usage() -> Never {
        print("usage: picograd train names|shakespeare [--steps N] [--resume PATH] [--device cpu|reference|cuda] [--out DIR]")
        exit(2)
    }

    static func run(_ args: [String]) {
        guard let task = args.first, task == "names" || task == "shakespeare" else { usage() }
        var steps: Int? = nil, resume: String? = nil, out = "checkpoints"
        var i = 1
        while i < args.count {
            guard i + 1 < args.count else { usage() }
            switch args[i] {
            case "--steps": guard let n = Int(args[i + 1]), n > 0 else { usage() }; steps = n
            case "--resume": resume = args[i + 1]
            case "--out": out = args[i + 1]
            case "--device":
                guard let d = Device(parsing: args[i + 1]) else { print("picograd train: unknown device \(args[i + 1])"); exit(2) }
                Device.default = d
            default: usage()
            }
            i += 2
        }
        let file = task == "names" ? "names.txt" : "tinyshakespeare.txt"
        let text: String
        do { text = try loadDataset(file) } catch { print("picograd train: \(error)"); exit(1) }

        let run: CharTrainingRun
        if let resume {
            do { run = try CharTrainingRun.load(resume, text: text, steps: steps) } catch { print("picograd train: \(error)"); exit(1) }
            print("resuming \(task) from \(resume) at step \(run.step)")
        } else {
            var options = RunOptions.defaults(for: task)
            if let steps { options.steps = steps }
            run = CharTrainingRun(task: task, text: text, options: options)
        }
        mkdir(out, 0o755)
        let checkpoint = out + "/" + task + ".safetensors"
        let total = run.options.steps
        print("\(task): \(run.model.parameterCount) parameters, vocabulary \(run.tokenizer.vocabSize), \(total) steps, batch \(run.options.batchSize)")
        var curve = LossCurve()
        let bar = ProgressBar(total: total - run.step)
        let first = run.step
        let start = monotonicSeconds()
        var evalSeconds = 0.0   // validation and checkpoints inside the loop, reported apart
        var smoothed: Float? = nil
        while run.step < total {
            let loss = run.takeStep()
            smoothed = smoothed.map { 0.98 * $0 + 0.02 * loss } ?? loss
            curve.train.append((run.step, Double(loss)))
            let done = run.step - first
            if run.step % 10 == 0 || run.step == total {
                let rate = Double(done * run.tokensPerStep) / Swift.max(monotonicSeconds() - start, 1e-9)
                bar.update(done, "step \(run.step) loss \(fixed(smoothed ?? loss, 4)) \(fixed(rate, 0)) tok/s")
            }
            if run.step % run.options.evalEvery == 0 && run.step < total {
                let t0 = monotonicSeconds()
                defer { evalSeconds += monotonicSeconds() - t0 }
                let val = run.validationLoss()
                curve.validation.append((run.step, Double(val)))
                save(run, checkpoint, curve)
                print("\nstep \(run.step): val loss \(fixed(val, 4)), checkpoint \(checkpoint)")
            }
        }
        let elapsed = monotonicSeconds() - start
        let val = run.validationLoss()
        curve.validation.append((run.step, Double(val)))
        save(run, checkpoint, curve)
        let training = elapsed - evalSeconds
        print("trained \(done(run, first)) steps in \(fixed(elapsed, 1)) s, \(fixed(training, 1)) s of them training (\(fixed(Double((run.step - first) * run.tokensPerStep) / Swift.max(training, 1e-9), 0)) tokens/s; the rest validation and checkpoints)")
        print("checkpoint \(checkpoint), loss curve \(curvePath(checkpoint)) (numbers: \(curvePath(checkpoint, "tsv")))")
        print("samples:")
        for s in run.samples(count: task == "names" ? 10 : 1, seed: 1) { print(s) }
        print("val loss \(fixed(val, 4))")
    }

    static func done(_ run: CharTrainingRun, _ first: Int) -> Int { run.step - first }

    static func curvePath(_ checkpoint: String, _ ext: String = "svg") -> String {
        String(checkpoint.dropLast(".safetensors".count)) + "-loss." + ext
    }

    static func save(_ run: CharTrainingRun, _ checkpoint: String, _ curve: LossCurve) {
        do {
            try run.save(checkpoint)
            try curve.write(to: curvePath(checkpoint))
            try curve.writeTSV(to: curvePath(checkpoint, "tsv"))
        } catch { print("\npicograd train: \(error)"); exit(1) }
    }
}

enum Sample {
    static func run(_ args: [String]) {
        guard let path = args.first else { print("usage: picograd sample CHECKPOINT"); exit(2) }
        do {
            let run = try CharTrainingRun.load(path, text: nil)
            for s in run.samples(count: run.task == "names" ? 20 : 1, seed: UInt64(monotonicSeconds() * 1000)) { print(s) }
        } catch {
            print("picograd sample: \(error)")
            exit(1)
        }
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
