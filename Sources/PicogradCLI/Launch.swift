// `picograd launch --nproc N [--master-port P] [--master-addr A] -- COMMAND ...`: torchrun's job
// (az1use1's Launcher): N copies of COMMAND, each with RANK, WORLD_SIZE, LOCAL_RANK,
// LOCAL_WORLD_SIZE, MASTER_ADDR and MASTER_PORT set; a rank that fails stops the others and is
// named. `picograd dist-check [--die R] [--timeout S]`: one rank's rendezvous check through the
// TCP store (what the launcher's tests run). `picograd train shakespeare --dp/--tp/--pp`'s run
// is here too (Train.swift only parses its flags).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import picograd

enum Launch {
    static let usageLine = "usage: picograd launch --nproc N [--master-port P] [--master-addr A] -- COMMAND ..."

    static func usage(_ message: String) -> Never { userError("launch", "\(message) (\(usageLine))") }

    static func run(_ args: [String]) {
        guard let split = args.firstIndex(of: "--") else { usage("put the command after --") }
        let command = Array(args[(split + 1)...])
        guard !command.isEmpty else { usage("say what to run after --") }
        var a = ArgumentList("launch", Array(args[..<split]))
        var nproc: Int? = nil, port: Int? = nil, addr = "127.0.0.1"
        while let arg = a.next() {
            switch arg {
            case "--nproc": nproc = a.int(arg, atLeast: 1)
            case "--master-port":
                let p = a.int(arg, atLeast: 1)
                guard p < 65536 else { usage("--master-port takes a TCP port below 65536, got \(p)") }
                port = p
            case "--master-addr":
                addr = a.value(arg)
                guard !addr.isEmpty else { usage("--master-addr takes an IPv4 address, got ''") }
            default: usage(arg.hasPrefix("--") ? "unknown option \(arg)" : "unexpected argument '\(arg)' (the command goes after --)")
            }
        }
        guard let nproc else { usage("say how many ranks: --nproc N") }
        guard nproc <= 1024 else { usage("--nproc \(nproc) is more than 1024 processes") }
        do { exit(try Launcher.run(nproc: nproc, command: command, masterAddr: addr, masterPort: port)) } catch { userError("launch", "\(error)") }
    }
}

enum DistCheckCommand {
    static func run(_ args: [String]) {
        var a = ArgumentList("dist-check", args)
        var die: Int? = nil, timeout = 20.0
        while let arg = a.next() {
            switch arg {
            case "--die": die = a.int(arg, atLeast: 0)
            case "--timeout": timeout = Double(a.int(arg, atLeast: 1))
            default: userError("dist-check", "\(arg.hasPrefix("--") ? "unknown option \(arg)" : "unexpected argument '\(arg)'") (usage: picograd dist-check [--die R] [--timeout S])")
            }
        }
        exit(DistCheck.run(die: die, timeout: timeout))
    }
}

extension Train {
    /// --dp/--tp/--pp: chapter 5's thread ranks (az1use1's trainShakespeareParallel); the loss
    /// printed as the one-rank run prints it, no checkpoint.
    static func runParallel(_ o: Options) {
        let text: String
        do { text = try loadDataset("tinyshakespeare.txt") } catch { printError("picograd train: \(error)"); exit(1) }
        var options = RunOptions.defaults(for: "shakespeare")
        if let steps = o.steps { options.steps = steps }
        let l = o.layout
        print("shakespeare: dp \(l.dp) x tp \(l.tp) x pp \(l.pp) = \(l.worldSize) thread ranks (\(l.schedule.rawValue)), \(options.steps) steps, batch \(options.batchSize); no checkpoint")
        nonisolated(unsafe) let bar = ProgressBar(total: options.steps, from: 0)   // only rank 0's thread reports
        let total = options.steps
        let start = monotonicSeconds()
        let losses: [Float]
        do {
            losses = try trainShakespeareParallel(text: text, options: options, layout: l) { step, loss in
                if step % 10 == 0 || step == total { bar.update(step, "loss \(fixed(loss, 4))") }
            }
        } catch let e as ParallelLayoutError { usage(e.description) } catch { printError("picograd train: \(error)"); exit(1) }
        let elapsed = monotonicSeconds() - start
        print("trained \(losses.count) steps in \(fixed(elapsed, 1)) s (\(fixed(Double(losses.count * options.batchSize * CharTrainingRun.shakespeareBlock) / Swift.max(elapsed, 1e-9), 0)) tokens/s)")
        print("train loss \(fixed(losses.last ?? .nan, 4))")
    }
}
