// C code generation: one C function per kernel node of the schedule, all in one source file.
// A kernel is a loop nest over its output; its body computes the element at the loop index
// by walking the graph down from the kernel's node: an elementwise op becomes a C expression
// of its inputs at the same index, a movement op rewrites the index (Index.swift), a `full`
// is a literal, and a node with a buffer is a load. Each value is named once per element
// (`float t3 = ...;`), so a value read twice in one kernel is computed once there.
//
// Every kernel has one signature, `void kN(float *const *b, const pt2_runtime *rt)`: b holds
// the buffers it reads in the order its comment lists them, then its output; rt holds brrr's
// SGEMM (a dlopen'd object cannot link against the Swift binary that loads it).

/// The C expression of an elementwise op on its operands' C expressions.
public func cExpression(_ op: Primitive, _ args: [String]) -> String {
    // BEGIN SOLUTION pt2.3: unary: neg -> (-a), exp/log/sqrt/sin/erf -> expf(a)/logf/sqrtf/sinf/erff, reciprocal -> (1.0f / a); binary: add (a + b), mul (a * b), maximum fmaxf(a, b), pow powf(a, b), cmplt (a < b ? 1.0f : 0.0f), cmpeq (a == b ? 1.0f : 0.0f); select (c != 0.0f ? a : b); anything else: fail naming the op
    switch op {
    case .unary(.neg): return "(-\(args[0]))"
    case .unary(.exp): return "expf(\(args[0]))"
    case .unary(.log): return "logf(\(args[0]))"
    case .unary(.sqrt): return "sqrtf(\(args[0]))"
    case .unary(.sin): return "sinf(\(args[0]))"
    case .unary(.erf): return "erff(\(args[0]))"
    case .unary(.reciprocal): return "(1.0f / \(args[0]))"
    case .binary(.add): return "(\(args[0]) + \(args[1]))"
    case .binary(.mul): return "(\(args[0]) * \(args[1]))"
    case .binary(.maximum): return "fmaxf(\(args[0]), \(args[1]))"
    case .binary(.pow): return "powf(\(args[0]), \(args[1]))"
    case .binary(.cmplt): return "(\(args[0]) < \(args[1]) ? 1.0f : 0.0f)"
    case .binary(.cmpeq): return "(\(args[0]) == \(args[1]) ? 1.0f : 0.0f)"
    case .select: return "(\(args[0]) != 0.0f ? \(args[1]) : \(args[2]))"
    default: fail("cExpression: \(op) is not an elementwise op (operands \(args))")
    }
    // END SOLUTION pt2.3
}

/// A float as a C literal that reads back as the same float.
func cLiteral(_ v: Float) -> String {
    if v.isNaN { return "NAN" }
    if v.isInfinite { return v < 0 ? "(-INFINITY)" : "INFINITY" }
    let s = "\(v)"
    return v < 0 ? "(\(s)f)" : "\(s)f"
}

/// What the source file starts with: the runtime table and the helpers kernels use.
let cPrelude = """
#include <math.h>
#include <stdint.h>

typedef struct {
    void (*sgemm)(int isa, int threads, int64_t batch, int64_t m, int64_t n, int64_t k,
                  const float *a, int64_t sba, int64_t rsa, int64_t csa,
                  const float *b, int64_t sbb, int64_t rsb, int64_t csb,
                  float *c, int64_t sbc, int64_t ldc);
    void (*parallel)(int threads, void (*task)(void *context, int thread, int threads), void *context);
    int isa, threads;
    void (*sgemm_band)(int isa, int threads, int64_t batch, int64_t m, int64_t n, int64_t k,
                       const float *a, int64_t sba, int64_t rsa, int64_t csa,
                       const float *b, int64_t sbb, int64_t rsb, int64_t csb,
                       float *c, int64_t sbc, int64_t ldc,
                       int zero_a, int64_t zero_a_offset, int zero_b, int64_t zero_b_offset, int dead, int64_t dead_offset);
} pt2_runtime;

static inline int64_t pt2_clamp(int64_t i, int64_t n) { return i < 0 ? 0 : (i >= n ? n - 1 : i); }
static inline int64_t pt2_min(int64_t a, int64_t b) { return a < b ? a : b; }
static inline int64_t pt2_max(int64_t a, int64_t b) { return a > b ? a : b; }

"""

/// One generated kernel: its C function, the node it computes and the buffers it reads.
public struct Kernel: Sendable {
    /// The C function's name, `k` and the node number.
    public let name: String
    /// The node whose buffer it writes.
    public let node: Int
    /// The nodes whose buffers it reads, in the order of `b`.
    public let reads: [Int]
    /// The C function.
    public let source: String
}

/// Writes the C function of kernel node `root`.
struct KernelWriter {
    let schedule: Schedule
    let root: Int
    var graph: Graph { schedule.graph }
    var reads: [Int] = []
    var body: [String] = []
    var named: [String: String] = [:]      // "node@index" -> the C name of that value
    var temps = 0
    /// The loop variables' sizes where the code being written runs (loads' indexes are
    /// simplified with them: `IndexExpr.simplified`).
    var ranges: [String: Int] = [:]

    /// Clears the body and the named temporaries: a new loop nest of the same kernel names
    /// its own (a name made in one loop is not in scope in the next).
    mutating func startLoopNest() {
        body = []
        named = [:]
    }

    /// The output is also one of the buffers read (an in-place write): no `restrict`.
    var aliased = false

    /// Values a fused sum kept in a row on the stack, by the key of `named` (node@index):
    /// read there by the loops after it (`fusedLines`).
    var cachedRows: [String: String] = [:]

    /// The longest row a fused sum keeps on the stack (16 KB).
    static let rowCacheLimit = 4096

    /// The code-generation choices for this kernel (PICOGRAD_BEAM searches them: Beam.swift).
    var choice = KernelChoice.standard

    init(_ schedule: Schedule, root: Int, choice: KernelChoice = .standard) {
        self.schedule = schedule; self.root = root; self.choice = choice
    }

    /// The buffer pointer of node i (`v5` for %5), entered into `reads` on first use.
    mutating func buffer(_ i: Int) -> String {
        if !reads.contains(i) { reads.append(i) }
        return "v\(i)"
    }

    /// A fresh temporary holding `expression`.
    mutating func temp(_ expression: String, key: String) -> String {
        let name = "t\(temps)"
        temps += 1
        body.append("float \(name) = \(expression);")
        named[key] = name
        return name
    }

    /// The name of node i's element at `index` in `named` and `cachedRows`.
    static func key(_ i: Int, _ index: [IndexExpr]) -> String { "\(i)@\(index.map(\.description).joined(separator: ","))" }

    /// The C expression of node i's element at `index` (computing, for the kernel's own node).
    mutating func value(_ i: Int, at index: [IndexExpr]) -> String {
        let n = graph.nodes[i]
        let key = KernelWriter.key(i, index)
        if let name = named[key] { return name }
        if let row = cachedRows[key] { return row }       // computed by a fused sum's loop: kept in its row
        if schedule.realization[i] == .fused { return "acc\(i)" }     // this row's value, computed earlier in this kernel
        if i != root && schedule.hasBuffer(i) {
            return temp("\(buffer(i))[\(flatIndex(index, shape: n.shape).simplified(ranges: ranges))]", key: key)
        }
        guard let p = n.primitive else { fail("codegen: %\(i) (\(n.op)) has no buffer") }
        if case .full(let v, _, _) = p { return cLiteral(v) }
        if isMovement(p) {
            let input = n.inputs[0]
            let (inner, bounds) = inputIndex(of: p, index: index, inShape: graph.nodes[input].shape, outShape: n.shape)
            if bounds.isEmpty { return value(input, at: inner) }
            // pad: a bound the loops' ranges decide is no check (a segment of a split loop,
            // `padSegments`); the others read a clamped index (always inside the buffer) and
            // keep the value only in bounds
            var live: [PadBound] = []
            for b in bounds {
                if let (lo, hi) = LinearIndex(b.index, ranges).bounds(ranges) {
                    if hi < 0 || lo >= b.size { return "0.0f" }          // outside the input here
                    if (!b.below || lo >= 0) && (!b.above || hi < b.size) { continue }   // inside
                }
                live.append(b)
            }
            if live.isEmpty { return value(input, at: inner) }
            var clamped = inner
            for b in live where b.size > 0 { clamped[b.dim] = .clamped(b.index, b.size) }
            let v = value(input, at: clamped)
            let condition = live.map(\.condition).joined(separator: " && ")
            return temp("(\(condition) ? \(v) : 0.0f)", key: key)
        }
        let args = n.inputs.map { value($0, at: index) }
        return temp(cExpression(p, args), key: key)
    }

    /// `for (int64_t i0 = 0; i0 < 4; i0++) {` for each dim of `shape` listed in `dims`.
    static func loops(_ dims: [Int], _ shape: [Int], depth: Int) -> (open: [String], close: [String]) {
        var open: [String] = [], close: [String] = []
        for (k, d) in dims.enumerated() {
            let pad = String(repeating: "    ", count: depth + k)
            open.append("\(pad)for (int64_t i\(d) = 0; i\(d) < \(shape[d]); i\(d)++) {")
            close.insert("\(pad)}", at: 0)
        }
        return (open, close)
    }

    /// The indentation of a line `depth` loops deep (4 spaces a level).
    func indent(_ depth: Int) -> String { String(repeating: "    ", count: depth) }

    /// The sizes of the loop variables i0, i1, ... of a loop nest over `shape`.
    static func ranges(_ shape: [Int]) -> [String: Int] {
        var out: [String: Int] = [:]
        for (d, size) in shape.enumerated() { out["i\(d)"] = size }
        return out
    }

    /// Elements a kernel must have to be split across threads: below it, waking the pool
    /// costs more than the loop.
    static let parallelThreshold = 1 << 16

    /// The kernel's C function.
    mutating func write() -> Kernel {
        let n = graph.nodes[root]
        let variables = n.shape.indices.map { IndexExpr.variable("i\($0)") }
        var lines: [String] = []
        var outer: (dim: Int, size: Int)? = nil       // the loop a parallel kernel splits
        var usesRange = false       // the code loops over lo..<hi of that loop itself
        var work = n.shape.reduce(1, *)
        ranges = KernelWriter.ranges(n.shape)
        switch n.primitive {
        case _ where schedule.fused[root] != nil:
            let (fusedLines, x, kept) = self.fusedLines(schedule.fused[root]!)
            lines += fusedLines
            work = x.reduce(1, *)
            if let d = kept.first { outer = (d, x[d]) }
        case .reduce(let op, let axes)? where KernelWriter.isColumnReduction(axes, graph.nodes[n.inputs[0]].shape):
            let x = graph.nodes[n.inputs[0]].shape
            ranges = KernelWriter.ranges(x)
            work = x.reduce(1, *)
            let (columnLines, split, ranged) = columnReductionLines(op, axes, x)
            lines += columnLines
            outer = split
            usesRange = ranged
        case .reduce(let op, let axes)?:
            // out (keepdim shape) over the kept dims; the reduced dims innermost
            let x = graph.nodes[n.inputs[0]]
            let xIndex = x.shape.indices.map { IndexExpr.variable("i\($0)") }
            let kept = x.shape.indices.filter { !axes.contains($0) }
            ranges = KernelWriter.ranges(x.shape)
            if let d = kept.first { outer = (d, x.shape[d]) }
            work = x.shape.reduce(1, *)
            let outer = KernelWriter.loops(kept, x.shape, depth: 1)
            let inner = KernelWriter.loops(axes.sorted(), x.shape, depth: 1 + kept.count)
            let v = value(n.inputs[0], at: xIndex)
            let pad = indent(1 + kept.count)
            let step = op == .sum ? "acc += \(v);" : "acc = fmaxf(acc, \(v));"
            let outIndex = flatIndex(x.shape.indices.map { axes.contains($0) ? .constant(0) : xIndex[$0] }, shape: n.shape)
            let last = x.shape.count - 1
            if op == .max, axes == [last], KernelWriter.maxFitsLanes(x.shape[last]) {
                lines += outer.open
                lines += maxInLanes("acc", v, last: last, extent: x.shape[last], depth: 1 + kept.count)
                lines.append(pad + "out[\(outIndex)] = acc;")
                lines += outer.close
                break
            }
            lines += outer.open
            lines.append(pad + "float acc = \(op == .sum ? "0.0f" : "(-INFINITY)");")
            lines += inner.open
            lines += (body + [step]).map { indent(1 + kept.count + axes.count) + $0 }
            lines += inner.close
            lines.append(pad + "out[\(outIndex)] = acc;")
            lines += outer.close
        case .matmul?:
            lines += matmulLines()
        case .indexCopy(let dim)?:
            lines += indexCopyLines(dim)
        default:
            if !n.shape.isEmpty { outer = (0, n.shape[0]) }
            // rank >= 2: the last loop as segmentLines writes it, one range or those a split
            // concatenation's pads cut it into; in blocks where a load divides its variable
            // (a permuted view copied out, attention's heads put back side by side)
            let last = n.shape.count - 1
            if last >= 1 {
                let nest = KernelWriter.loops(Array(0..<last), n.shape, depth: 1)
                lines += nest.open
                for (start, end) in padSegments() { lines += segmentLines(start, end, depth: 1 + last) }
                lines += nest.close
                break
            }
            let v = value(root, at: variables)
            let nest = KernelWriter.loops(Array(n.shape.indices), n.shape, depth: 1)
            lines += nest.open
            lines += (body + ["out[\(flatIndex(variables, shape: n.shape))] = \(v);"]).map { indent(1 + n.shape.count) + $0 }
            lines += nest.close
        }
        if n.primitive != .matmul { lines = choice.annotate(lines) }
        var text = "// %\(root) = \(n.op)(\(n.inputs.map { "%\($0)" }.joined(separator: ", "))) : \(typeName(n.dtype, n.shape))\n"
        var pointers = ""
        for (k, i) in reads.enumerated() {
            let restrict = aliased ? "" : "restrict "
            pointers += graph.nodes[i].dtype == .int32 ? "    const int32_t *\(restrict)v\(i) = (const int32_t *)b[\(k)];\n"
                                                       : "    const float *\(restrict)v\(i) = b[\(k)];\n"
        }
        pointers += "    float *\(aliased ? "" : "restrict ")out = b[\(reads.count)];\n"
        var parallel = false
        if let outer, choice.split, n.primitive != .matmul, n.primitive?.name != "indexCopy", outer.size > 1, work >= KernelWriter.parallelThreshold { parallel = true }
        if usesRange, !parallel, let outer {
            lines.insert("    const int64_t lo = 0, hi = \(outer.size);", at: 0)    // one thread: the whole range
        }
        if n.primitive == .matmul, n.shape.dropLast(2).reduce(1, *) > 1 {
            // a batch of products: each thread of brrr's pool runs whole products of a range
            // of the batch, one SGEMM thread each (one wake-up for all, no product split)
            text += "struct k\(root)_context { float *const *b; const pt2_runtime *rt; };\n\n"
            text += "static void k\(root)_part(void *context, int thread, int threads) {\n"
            text += "    float *const *b = ((const struct k\(root)_context *)context)->b;\n"
            text += "    const pt2_runtime *rt = ((const struct k\(root)_context *)context)->rt;\n"
            text += pointers + lines.joined(separator: "\n") + "\n}\n\n"
            text += "void k\(root)(float *const *b, const pt2_runtime *rt) {\n"
            text += "    struct k\(root)_context context = {b, rt};\n"
            text += "    rt->parallel(rt->threads, k\(root)_part, &context);\n}\n"
        } else if parallel, let outer {
            // big enough to split: each thread of brrr's pool runs a range of the outer loop
            let first = "for (int64_t i\(outer.dim) = 0; i\(outer.dim) < \(outer.size); i\(outer.dim)++) {"
            if let at = lines.firstIndex(where: { $0.hasSuffix(first) }) {
                lines[at] = String(lines[at].dropLast(first.count)) + "for (int64_t i\(outer.dim) = lo; i\(outer.dim) < hi; i\(outer.dim)++) {"
            }
            text += "static void k\(root)_part(void *context, int thread, int threads) {\n"
            text += "    float *const *b = (float *const *)context;\n"
            text += "    const int64_t lo = \(outer.size) * (int64_t)thread / threads, hi = \(outer.size) * (int64_t)(thread + 1) / threads;\n"
            text += pointers + lines.joined(separator: "\n") + "\n}\n\n"
            text += "void k\(root)(float *const *b, const pt2_runtime *rt) {\n"
            text += "    rt->parallel(rt->threads, k\(root)_part, (void *)b);\n}\n"
        } else {
            text += "void k\(root)(float *const *b, const pt2_runtime *rt) {\n" + pointers
            if n.primitive != .matmul { text += "    (void)rt;\n" }
            text += lines.joined(separator: "\n") + "\n}\n"
        }
        return Kernel(name: "k\(root)", node: root, reads: reads, source: text)
    }

    /// An elementwise kernel that reads pads of its own shape along the last dim (a
    /// concatenation: the qkv gradient, dq, dk and dv side by side, is a sum of three pads):
    /// the last loop split where a pad's input starts or ends, as (start, end) ranges. In
    /// each, every pad bound is decided (`value` drops the check or the read). One range
    /// when there is nothing to split.
    func padSegments() -> [(Int, Int)] {
        let n = graph.nodes[root], r = n.shape.count
        guard r >= 2 else { return [(0, n.shape.last ?? 1)] }
        var cuts: Set<Int> = [0, n.shape[r - 1]], seen: Set<Int> = [], stack = [root]
        while let i = stack.popLast() {
            guard seen.insert(i).inserted, i == root || !schedule.hasBuffer(i), schedule.realization[i] != .fused,
                  let p = graph.nodes[i].primitive, graph.nodes[i].shape == n.shape else { continue }
            switch p {
            case .pad(let flat):
                let before = flat[2 * (r - 1)], size = graph.nodes[graph.nodes[i].inputs[0]].shape[r - 1]
                if before != 0 || flat[2 * r - 1] != 0 { cuts.formUnion([before, before + size]) }
            case .unary, .binary, .select: stack += graph.nodes[i].inputs
            default: break
            }
        }
        let points = cuts.filter { $0 >= 0 && $0 <= n.shape[r - 1] }.sorted()
        return Array(zip(points, points.dropFirst()))
    }

    /// The last loop's range start..<end of a split elementwise kernel (`padSegments`; the
    /// whole last dim of one that is not split), as its own loop whose variable runs from 0
    /// (each pad's bound is then known from the ranges). Where a load's index still divides
    /// that variable by k (a view that merged dims, dv's heads), the range is two loops,
    /// blocks of k and the k inside, so the index is a sum again and the inner loop reads
    /// contiguous memory.
    mutating func segmentLines(_ start: Int, _ end: Int, depth: Int) -> [String] {
        let n = graph.nodes[root], last = n.shape.count - 1
        let saved = ranges
        defer { ranges = saved }
        func attempt(_ index: IndexExpr, _ loops: [(name: String, size: Int)]) -> (lines: [String], divisors: Set<Int>) {
            startLoopNest()
            for l in loops { ranges[l.name] = l.size }
            var at = n.shape.indices.map { IndexExpr.variable("i\($0)") }
            at[last] = index
            let v = value(root, at: at)
            var lines: [String] = []
            for (k, l) in loops.enumerated() { lines.append(indent(depth + k) + "for (int64_t \(l.name) = 0; \(l.name) < \(l.size); \(l.name)++) {") }
            lines += (body + ["out[\(flatIndex(at, shape: n.shape).simplified(ranges: ranges))] = \(v);"]).map { indent(depth + loops.count) + $0 }
            for k in loops.indices.reversed() { lines.append(indent(depth + k) + "}") }
            // divisions of the loop variable left in the loads
            var divisors = Set<Int>()
            let name = loops.last!.name
            for line in body where line.contains(name) {
                for m in line.matches(of: #/[\/%] (\d+)/#) { if let k = Int(m.output.1) { divisors.insert(k) } }
            }
            return (lines, divisors)
        }
        // the whole dim (a kernel that is not split) loops as the plain nest does, over i<last>
        let whole = start == 0 && end == n.shape[last]
        let j = whole ? "i\(last)" : "j\(last)", len = end - start
        let single = attempt(whole ? .variable(j) : .variable(j) + .constant(start), [(j, len)])
        guard let k = single.divisors.max(), k > 1, len % k == 0, len > k else { return single.lines }
        let (b, e) = ("b\(last)", "e\(last)")
        let blocked = attempt(.variable(b) * k + .variable(e) + .constant(start), [(b, len / k), (e, k)])
        return blocked.divisors.isEmpty ? blocked.lines : single.lines
    }

    /// Whether a row of `extent` elements takes its max in 16 lanes (`maxInLanes`).
    static func maxFitsLanes(_ extent: Int) -> Bool { extent >= 32 && extent % 16 == 0 }

    /// A row's max in 16 lanes (GCC vectorizes no fmaxf reduction without
    /// -ffinite-math-only), left in `acc`: lane c takes elements c, c + 16, ...; a lane keeps
    /// the larger and drops NaN as fmaxf does, so the row's max is the same. `v` is the
    /// element at i<last> (computed by `body`), the lines start at `depth` loops deep.
    func maxInLanes(_ acc: String, _ v: String, last: Int, extent: Int, depth: Int, columns: (start: String, end: String)? = nil) -> [String] {
        let pad = indent(depth), deep = indent(depth + 2), lanes = "\(acc)_lanes"
        var lines = [pad + "float \(lanes)[16];", pad + "for (int64_t c = 0; c < 16; c++) \(lanes)[c] = (-INFINITY);"]
        lines.append(pad + "for (int64_t i\(last)o = \(columns?.start ?? "0"); i\(last)o < \(columns?.end ?? "\(extent)"); i\(last)o += 16) {")
        lines.append(pad + "    for (int64_t c = 0; c < 16; c++) {")
        lines.append(deep + "const int64_t i\(last) = i\(last)o + c;")
        lines += (body + ["\(lanes)[c] = \(v) > \(lanes)[c] || \(lanes)[c] != \(lanes)[c] ? \(v) : \(lanes)[c];"]).map { deep + $0 }
        lines.append(pad + "    }")
        lines.append(pad + "}")
        lines.append(pad + "float \(acc) = \(lanes)[0];")
        lines.append(pad + "for (int64_t c = 1; c < 16; c++) \(acc) = fmaxf(\(acc), \(lanes)[c]);")
        return lines
    }

    /// Whether a reduction of `axes` over `x` keeps x's last dim (a sum over rows, per
    /// column: a bias's gradient): its reduced dims are not innermost, and the per-row loop
    /// nest would read memory at a stride. Only where the kept dims after the last reduced one
    /// (the columns) fit one array of accumulators on the stack.
    static func isColumnReduction(_ axes: [Int], _ x: [Int]) -> Bool {
        guard let last = axes.max(), last < x.count - 1 else { return false }
        return x[(last + 1)...].reduce(1, *) <= 4096
    }

    /// A column reduction: for each index of the kept dims before the last reduced one (the
    /// prefix), an array of accumulators, one per column (the kept dims after it); the reduced
    /// dims loop outside the columns, so the innermost loop walks contiguous columns (each
    /// column still adds its rows in order). Split across threads by the prefix's first dim,
    /// else by the first column dim (`ranged`: every loop over it runs over lo..<hi).
    mutating func columnReductionLines(_ op: Reduction, _ axes: [Int], _ x: [Int]) -> (lines: [String], split: (dim: Int, size: Int), ranged: Bool) {
        let n = graph.nodes[root]
        let last = axes.max()!
        let columns = Array((last + 1)..<x.count), prefix = x.indices.filter { !axes.contains($0) && $0 < last }
        let xIndex = x.indices.map { IndexExpr.variable("i\($0)") }
        let split = (dim: prefix.first ?? columns[0], size: x[prefix.first ?? columns[0]])
        func columnLoops(depth: Int) -> (open: [String], close: [String]) {
            var nest = KernelWriter.loops(columns, x, depth: depth)
            if prefix.isEmpty {
                nest.open[0] = indent(depth) + "for (int64_t i\(split.dim) = lo; i\(split.dim) < hi; i\(split.dim)++) {"
            }
            return nest
        }
        let rows = KernelWriter.loops(prefix, x, depth: 1)
        let depth = 1 + prefix.count
        let count = columns.map { x[$0] }.reduce(1, *)
        let column = flatIndex(columns.map { xIndex[$0] }, shape: columns.map { x[$0] })
        var lines = rows.open
        lines.append(indent(depth) + "float acc[\(count)];")
        lines.append(indent(depth) + "for (int64_t c = 0; c < \(count); c++) acc[c] = \(op == .sum ? "0.0f" : "(-INFINITY)");")
        let reduced = KernelWriter.loops(axes.sorted(), x, depth: depth)
        let inner = columnLoops(depth: depth + axes.count)
        let v = value(n.inputs[0], at: xIndex)
        let step = op == .sum ? "acc[\(column)] += \(v);" : "acc[\(column)] = fmaxf(acc[\(column)], \(v));"
        lines += reduced.open + inner.open
        lines += (body + [step]).map { indent(depth + axes.count + columns.count) + $0 }
        lines += inner.close + reduced.close
        let store = columnLoops(depth: depth)
        let outIndex = flatIndex(x.indices.map { axes.contains($0) ? .constant(0) : xIndex[$0] }, shape: n.shape)
        lines += store.open
        lines.append(indent(depth + columns.count) + "out[\(outIndex)] = acc[\(column)];")
        lines += store.close
        lines += rows.close
        return (lines, split, prefix.isEmpty)
    }

    /// An indexCopy along `dim`: every element of the destination copied (unless the kernel
    /// writes in place, into the destination's own buffer), then each slice j of the source
    /// stored at position index[j] (checked in range before the call).
    mutating func indexCopyLines(_ dim: Int) -> [String] {
        let n = graph.nodes[root]
        let (dst, index, src) = (n.inputs[0], n.inputs[1], n.inputs[2])
        let vars = n.shape.indices.map { IndexExpr.variable("i\($0)") }
        var lines: [String] = []
        if !aliased {
            let v = value(dst, at: vars)
            let copy = KernelWriter.loops(Array(n.shape.indices), n.shape, depth: 1)
            lines += copy.open
            lines += (body + ["out[\(flatIndex(vars, shape: n.shape))] = \(v);"]).map { indent(1 + n.shape.count) + $0 }
            lines += copy.close
            startLoopNest()
        }
        let srcShape = graph.nodes[src].shape
        var srcIndex = vars, outIndex = vars
        srcIndex[dim] = .variable("j")
        outIndex[dim] = .variable("p")
        ranges = KernelWriter.ranges(srcShape)
        ranges["i\(dim)"] = nil
        ranges["j"] = srcShape[dim]
        let positions = buffer(index)
        let sv = value(src, at: srcIndex)
        let others = srcShape.indices.filter { $0 != dim }
        let nest = KernelWriter.loops(others, srcShape, depth: 2)
        lines.append("    for (int64_t j = 0; j < \(srcShape[dim]); j++) {")
        lines.append("        const int64_t p = \(positions)[j];")
        lines += nest.open
        lines += (body + ["out[\(flatIndex(outIndex, shape: n.shape))] = \(sv);"]).map { indent(2 + others.count) + $0 }
        lines += nest.close
        lines.append("    }")
        return lines
    }

    /// The part of each row a row kernel computes, when its output is known (0 or -inf) in a
    /// band of its last two dims (a causal softmax's probabilities, their gradient) and each
    /// fused reduction's operand is the reduction's identity there (0 for a sum, -inf for a
    /// max): the columns from `start` to `end` of row `i<last - 1>`, in multiples of 16 (the
    /// lanes of a max); the rest of the row is stored as the known value. Computing more
    /// columns than the band leaves would give the same floats, so the rounding is free.
    func bandedColumns(_ group: [Int], x: [Int]) -> (start: String, end: String, fill: Float)? {
        let last = x.count - 1
        guard x.count >= 2, graph.nodes[root].shape == x, let k = schedule.known[root] else { return nil }
        for r in group {
            guard case .reduce(let op, let axes)? = graph.nodes[r].primitive, axes == [last],
                  let u = schedule.known[graph.nodes[r].inputs[0]], u.band.upper == k.band.upper, u.band.offset <= k.band.offset,
                  u.value == (op == .sum ? 0 : -Float.infinity) else { return nil }
        }
        let (row, n, o) = ("i\(last - 1)", x[last], k.band.offset)
        // upper: row r needs columns c <= r + o; lower: c >= r - o
        if k.band.upper { return ("0", "pt2_min(\(n), (\(row) + \(o + 1) + 15) / 16 * 16)", k.value) }
        return ("pt2_max(0, (\(row) - \(o)) / 16 * 16)", "\(n)", k.value)
    }

    /// The kernel of an elementwise node with reductions fused in (`group`, which reduce the
    /// same axes of the same shape x): a loop over the kept dims of x; inside it each
    /// reduction in turn over the reduced dims into a register `accN`, then the node itself,
    /// over the reduced dims again (it runs over x) or once (it runs over the reduced shape).
    mutating func fusedLines(_ group: [Int]) -> (lines: [String], x: [Int], kept: [Int]) {
        let n = graph.nodes[root]
        guard case .reduce(_, let axes)? = graph.nodes[group[0]].primitive else { fail("codegen: %\(group[0]) fused into %\(root) is not a reduction") }
        let x = graph.nodes[graph.nodes[group[0]].inputs[0]].shape
        let xIndex = x.indices.map { IndexExpr.variable("i\($0)") }
        let kept = x.indices.filter { !axes.contains($0) }
        let depth = 1 + kept.count
        ranges = KernelWriter.ranges(x)
        let rows = KernelWriter.loops(kept, x, depth: 1), whole = KernelWriter.loops(axes.sorted(), x, depth: depth)
        var lines = rows.open
        let last = x.count - 1
        // a band of each row skipped (Bands.swift): the reduced loops run from start to end
        let columns = bandedColumns(group, x: x)
        let inner = columns.map { c in
            (open: [indent(depth) + "for (int64_t i\(last) = \(c.start); i\(last) < \(c.end); i\(last)++) {"], close: [indent(depth) + "}"])
        } ?? whole
        for r in group {
            guard case .reduce(let op, _)? = graph.nodes[r].primitive else { continue }
            startLoopNest()
            let input = graph.nodes[r].inputs[0]
            let v = value(input, at: xIndex)
            if op == .max, axes == [last], KernelWriter.maxFitsLanes(x[last]) {
                lines += maxInLanes("acc\(r)", v, last: last, extent: x[last], depth: depth, columns: columns.map { ($0.start, $0.end) })
                continue
            }
            var step = [op == .sum ? "acc\(r) += \(v);" : "acc\(r) = fmaxf(acc\(r), \(v));"]
            if op == .sum, axes == [last], n.shape == x, x[last] <= KernelWriter.rowCacheLimit,
               !schedule.hasBuffer(input), schedule.realization[input] != .fused {
                // a sum over rows of a value computed here (softmax's exp): each element is
                // kept in a row on the stack, and the node's own loop below reads it there
                // instead of computing it again
                lines.append(indent(depth) + "float row\(r)[\(x[last])];")
                step.insert("row\(r)[i\(last)] = \(v);", at: 0)
                cachedRows[KernelWriter.key(input, xIndex)] = "row\(r)[i\(last)]"
            }
            lines.append(indent(depth) + "float acc\(r) = \(op == .sum ? "0.0f" : "(-INFINITY)");")
            lines += inner.open
            lines += (body + step).map { indent(depth + axes.count) + $0 }
            lines += inner.close
        }
        startLoopNest()
        if n.shape == x {
            let v = value(root, at: xIndex)
            lines += inner.open
            lines += (body + ["out[\(flatIndex(xIndex, shape: n.shape))] = \(v);"]).map { indent(depth + axes.count) + $0 }
            lines += inner.close
            if let c = columns {
                let store = "out[\(flatIndex(xIndex, shape: n.shape))] = \(cLiteral(c.fill));"
                if c.start != "0" { lines.append(indent(depth) + "for (int64_t i\(last) = 0; i\(last) < \(c.start); i\(last)++) \(store)") }
                if c.end != "\(x[last])" { lines.append(indent(depth) + "for (int64_t i\(last) = \(c.end); i\(last) < \(x[last]); i\(last)++) \(store)") }
            }
        } else {
            let rowIndex = x.indices.map { axes.contains($0) ? IndexExpr.constant(0) : xIndex[$0] }
            let v = value(root, at: rowIndex)
            lines += (body + ["out[\(flatIndex(rowIndex, shape: n.shape))] = \(v);"]).map { indent(depth) + $0 }
        }
        lines += rows.close
        return (lines, x, kept)
    }

    /// A matmul [..., M, K] @ [..., K, N]: SGEMM per batch element, on the operands' strides.
    mutating func matmulLines() -> [String] {
        var s = schedule
        let n = graph.nodes[root]
        let a = s.stridedView(n.inputs[0]), b = s.stridedView(n.inputs[1])
        let r = n.shape.count, m = n.shape[r - 2], cols = n.shape[r - 1], k = a.shape[r - 1]
        let batch = Array(n.shape[0..<(r - 2)])
        let nest = KernelWriter.loops(Array(batch.indices), n.shape, depth: 1)
        let pad = indent(1 + batch.count)
        let vars = batch.indices.map { IndexExpr.variable("i\($0)") }
        func offset(_ v: StaticView) -> IndexExpr {
            var e = IndexExpr.constant(v.offset)
            for d in batch.indices { e = e + vars[d] * v.strides[d] }
            return e
        }
        let pa = buffer(a.base), pb = buffer(b.base)
        let co = flatIndex(vars + [.constant(0), .constant(0)], shape: n.shape)
        let count = batch.reduce(1, *)
        if count > 1 {
            // the batch as one range split across the pool (write() adds the pool's call):
            // product t of this thread's range has batch index t's digits
            var lines = ["    const int64_t lo = \(count) * (int64_t)thread / threads, hi = \(count) * (int64_t)(thread + 1) / threads;",
                         "    for (int64_t t = lo; t < hi; t++) {"]
            let strides = contiguousStrides(batch)
            for d in batch.indices {
                let digit = IndexExpr.variable("t") / strides[d]
                lines.append("        const int64_t i\(d) = \(d == 0 ? digit : digit % batch[d]);")
            }
            lines += product(threads: "1", a: "\(pa) + \(offset(a))", b: "\(pb) + \(offset(b))", c: "out + \(co)").map { indent(2) + $0 }
            lines.append("    }")
            return lines
        }
        var lines = nest.open
        lines += product(threads: "rt->threads", a: "\(pa) + \(offset(a))", b: "\(pb) + \(offset(b))", c: "out + \(co)").map { pad + $0 }
        lines += nest.close
        return lines

        /// One product C = A @ B of the batch; with a skip (Bands.swift), brrr's banded SGEMM,
        /// which leaves out the tiles of C that are dead and the k where A's rows or B's columns are 0.
        func product(threads: String, a pa: String, b pb: String, c pc: String) -> [String] {
            let (rsa, csa, rsb, csb) = (a.strides[r - 2], a.strides[r - 1], b.strides[r - 2], b.strides[r - 1])
            let args = "\(m), \(cols), \(k), \(pa), 0, \(rsa), \(csa),"
            let rest = "\(pb), 0, \(rsb), \(csb), \(pc), 0, \(cols)"
            guard let skip = schedule.skips[root] else {
                return ["rt->sgemm(rt->isa, \(threads), 1, \(args)", "          \(rest));"]
            }
            func band(_ b: Band?) -> String { b.map { "\($0.upper ? 1 : -1), \($0.offset)" } ?? "0, 0" }
            return ["rt->sgemm_band(rt->isa, \(threads), 1, \(args)",
                    "               \(rest), \(band(skip.zeroA)), \(band(skip.zeroB)), \(band(skip.deadOut)));"]
        }
    }
}

/// The whole program's C source and its kernels, in the order they run.
/// `inPlace`: the kernels whose output is a buffer they also read (an in-place write:
/// `CompiledProgram.inPlaceWrites`), written without `restrict`.
func generateSource(_ schedule: Schedule, choices: [Int: KernelChoice] = [:], inPlace: Set<Int> = []) -> (source: String, kernels: [Kernel]) {
    var kernels: [Kernel] = []
    for i in schedule.graph.nodes.indices where schedule.realization[i] == .kernel {
        var w = KernelWriter(schedule, root: i, choice: choices[i] ?? .standard)
        w.aliased = inPlace.contains(i)
        kernels.append(w.write())
    }
    return (cPrelude + kernels.map(\.source).joined(separator: "\n"), kernels)
}
