// `picograd graph softmax|mlp|gpt`: a compiled function's graph IR as Graphviz dot, as traced
// or (--after-passes) after the passes, coloured by the schedule (kernels, inlined nodes,
// inputs, constants, eager steps). -o FILE writes it: FILE.dot the dot source, FILE.svg the
// picture, drawn by Graphviz's `dot` when it is on the PATH. Without -o the dot goes to stdout.
//
//   picograd graph softmax|mlp|gpt [--after-passes] [-o out.dot|out.svg]
import picograd

enum GraphCommand {
    static let usageLine = "usage: picograd graph softmax|mlp|gpt [--after-passes] [-o out.dot|out.svg]"

    static func usage(_ message: String) -> Never { userError("graph", "\(message) (\(usageLine))") }

    /// The programs it draws: a function and the shapes of its arguments.
    static func program(_ name: String) -> CompiledProgram? {
        var g = Generator(seed: 0)
        switch name {
        case "softmax":
            return CompiledFunction { x in [softmax(x[0], dim: -1)] }.program(for: [Tensor.randn([4, 10], generator: &g)])
        case "mlp":
            // Linear(8 -> 16), relu, Linear(16 -> 4), as lecture 04 shows it
            let first = Linear(8, 16), second = Linear(16, 4)
            return CompiledFunction { x in [second(first(x[0]).relu())] }.program(for: [Tensor.randn([2, 8], generator: &g)])
        case "gpt":
            // a small GPT's forward on 8 token ids (the ids are host data: constants of the graph)
            let model = withDefaultGenerator(Generator(seed: 0)) { GPT(config: GPTConfig(dim: 16, nLayers: 1, nHeads: 2, vocabSize: 27, blockSize: 8)) }
            let ids = (0..<8).map { $0 % 27 }
            return CompiledFunction { _ in [model(ids, shape: [1, 8])] }.program(for: [])
        default: return nil
        }
    }

    static func run(_ args: [String]) {
        var a = ArgumentList("graph", args)
        var name: String?, afterPasses = false, output: String?
        while let arg = a.next() {
            switch arg {
            case "--after-passes": afterPasses = true
            case "-o", "--output":
                let path = a.value(arg)
                guard path.hasSuffix(".dot") || path.hasSuffix(".svg") else { usage("-o takes a .dot or .svg path, got '\(path)'") }
                output = path
            case "-h", "--help": print(usageLine); return
            default:
                if arg.hasPrefix("-") { usage("unknown flag '\(arg)'") }
                guard name == nil else { usage("one program at a time, got '\(name!)' and '\(arg)'") }
                name = arg
            }
        }
        guard let name else { usage("which program? softmax, mlp or gpt") }
        guard let program = withNoGrad({ program(name) }) else { usage("unknown program '\(name)' (softmax, mlp or gpt)") }
        let text = program.dot(afterPasses: afterPasses, name: name)
        guard let output else { print(text, terminator: ""); return }
        do {
            if output.hasSuffix(".svg") { try Graphviz.writeSVG(text, to: output) } else { try Graphviz.write(text, to: output) }
        } catch {
            userError("graph", error.description)
        }
        note("graph", "wrote \(output) (\(text.split(separator: "\n").count) lines of dot, \((afterPasses ? program.optimized : program.traced).nodes.count) nodes)")
    }
}
