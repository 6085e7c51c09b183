// The graph as a picture: Graphviz's dot language, one box per node and one arrow per input
// (`picograd graph` writes it; `dot -Tsvg` draws it). After the passes the nodes are coloured
// by how the scheduler makes them: a kernel of its own, inlined into the kernel that reads
// it, given at every call, a constant, or an eager step between kernels.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Graph {
    /// The graph in dot: node `n3` for %3 labelled with its op and type; an arrow from each
    /// input to its reader; returned nodes drawn with a double border; a write back (assign)
    /// as a dashed arrow from the value to the input or param it lands in. `fill` gives a
    /// node's colour (none: white).
    public func dot(name: String = "pt2", fill: (Int) -> String? = { _ in nil }) -> String {
        var lines = ["digraph \"\(dotEscaped(name))\" {", "    rankdir=TB;", "    node [shape=box, fontname=\"monospace\", fontsize=10];"]
        let returned = Set(outputs)
        for (i, n) in nodes.enumerated() {
            var attributes = ["label=\"%\(i) = \(dotEscaped(n.op.description))\\n\(typeName(n.dtype, n.shape))\""]
            switch n.op {
            case .input, .param, .random: attributes.append("shape=ellipse")
            case .primitive: break
            }
            if returned.contains(i) { attributes.append("peripheries=2") }
            if let colour = fill(i) { attributes += ["style=filled", "fillcolor=\"\(colour)\""] }
            lines.append("    n\(i) [\(attributes.joined(separator: ", "))];")
        }
        for (i, n) in nodes.enumerated() {
            for j in n.inputs { lines.append("    n\(j) -> n\(i);") }
        }
        for w in writes { lines.append("    n\(w.value) -> n\(w.target) [style=dashed, label=\"write\"];") }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }
}

extension CompiledProgram {
    /// The traced graph in dot, or (`afterPasses`) the optimised one coloured by the
    /// schedule: kernels orange, reductions fused into a kernel light orange, inlined nodes light yellow, given inputs light blue,
    /// constants grey, eager steps and views pink.
    public func dot(afterPasses: Bool, name: String = "pt2") -> String {
        guard afterPasses else { return traced.dot(name: name) }
        return optimized.dot(name: name) { i in
            switch self.schedule.realization[i] {
            case .kernel: return "#f4a261"
            case .fused: return "#f8c9a0"
            case .inline: return "#fff3b0"
            case .given: return "#bde0fe"
            case .constant: return "#dddddd"
            case .eager, .view: return "#ffc8dd"
            }
        }
    }
}

/// `text` inside a dot string: quotes and backslashes escaped.
func dotEscaped(_ text: String) -> String {
    var out = ""
    for c in text {
        switch c {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        default: out.append(c)
        }
    }
    return out
}

/// Graphviz's `dot` on the PATH, drawing dot source as SVG.
public enum Graphviz {
    /// The `dot` program, or nil when Graphviz is not installed.
    public static var program: String? { CCompiler.find(cc: "dot", path: environment("PATH")) }

    /// Writes `source` (dot) drawn as SVG to `path`; throws a one-line reason when it cannot.
    public static func writeSVG(_ source: String, to path: String) throws(GraphvizError) {
        guard let dot = program else { throw GraphvizError("SVG needs Graphviz's dot on the PATH (Debian: apt install graphviz); write .dot instead") }
        let input = "\(path).\(getpid()).dot", log = "\(path).\(getpid()).log"
        try write(source, to: input)
        defer { unlink(input); unlink(log) }
        let status = CCompiler.run([dot, "-Tsvg", "-o", path, input], log: log)
        guard status == 0 else {
            throw GraphvizError("dot failed (exit \(status)) writing \(path): \(CCompiler.read(log)?.split(separator: "\n").first ?? "")")
        }
    }
}

extension Graphviz {
    /// Writes `text` to the file `path`; throws a one-line reason when it cannot.
    public static func write(_ text: String, to path: String) throws(GraphvizError) {
        guard let f = fopen(path, "w") else { throw GraphvizError("cannot write \(path): \(String(cString: strerror(errno)))") }
        let ok = text.utf8CString.withUnsafeBufferPointer { fputs($0.baseAddress!, f) } >= 0
        guard fclose(f) == 0 && ok else { throw GraphvizError("cannot write \(path)") }
    }
}

/// Why a file was not written.
public struct GraphvizError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
