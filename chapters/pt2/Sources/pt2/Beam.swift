// Search (tinygrad's BEAM): with PICOGRAD_BEAM=N, each kernel's code-generation choices are
// searched when a program is lowered. A choice (`KernelChoice`) is how the innermost loops
// are unrolled and vectorised and whether a big kernel's rows are split across brrr's
// threads. The search is a beam: from the standard choice, every choice one move away
// (`beamMoves`) is compiled alone and timed on buffers of the kernel's shapes; the N fastest
// seen so far are the next round's beam; after a few rounds (or when no new choice is left)
// the fastest is kept. The choice is cached on disk by a hash of the kernel's standard source
// and the compiler, so a later process (or program) with the same kernel reads it instead of
// searching: what a cached kernel compiles to is the same from run to run.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One kernel's code-generation choices: what PICOGRAD_BEAM searches.
public struct KernelChoice: Hashable, Sendable, CustomStringConvertible {
    /// `#pragma GCC unroll` of the innermost loops (1: the compiler decides).
    public var unroll: Int
    /// `#pragma omp simd simdlen` of the innermost loops that carry no accumulator (0: the
    /// compiler decides).
    public var vectorWidth: Int
    /// Whether a kernel big enough to split (`KernelWriter.parallelThreshold`) runs ranges of
    /// its outer loop on brrr's threads, or all of it on one thread.
    public var split: Bool

    public init(unroll: Int, vectorWidth: Int, split: Bool) {
        (self.unroll, self.vectorWidth, self.split) = (unroll, vectorWidth, split)
    }

    /// What the code generator writes without a search.
    public static let standard = KernelChoice(unroll: 1, vectorWidth: 0, split: true)
    /// The values each field may take, in order (a move goes to a neighbour).
    public static let unrolls = [1, 2, 4, 8], vectorWidths = [0, 4, 8, 16]

    /// GCC takes one pragma before a loop: a choice unrolls or sets a vector width, not both.
    public var isValid: Bool {
        KernelChoice.unrolls.contains(unroll) && KernelChoice.vectorWidths.contains(vectorWidth) && (unroll == 1 || vectorWidth == 0)
    }

    /// Every choice there is.
    public static var all: [KernelChoice] {
        unrolls.flatMap { u in vectorWidths.flatMap { w in [true, false].map { KernelChoice(unroll: u, vectorWidth: w, split: $0) } } }.filter(\.isValid)
    }

    public var description: String { "unroll \(unroll) width \(vectorWidth) \(split ? "split" : "serial")" }

    /// A choice from its description (the cache file's line); nil for anything else.
    public init?(parsing text: String) {
        let parts = text.split(separator: " ").map(String.init)
        guard parts.count == 5, parts[0] == "unroll", parts[2] == "width", let u = Int(parts[1]), let w = Int(parts[3]),
              parts[4] == "split" || parts[4] == "serial" else { return nil }
        self.init(unroll: u, vectorWidth: w, split: parts[4] == "split")
        guard isValid else { return nil }
    }

    /// A kernel's lines with this choice's pragmas before each innermost loop.
    func annotate(_ lines: [String]) -> [String] {
        guard self != .standard else { return lines }
        func isLoop(_ l: String) -> Bool { l.drop { $0 == " " }.hasPrefix("for (") }
        var out: [String] = []
        for (i, line) in lines.enumerated() {
            if isLoop(line), i + 1 < lines.count, !isLoop(lines[i + 1]) {
                let pad = String(line.prefix { $0 == " " })
                // the loop's body: up to its closing brace at the same indentation
                let body = lines[(i + 1)...].prefix { $0 != pad + "}" }
                let accumulates = body.contains { $0.contains("acc") && ($0.contains("+=") || $0.contains("fmaxf(acc")) }
                if vectorWidth > 0 && !accumulates { out.append(pad + "#pragma omp simd simdlen(\(vectorWidth))") }
                if unroll > 1 { out.append(pad + "#pragma GCC unroll \(unroll)") }
            }
            out.append(line)
        }
        return out
    }
}

/// The BEAM move: the valid choices one step from `c`, each differing from it in one field,
/// moved to a neighbouring value.
public func beamMoves(_ c: KernelChoice) -> [KernelChoice] {
    // BEGIN SOLUTION pt2.6: unroll to the previous and the next of KernelChoice.unrolls (where there is one), vectorWidth likewise in KernelChoice.vectorWidths, and split flipped, in that order; keep only the valid ones (isValid)
    var out: [KernelChoice] = []
    if let i = KernelChoice.unrolls.firstIndex(of: c.unroll) {
        for j in [i - 1, i + 1] where KernelChoice.unrolls.indices.contains(j) { var d = c; d.unroll = KernelChoice.unrolls[j]; out.append(d) }
    }
    if let i = KernelChoice.vectorWidths.firstIndex(of: c.vectorWidth) {
        for j in [i - 1, i + 1] where KernelChoice.vectorWidths.indices.contains(j) { var d = c; d.vectorWidth = KernelChoice.vectorWidths[j]; out.append(d) }
    }
    var d = c
    d.split.toggle()
    out.append(d)
    return out.filter(\.isValid)
    // END SOLUTION pt2.6
}

extension CCompiler {
    /// The flags for one source: `selectedFlags`, with OpenMP's simd pragmas on when it has
    /// them, and for GCC without loop if-conversion when it has a short innermost loop
    /// (`shortLoopFlags`).
    static func flags(forSource source: String) -> [String] {
        var flags = source.contains("#pragma omp simd") ? selectedFlags + ["-fopenmp-simd"] : selectedFlags
        if selectedFlags.contains(gccFlags[0]) && hasShortInnermostLoop(source) { flags += shortLoopFlags }
        return flags
    }
}

/// The search and its cache.
public enum Beam {
    /// PICOGRAD_BEAM: how many choices each round keeps (0: no search).
    public static let width: Int = environment("PICOGRAD_BEAM").flatMap { Int($0) }.map { Swift.max(0, $0) } ?? 0
    /// Rounds of moves at most.
    static let rounds = 3

    /// The cache file of kernel `k`'s choice: a hash of its standard source and the compiler.
    static func cachePath(_ schedule: Schedule, kernel k: Int, compiler: String) -> String {
        var w = KernelWriter(schedule, root: k)
        let source = w.write().source
        return CCompiler.cacheDirectory + "/beam-" + CCompiler.hash(([compiler] + CCompiler.selectedFlags + [source]).joined(separator: "\n")) + ".txt"
    }

    /// Kernel k's choice: the cached one, else the fastest a beam of `width` finds (then
    /// cached). `timed`: how many choices were compiled and timed (0 when cached).
    static func search(_ schedule: Schedule, kernel k: Int, width: Int, compiler: String) -> (choice: KernelChoice, timed: Int) {
        let node = schedule.graph.nodes[k]
        // SGEMM calls and int32 positions: nothing to choose
        if node.primitive == .matmul || node.primitive?.name == "indexCopy" { return (.standard, 0) }
        let path = cachePath(schedule, kernel: k, compiler: compiler)
        if let text = CCompiler.read(path), let c = KernelChoice(parsing: text.trimmingWhitespace()) { return (c, 0) }
        var times: [KernelChoice: Double] = [:]
        let inputs = buffers(schedule, kernel: k)
        defer { for b in inputs { b.deallocate() } }
        func time(_ c: KernelChoice) { times[c] = measure(schedule, kernel: k, choice: c, compiler: compiler, buffers: inputs) }
        time(.standard)
        var beam: [KernelChoice] = [.standard]
        for _ in 0..<rounds {
            let fresh = Set(beam.flatMap(beamMoves)).subtracting(times.keys).sorted { $0.description < $1.description }
            if fresh.isEmpty { break }
            for c in fresh { time(c) }
            beam = Array(times.sorted { ($0.value, $0.key.description) < ($1.value, $1.key.description) }.prefix(Swift.max(1, width)).map(\.key))
        }
        let best = times.min { ($0.value, $0.key.description) < ($1.value, $1.key.description) }!.key
        CCompiler.write(best.description + "\n", to: path)
        return (best, times.count)
    }

    /// One buffer per read and one for the output, of the nodes' sizes, holding values in
    /// [0.5, 1.5) (inside every op's domain).
    static func buffers(_ schedule: Schedule, kernel k: Int) -> [UnsafeMutablePointer<Float>] {
        var w = KernelWriter(schedule, root: k)
        let kernel = w.write()
        return (kernel.reads + [k]).map { i in
            let count = Swift.max(1, schedule.graph.nodes[i].shape.reduce(1, *))
            let b = UnsafeMutablePointer<Float>.allocate(capacity: count)
            for j in 0..<count { b[j] = 0.5 + Float(j % 97) / 97 }
            return b
        }
    }

    /// Kernel k with `choice`, compiled alone: its best time of a few runs, in seconds.
    static func measure(_ schedule: Schedule, kernel k: Int, choice: KernelChoice, compiler: String,
                        buffers: [UnsafeMutablePointer<Float>]) -> Double {
        var w = KernelWriter(schedule, root: k, choice: choice)
        let kernel = w.write()
        let source = cPrelude + kernel.source
        let object = LoadedObject(path: CCompiler.build(source, compiler: compiler, flags: CCompiler.flags(forSource: source)), names: [kernel.name])
        let entry = object.entries[0]
        let pointers: [UnsafeMutablePointer<Float>?] = buffers
        var best = Double.infinity
        for _ in 0..<5 {
            let start = monotonicSeconds()
            pointers.withUnsafeBufferPointer { entry($0.baseAddress!, UnsafeRawPointer(RuntimeTable.shared.pointer)) }
            best = Swift.min(best, monotonicSeconds() - start)
        }
        return best
    }
}

extension String {
    /// Without leading and trailing spaces and newlines.
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }
        return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}

extension CompiledProgram {
    /// Kernel node k's choice as PICOGRAD_BEAM=width finds it (cached on disk), and how many
    /// choices were timed to find it (0: read from the cache).
    public func searchChoice(kernel k: Int, width: Int) -> (choice: KernelChoice, timed: Int) {
        guard let compiler = CCompiler.selected else { fail("beam: no C compiler ($CC, cc or clang on the PATH)") }
        return Beam.search(schedule, kernel: k, width: width, compiler: compiler)
    }

    /// The file kernel node k's searched choice is cached in.
    public func choiceCachePath(kernel k: Int) -> String {
        Beam.cachePath(schedule, kernel: k, compiler: CCompiler.selected ?? "cc")
    }

    /// The same graph lowered with `choice` for every kernel (no search).
    public func with(choice: KernelChoice) -> CompiledProgram {
        let all = Dictionary(uniqueKeysWithValues: kernels.map { ($0.node, choice) })
        return CompiledProgram(traced: traced, params: params, graphBreak: graphBreak, choices: all)
    }

    /// Runs the program on `args` (shapes as traced), compiled with the selected C compiler.
    public func callAsFunction(_ args: [Tensor]) -> [Tensor] {
        guard let compiler = CCompiler.selected else { fail("compile: no C compiler ($CC, cc or clang on the PATH)") }
        return run(args, compiler: compiler)
    }
}
