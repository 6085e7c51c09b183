import Testing
import pt2
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The graph as Graphviz dot (what `picograd graph` writes), and SVG where `dot` is installed.
@Suite("pt2 dot")
struct DotTests {
    static func softmaxProgram() -> CompiledProgram {
        CompiledFunction { x in [pt2.softmax(x[0], dim: -1)] }.program(for: [Tensor.zeros([4, 10])])
    }

    static func lines(_ dot: String, _ isWanted: (Substring) -> Bool) -> Int { dot.split(separator: "\n").filter(isWanted).count }

    @Test func softmaxNodesAndEdges() {
        let dot = Self.softmaxProgram().dot(afterPasses: false, name: "softmax")
        // softmax traces to 10 nodes (Golden/softmax.ir): input, max, expand, neg, add, exp,
        // sum, expand, reciprocal, mul; 11 arrows: add and mul read two values, the rest one
        #expect(Self.lines(dot) { $0.hasPrefix("    n") && $0.contains(" [label=") } == 10, "\(dot)")
        #expect(Self.lines(dot) { $0.contains("->") } == 11, "\(dot)")
        #expect(dot.hasPrefix("digraph \"softmax\" {") && dot.hasSuffix("}\n"))
        #expect(dot.contains("n9 [label=\"%9 = mul\\nf32[4, 10]\", peripheries=2];"), "the returned node has a double border: \(dot)")
        #expect(dot.contains("n0 [label=\"%0 = input 0\\nf32[4, 10]\", shape=ellipse];"), "\(dot)")
        #expect(dot.contains("    n4 -> n5;") && dot.contains("    n5 -> n9;") && dot.contains("    n8 -> n9;"), "\(dot)")
    }

    @Test func afterPassesColoursTheKernels() {
        let program = Self.softmaxProgram()
        let dot = program.dot(afterPasses: true)
        // one kernel (the returned mul) in orange, the max and the sum fused into it in light
        // orange, the input light blue
        #expect(program.kernels.count == 1)
        #expect(Self.lines(dot) { $0.contains("fillcolor=\"#f4a261\"") } == program.kernels.count, "\(dot)")
        #expect(Self.lines(dot) { $0.contains("fillcolor=\"#f8c9a0\"") } == 2, "\(dot)")
        #expect(Self.lines(dot) { $0.contains("fillcolor=\"#bde0fe\"") } == 1, "\(dot)")
    }

    @Test func writesWhereWritesBackGoDashed() {
        let w = Tensor([1, 2], shape: [2])
        let p = CompiledFunction { g in w.assign(w - g[0]); return [w * 2] }.program(for: [Tensor.ones([2])])
        #expect(Self.lines(p.dot(afterPasses: false)) { $0.contains("[style=dashed, label=\"write\"]") } == 1)
    }

    @Test func svgWithGraphvizOrAReasonWithout() {
        let path = "/tmp/picograd-pt2-dot-test-\(getpid()).svg"
        defer { unlink(path) }
        let dot = Self.softmaxProgram().dot(afterPasses: true)
        if Graphviz.program != nil {
            #expect(throws: Never.self) { try Graphviz.writeSVG(dot, to: path) }
            let f = fopen(path, "r")
            #expect(f != nil, "dot wrote no \(path)")
            if let f {
                var head = [UInt8](repeating: 0, count: 4096)
                let n = fread(&head, 1, head.count, f)
                fclose(f)
                #expect(String(decoding: head[0..<n], as: UTF8.self).contains("<svg"), "not an SVG")
            }
        } else {
            #expect(throws: GraphvizError.self) { try Graphviz.writeSVG(dot, to: path) }
        }
        #expect(throws: GraphvizError.self) { try Graphviz.write(dot, to: "/nonexistent/dir/x.dot") }
    }
}
