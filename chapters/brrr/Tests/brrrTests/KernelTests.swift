// Every primitive of CPUBackend (matmul and linear aside), for every instruction set this CPU
// runs, against dfdx's ReferenceBackend on the same host buffers: awkward sizes, transposed,
// sliced and broadcast (stride-0) views, int32 and block-format inputs, bad indices, and
// sizes big enough to be split over the thread pool.
import Testing
import brrr
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Deterministic values (a 64-bit LCG), in [lo, hi).
struct Values {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
    mutating func next(_ lo: Float = -3, _ hi: Float = 3) -> Float {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return lo + (hi - lo) * Float(state >> 40) / Float(1 << 24)
    }
}

let referenceBackend = ReferenceBackend()

/// A host buffer of `count` 4-byte elements filled by `value(i)`.
func hostBuffer(_ count: Int, _ value: (Int) -> UInt32) -> HostBuffer {
    let b = referenceBackend.allocator.allocate(byteCount: Swift.max(count, 1) * 4)
    let p = b.pointer.assumingMemoryBound(to: UInt32.self)
    for i in 0..<count { p[i] = value(i) }
    return b
}
func floatBuffer(_ values: [Float]) -> HostBuffer { hostBuffer(values.count) { values[$0].bitPattern } }
func words(_ b: any Buffer, _ count: Int) -> [UInt32] {
    let p = (b as! HostBuffer).pointer.assumingMemoryBound(to: UInt32.self)
    return (0..<count).map { p[$0] }
}
func floatsOf(_ b: any Buffer, _ count: Int) -> [Float] { words(b, count).map { Float(bitPattern: $0) } }

/// A view of `shape` with `strides` and `offset` on a fresh buffer just big enough, its
/// elements drawn from `draw`.
func makeView(_ shape: [Int], strides: [Int]? = nil, offset: Int = 0, dtype: DType = .float32,
              _ draw: () -> UInt32) -> StridedView {
    let strides = strides ?? contiguousStrides(shape)
    let count = shape.reduce(1, *)
    var reach = offset
    if count > 0 { for (n, s) in zip(shape, strides) { reach += (n - 1) * s } }
    let buffer = hostBuffer(reach + 1) { _ in draw() }
    return StridedView(buffer: buffer, dtype: dtype, shape: shape, strides: strides, offset: offset)
}

/// The layouts a view of `shape` is tried in: contiguous, transposed (the last two dims
/// swapped in memory), sliced (every other element, an offset), and broadcast (stride 0 on
/// one dim, then on all).
func layouts(_ shape: [Int]) -> [(name: String, strides: [Int], offset: Int)] {
    let r = shape.count
    var out: [(String, [Int], Int)] = [("contiguous", contiguousStrides(shape), 0)]
    guard r >= 1 else { return out }
    out.append(("sliced", contiguousStrides(shape).map { $0 * 2 }, 3))
    if r >= 2 {
        var t = shape; t.swapAt(r - 1, r - 2)
        var s = contiguousStrides(t); s.swapAt(r - 1, r - 2)
        out.append(("transposed", s, 0))
        var b = contiguousStrides(shape); b[r - 2] = 0
        out.append(("broadcast rows", b, 1))
        var c = contiguousStrides(Array(shape.dropLast()) + [1]); c[r - 1] = 0
        out.append(("broadcast columns", c, 0))
    }
    out.append(("broadcast all", [Int](repeating: 0, count: r), 2))
    return out
}

/// Shapes with the sizes the brief asks for (0, 1, 7, 17, 255, 1023, 65537+) and a few ranks.
let shapes: [[Int]] = [[0], [1], [7], [17], [255], [1023], [65541], [3, 0], [1, 1], [7, 17], [17, 255],
                       [2, 3, 4, 5], [1, 7, 1, 9]]

func bitsEqual(_ a: [UInt32], _ b: [UInt32]) -> Bool { a == b }

/// Max distance in units in the last place between two float arrays (NaN == NaN; inf == inf).
func maxUlp(_ a: [Float], _ b: [Float]) -> Int {
    var worst = 0
    for (x, y) in zip(a, b) {
        if x.isNaN && y.isNaN { continue }
        if x == y { continue }
        if x.isNaN || y.isNaN || x.isInfinite || y.isInfinite { return Int.max }
        func key(_ f: Float) -> Int { let b = Int(Int32(bitPattern: f.bitPattern)); return b < 0 ? Int(Int32.min) - b : b }
        worst = Swift.max(worst, abs(key(x) - key(y)))
    }
    return worst
}

@Suite("CPUBackend kernels vs the reference")
struct KernelTests {
    static let isas = CPUISA.supported

    @Test("fill float32 and int32", arguments: isas)
    func fill(_ isa: CPUISA) {
        let cpu = CPUBackend(isa: isa)
        for n in [0, 1, 7, 17, 65541] {
            for (dtype, value) in [(DType.float32, Float(-2.5)), (.float32, 0), (.int32, 7), (.int32, -3)] {
                let a = cpu.allocate(byteCount: n * 4), b = referenceBackend.allocate(byteCount: n * 4)
                cpu.fill(a, dtype: dtype, value: value)
                referenceBackend.fill(b, dtype: dtype, value: value)
                #expect(words(a, n) == words(b, n), "fill \(dtype) \(value) n=\(n) on \(isa)")
            }
        }
    }

    @Test("copy, strided to strided", arguments: isas)
    func copy(_ isa: CPUISA) {
        let cpu = CPUBackend(isa: isa)
        var g = Values(seed: 1)
        for shape in shapes {
            for (name, strides, offset) in layouts(shape) {
                let src = makeView(shape, strides: strides, offset: offset) { g.next().bitPattern }
                for (dname, ds, doff) in layouts(shape) where !dname.hasPrefix("broadcast") {
                    let n = src.count
                    let d1 = makeView(shape, strides: ds, offset: doff) { 0 }, d2 = makeView(shape, strides: ds, offset: doff) { 0 }
                    cpu.copy(src, to: d1)
                    referenceBackend.copy(src, to: d2)
                    let total = d1.buffer.byteCount / 4
                    #expect(words(d1.buffer, total) == words(d2.buffer, total), "copy \(shape) \(name) -> \(dname) (\(n)) on \(isa)")
                }
            }
        }
    }

    @Test("cast float32 <-> int32 (toward zero)", arguments: isas)
    func cast(_ isa: CPUISA) {
        let cpu = CPUBackend(isa: isa)
        var g = Values(seed: 2)
        for shape in shapes {
            for (name, strides, offset) in layouts(shape) {
                let n = shape.reduce(1, *)
                let x = makeView(shape, strides: strides, offset: offset) { g.next(-1e6, 1e6).bitPattern }
                let a = cpu.allocate(byteCount: n * 4), b = referenceBackend.allocate(byteCount: n * 4)
                cpu.cast(x, to: .int32, out: a)
                referenceBackend.cast(x, to: .int32, out: b)
                #expect(words(a, n) == words(b, n), "float32 -> int32 \(shape) \(name) on \(isa)")
                let xi = makeView(shape, strides: strides, offset: offset, dtype: .int32) {
                    UInt32(bitPattern: Int32(g.next(-3e9, 3e9).rounded(.towardZero).clamped()))
                }
                cpu.cast(xi, to: .float32, out: a)
                referenceBackend.cast(xi, to: .float32, out: b)
                #expect(words(a, n) == words(b, n), "int32 -> float32 \(shape) \(name) on \(isa)")
            }
        }
    }

    @Test("de-quantization of Q8_0, Q4_0, Q4_1", arguments: isas)
    func dequantize(_ isa: CPUISA) {
        let cpu = CPUBackend(isa: isa)
        var g = Values(seed: 3)
        for format in [DType.q8_0, .q4_0, .q4_1] {
            for (rows, k) in [(0, 32), (1, 32), (7, 64), (17, 4096 + 32)] {
                let x = quantizedTable(format, rows: rows, k: k, &g)
                let n = rows * k
                let a = cpu.allocate(byteCount: n * 4), b = referenceBackend.allocate(byteCount: n * 4)
                cpu.cast(x, to: .float32, out: a)
                referenceBackend.cast(x, to: .float32, out: b)
                #expect(words(a, n) == words(b, n), "\(format) [\(rows), \(k)] on \(isa)")
            }
        }
    }

    @Test("unary ops", arguments: isas)
    func unary(_ isa: CPUISA) {
        let cpu = CPUBackend(isa: isa)
        var g = Values(seed: 4)
        for op in UnaryOp.allCases {
            let (lo, hi): (Float, Float) = op == .log || op == .sqrt ? (0, 50) : op == .exp ? (-90, 90) : (-10, 10)
            for shape in shapes {
                for (name, strides, offset) in layouts(shape) {
                    let n = shape.reduce(1, *)
                    let x = makeView(shape, strides: strides, offset: offset) { g.next(lo, hi).bitPattern }
                    let a = cpu.allocate(byteCount: n * 4), b = referenceBackend.allocate(byteCount: n * 4)
                    cpu.unary(op, x, out: a)
                    referenceBackend.unary(op, x, out: b)
                    let ulp = maxUlp(floatsOf(a, n), floatsOf(b, n))
                    #expect(ulp <= (op == .exp || op == .log ? 2 : 0), "\(op) \(shape) \(name): \(ulp) ulp on \(isa)")
                }
            }
        }
    }

    @Test("exp and log: ulp error vs libm over wide ranges and special values", arguments: isas)
    func vectorMath(_ isa: CPUISA) {
        let cpu = CPUBackend(isa: isa)
        var special: [Float] = [0, -0, 1, -1, .infinity, -.infinity, .nan, 88, 88.72, 88.7228, 88.8, 89, -87, -88, -88.8,
                                -103, -103.9, -104, -110, .leastNonzeroMagnitude, .leastNormalMagnitude, Float(bitPattern: 0x0001_1234), Float(bitPattern: 0x0020_0000),
                                .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 0.5, 0.70710677, 0.7071068, 1.0000001, 0.99999994]
        // a sweep of bit patterns: every 4099th float (positive and negative), denormals included
        var bits: UInt32 = 0
        while bits < 0x7f80_0000 { special.append(Float(bitPattern: bits)); special.append(-Float(bitPattern: bits)); bits &+= 4099 }
        for x in stride(from: Float(-104), through: 90, by: 0.0137) { special.append(x) }
        let n = special.count
        let x = StridedView(contiguous: floatBuffer(special), shape: [n])
        var worst: [UnaryOp: Int] = [:]
        for op in [UnaryOp.exp, .log] {
            let a = cpu.allocate(byteCount: n * 4), b = referenceBackend.allocate(byteCount: n * 4)
            cpu.unary(op, x, out: a)
            referenceBackend.unary(op, x, out: b)
            worst[op] = maxUlp(floatsOf(a, n), floatsOf(b, n))
        }
        #expect(worst[.exp]! <= 2, "exp: \(worst[.exp]!) ulp from libm on \(isa)")
        #expect(worst[.log]! <= 2, "log: \(worst[.log]!) ulp from libm on \(isa)")
    }

    @Test("binary ops, float32 and int32, with broadcasting", arguments: isas)
    func binary(_ isa: CPUISA) {
        let cpu = CPUBackend(isa: isa)
        var g = Values(seed: 5)
        for op in BinaryOp.allCases {
            for shape in shapes {
                let ls = layouts(shape)
                for (i, l) in ls.enumerated() {
                    let r = ls[(i + 2) % ls.count]   // pair each layout with another
                    let n = shape.reduce(1, *)
                    let (lo, hi): (Float, Float) = op == .pow ? (0, 4) : (-3, 3)
                    // small integers so equality and ties happen
                    let a = makeView(shape, strides: l.strides, offset: l.offset) { (op == .cmpeq || op == .maximum ? g.next(-2, 2).rounded() : g.next(lo, hi)).bitPattern }
                    let b = makeView(shape, strides: r.strides, offset: r.offset) { (op == .cmpeq || op == .maximum ? g.next(-2, 2).rounded() : g.next(lo, hi)).bitPattern }
                    let o1 = cpu.allocate(byteCount: n * 4), o2 = referenceBackend.allocate(byteCount: n * 4)
                    cpu.binary(op, a, b, out: o1)
                    referenceBackend.binary(op, a, b, out: o2)
                    #expect(words(o1, n) == words(o2, n), "\(op) \(shape) \(l.name) with \(r.name) on \(isa)")
                    guard op == .add || op == .cmplt || op == .cmpeq else { continue }
                    let ai = makeView(shape, strides: l.strides, offset: l.offset, dtype: .int32) { UInt32(truncatingIfNeeded: Int(g.next(-4, 4))) }
                    let bi = makeView(shape, strides: r.strides, offset: r.offset, dtype: .int32) { UInt32(truncatingIfNeeded: Int(g.next(-4, 4))) }
                    cpu.binary(op, ai, bi, out: o1)
                    referenceBackend.binary(op, ai, bi, out: o2)
                    #expect(words(o1, n) == words(o2, n), "int32 \(op) \(shape) \(l.name) with \(r.name) on \(isa)")
                }
            }
        }
        // int32 add wraps, NaN in maximum and the comparisons
        let big = makeView([3], dtype: .int32) { UInt32(Int32.max) }
        let o1 = cpu.allocate(byteCount: 12), o2 = referenceBackend.allocate(byteCount: 12)
        cpu.binary(.add, big, big, out: o1)
        referenceBackend.binary(.add, big, big, out: o2)
        #expect(words(o1, 3) == words(o2, 3))
        let p = StridedView(contiguous: floatBuffer([.nan, 1, .nan, -0.0, 0]), shape: [5])
        let q = StridedView(contiguous: floatBuffer([1, .nan, .nan, 0, -0.0]), shape: [5])
        for op in [BinaryOp.maximum, .cmplt, .cmpeq, .add] {
            let o1 = cpu.allocate(byteCount: 20), o2 = referenceBackend.allocate(byteCount: 20)
            cpu.binary(op, p, q, out: o1)
            referenceBackend.binary(op, p, q, out: o2)
            #expect(words(o1, 5) == words(o2, 5), "\(op) with NaN and signed zeros on \(isa)")
        }
    }

    @Test("where", arguments: isas)
    func select(_ isa: CPUISA) {
        let cpu = CPUBackend(isa: isa)
        var g = Values(seed: 6)
        for shape in shapes {
            let ls = layouts(shape)
            for (i, l) in ls.enumerated() {
                let n = shape.reduce(1, *)
                let c = makeView(shape, strides: l.strides, offset: l.offset) { (g.next() < 0 ? Float(0) : g.next() < 0 ? -0.0 : 1).bitPattern }
                let a = makeView(shape, strides: ls[(i + 1) % ls.count].strides, offset: 1) { g.next().bitPattern }
                let b = makeView(shape, strides: ls[(i + 3) % ls.count].strides, offset: 0) { g.next().bitPattern }
                let o1 = cpu.allocate(byteCount: n * 4), o2 = referenceBackend.allocate(byteCount: n * 4)
                cpu.select(c, a, b, out: o1)
                referenceBackend.select(c, a, b, out: o2)
                #expect(words(o1, n) == words(o2, n), "where \(shape) \(l.name) on \(isa)")
            }
        }
    }

    @Test("sum and max over any axes", arguments: isas)
    func reduce(_ isa: CPUISA) {
        let cpu = CPUBackend(isa: isa)
        var g = Values(seed: 7)
        for op in Reduction.allCases {
            for shape in shapes + [[4, 40000], [40000, 3], [2, 3, 17, 33]] {
                let r = shape.count
                // every subset of axes for small ranks
                for mask in 0..<(1 << r) {
                    let axes = (0..<r).filter { mask & (1 << $0) != 0 }
                    for (name, strides, offset) in layouts(shape) {
                        let x = makeView(shape, strides: strides, offset: offset) { g.next().bitPattern }
                        var outShape = shape
                        for a in axes { outShape[a] = 1 }
                        let n = outShape.reduce(1, *)
                        let o1 = cpu.allocate(byteCount: n * 4), o2 = referenceBackend.allocate(byteCount: n * 4)
                        cpu.reduce(op, x, axes: axes, out: o1)
                        referenceBackend.reduce(op, x, axes: axes, out: o2)
                        let a = floatsOf(o1, n), b = floatsOf(o2, n)
                        if op == .max {
                            #expect(a == b, "max \(shape) axes \(axes) \(name) on \(isa)")
                        } else {
                            // another order of additions than the reference's: both against the exact sum
                            let (exact, magnitude) = exactSums(x, axes: axes)
                            for i in 0..<n {
                                let ours = abs(Double(a[i]) - exact[i]), theirs = abs(Double(b[i]) - exact[i])
                                #expect(ours <= Swift.max(theirs, 1e-6 * magnitude[i] + 1e-30),
                                        "sum \(shape) axes \(axes) \(name) on \(isa): \(a[i]) vs exact \(exact[i]) (reference \(b[i]))")
                                if ours > Swift.max(theirs, 1e-6 * magnitude[i] + 1e-30) { break }
                            }
                        }
                    }
                }
            }
        }
        // NaN propagates through max; max of nothing is -inf
        let x = StridedView(contiguous: floatBuffer((0..<100).map { $0 == 57 ? .nan : Float($0) }), shape: [100])
        let o = cpu.allocate(byteCount: 4)
        cpu.reduce(.max, x, axes: [0], out: o)
        #expect(floatsOf(o, 1)[0].isNaN)
        let empty = StridedView(contiguous: floatBuffer([]), shape: [3, 0])
        let o3 = cpu.allocate(byteCount: 12)
        cpu.reduce(.max, empty, axes: [1], out: o3)
        #expect(floatsOf(o3, 3) == [-.infinity, -.infinity, -.infinity])
        cpu.reduce(.sum, empty, axes: [1], out: o3)
        #expect(floatsOf(o3, 3) == [0, 0, 0])
    }

    @Test("a big sum keeps its accuracy (blocked summation)", arguments: isas)
    func sumAccuracy(_ isa: CPUISA) {
        let cpu = CPUBackend(isa: isa)
        let n = 1 << 22
        let x = StridedView(contiguous: hostBuffer(n) { _ in Float(0.1).bitPattern }, shape: [n])
        let o = cpu.allocate(byteCount: 4)
        cpu.reduce(.sum, x, axes: [0], out: o)
        let exact = Double(Float(0.1)) * Double(n)
        #expect(abs(Double(floatsOf(o, 1)[0]) - exact) / exact < 1e-5)
    }

    @Test("gather, scatterAdd, indexCopy", arguments: isas)
    func indexing(_ isa: CPUISA) {
        let cpu = CPUBackend(isa: isa)
        var g = Values(seed: 8)
        for shape in [[7], [17, 33], [4, 5, 6], [3, 12000], [1, 1]] {
            for dim in 0..<shape.count {
                for (name, strides, offset) in layouts(shape) {
                    let x = makeView(shape, strides: strides, offset: offset) { g.next().bitPattern }
                    var ishape = shape
                    ishape[dim] = shape[dim] + 2
                    for i in 0..<ishape.count where i != dim { ishape[i] = Swift.max(1, shape[i] - 1) }
                    let size = shape[dim]
                    // index through its own layouts too (sliced, transposed)
                    for (iname, istrides, ioffset) in layouts(ishape) where iname != "broadcast all" {
                        let index = makeView(ishape, strides: istrides, offset: ioffset, dtype: .int32) {
                            UInt32(Int(g.next(0, Float(size))) % size)
                        }
                        let n = index.count
                        let o1 = cpu.allocate(byteCount: n * 4), o2 = referenceBackend.allocate(byteCount: n * 4)
                        cpu.gather(x, dim: dim, index: index, out: o1)
                        referenceBackend.gather(x, dim: dim, index: index, out: o2)
                        #expect(words(o1, n) == words(o2, n), "gather \(shape) dim \(dim) \(name), index \(iname) on \(isa)")
                        // scatterAdd: src of index's shape into zeros of x's shape
                        let src = makeView(ishape) { g.next().bitPattern }
                        let m = shape.reduce(1, *)
                        let s1 = cpu.allocate(byteCount: m * 4), s2 = referenceBackend.allocate(byteCount: m * 4)
                        cpu.fill(s1, dtype: .float32, value: 0)
                        referenceBackend.fill(s2, dtype: .float32, value: 0)
                        cpu.scatterAdd(src, dim: dim, index: index, into: s1, outShape: shape)
                        referenceBackend.scatterAdd(src, dim: dim, index: index, into: s2, outShape: shape)
                        #expect(words(s1, m) == words(s2, m), "scatterAdd \(shape) dim \(dim), index \(iname) on \(isa)")
                    }
                    // indexCopy: a source with k slices along dim, written at k indices of a strided destination
                    if name == "contiguous" || name == "sliced" || name == "transposed" {
                        let k = Swift.min(size, 3)
                        var sshape = shape
                        sshape[dim] = k
                        let ids = makeView([k], strides: [2], offset: 1, dtype: .int32) { UInt32(Int(g.next(0, Float(size))) % size) }
                        let src = makeView(sshape, strides: layouts(sshape)[2 % layouts(sshape).count].strides) { g.next().bitPattern }
                        let d1 = makeView(shape, strides: strides, offset: offset) { 0 }
                        let d2 = makeView(shape, strides: strides, offset: offset) { 0 }
                        cpu.indexCopy(src, dim: dim, index: ids, into: d1)
                        referenceBackend.indexCopy(src, dim: dim, index: ids, into: d2)
                        let total = d1.buffer.byteCount / 4
                        #expect(words(d1.buffer, total) == words(d2.buffer, total), "indexCopy \(shape) dim \(dim) \(name) on \(isa)")
                    }
                }
            }
        }
    }

    @Test("embedding, float32 (strided tables) and block formats", arguments: isas)
    func embedding(_ isa: CPUISA) {
        let cpu = CPUBackend(isa: isa)
        var g = Values(seed: 9)
        for (rows, d) in [(1, 1), (7, 17), (50, 255), (1000, 64)] {
            for (name, strides, offset) in layouts([rows, d]) where !name.hasPrefix("broadcast") {
                let table = makeView([rows, d], strides: strides, offset: offset) { g.next().bitPattern }
                for idsShape in [[0], [1], [5], [3, 7], [600]] {
                    let ids = makeView(idsShape, dtype: .int32) { UInt32(Int(g.next(0, Float(rows))) % rows) }
                    let n = ids.count * d
                    let o1 = cpu.allocate(byteCount: n * 4), o2 = referenceBackend.allocate(byteCount: n * 4)
                    cpu.embedding(table, ids: ids, out: o1)
                    referenceBackend.embedding(table, ids: ids, out: o2)
                    #expect(words(o1, n) == words(o2, n), "embedding [\(rows), \(d)] \(name) ids \(idsShape) on \(isa)")
                }
            }
        }
        for format in [DType.q8_0, .q4_0, .q4_1] {
            let (rows, d) = (100, 96)
            let table = quantizedTable(format, rows: rows, k: d, &g)
            let ids = makeView([40, 20], strides: [1, 40], dtype: .int32) { UInt32(Int(g.next(0, Float(rows))) % rows) }
            let n = ids.count * d
            let o1 = cpu.allocate(byteCount: n * 4), o2 = referenceBackend.allocate(byteCount: n * 4)
            cpu.embedding(table, ids: ids, out: o1)
            referenceBackend.embedding(table, ids: ids, out: o2)
            #expect(words(o1, n) == words(o2, n), "embedding of a \(format) table on \(isa)")
        }
    }

    @Test("a threaded size gives the single-thread answer", arguments: isas)
    func threaded(_ isa: CPUISA) {
        let cpu = CPUBackend(isa: isa)
        var g = Values(seed: 10)
        let n = 1 << 20
        let x = makeView([n]) { g.next().bitPattern }, y = makeView([1024, 1024], strides: [1, 1024]) { g.next().bitPattern }
        let xv = StridedView(buffer: x.buffer, shape: [1024, 1024], strides: [1024, 1], offset: 0)
        let o1 = cpu.allocate(byteCount: n * 4), o2 = referenceBackend.allocate(byteCount: n * 4)
        cpu.binary(.mul, xv, y, out: o1)
        referenceBackend.binary(.mul, xv, y, out: o2)
        #expect(words(o1, n) == words(o2, n))
        cpu.unary(.exp, xv, out: o1)
        referenceBackend.unary(.exp, xv, out: o2)
        #expect(maxUlp(floatsOf(o1, n), floatsOf(o2, n)) <= 2)
        for axes in [[0], [1]] {
            let r1 = cpu.allocate(byteCount: 4096), r2 = referenceBackend.allocate(byteCount: 4096)
            cpu.reduce(.max, y, axes: axes, out: r1)
            referenceBackend.reduce(.max, y, axes: axes, out: r2)
            #expect(words(r1, 1024) == words(r2, 1024), "max over \(axes)")
        }
    }

    @Test("ops through tensors on .cpu match .reference")
    func tensors() {
        let x = Tensor.rand([64, 300]) * 4 + 0.01, r = x.to(.reference)
        func close(_ a: Tensor, _ b: Tensor) -> Bool {
            zip(a.toArray(), b.toArray()).allSatisfy { abs($0 - $1) <= 1e-5 + 1e-4 * abs($1) }
        }
        #expect(close(x.exp().sum(dim: 1), r.exp().sum(dim: 1)))
        #expect(close(x.transpose(0, 1).log().sum(dim: 0), r.transpose(0, 1).log().sum(dim: 0)))
        #expect(close(x.max(dim: 0), r.max(dim: 0)))
    }
}

/// The exact (double) sums of x over `axes`, and the sums of magnitudes, in output order.
func exactSums(_ x: StridedView, axes: [Int]) -> ([Double], [Double]) {
    var outShape = x.shape
    for a in axes { outShape[a] = 1 }
    let outStrides = contiguousStrides(outShape)
    let n = outShape.reduce(1, *)
    var exact = [Double](repeating: 0, count: n), magnitude = exact
    let p = (x.buffer as! HostBuffer).floats
    let total = x.count
    var index = [Int](repeating: 0, count: x.shape.count)
    for _ in 0..<total {
        var a = x.offset, o = 0
        for d in 0..<index.count {
            a += index[d] * x.strides[d]
            if !axes.contains(d) { o += index[d] * outStrides[d] }
        }
        exact[o] += Double(p[a]); magnitude[o] += abs(Double(p[a]))
        var d = index.count - 1
        while d >= 0 { index[d] += 1; if index[d] < x.shape[d] { break }; index[d] = 0; d -= 1 }
    }
    return (exact, magnitude)
}

/// A [rows, k] table in `format` with random scales and quants.
func quantizedTable(_ format: DType, rows: Int, k: Int, _ g: inout Values) -> StridedView {
    let bytes = format.byteCount(of: rows * k)
    let buffer = referenceBackend.allocator.allocate(byteCount: Swift.max(bytes, 1))
    let p = buffer.pointer.assumingMemoryBound(to: UInt8.self)
    for i in 0..<bytes { p[i] = UInt8(truncatingIfNeeded: Int(g.next(0, 256))) }
    // sane scales: halves with exponents near 1 (d ~ 0.01 .. 1), m likewise, one subnormal
    let block = format.block.bytes
    for b in 0..<(bytes / block) {
        let base = p + b * block
        base[1] = UInt8(0x20 + Int(g.next(0, 16))) | (b % 2 == 0 ? 0 : 0x80)
        if b == 1 { base[1] = 0x01 }
        if format == .q4_1 { base[3] = UInt8(0x30 + Int(g.next(0, 8))) }
    }
    return StridedView(contiguous: buffer, dtype: format, shape: [rows, k])
}

extension Float {
    /// The nearest value an Int32 holds.
    func clamped() -> Float { Swift.min(Swift.max(self, -2_147_483_520), 2_147_483_520) }
}

@Suite("CPUBackend kernels: bad indices stop with the reference's message")
struct KernelErrorTests {
    @Test func gatherOutOfRange() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            for isa in CPUISA.supported {
                let x = StridedView(contiguous: floatBuffer([1, 2, 3, 4, 5, 6]), shape: [2, 3])
                let index = StridedView(contiguous: hostBuffer(4) { [0, 2, 3, 1][$0] }, dtype: .int32, shape: [2, 2])
                CPUBackend(isa: isa).gather(x, dim: 1, index: index, out: referenceBackend.allocate(byteCount: 16))
            }
        }
        #expect(stderrText(r).contains("gather: index 3 is out of bounds for dim 1 with size 3 (input shape [2, 3])"))
    }

    @Test func gatherThreadedReportsTheFirst() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let n = 1 << 18
            let x = StridedView(contiguous: hostBuffer(10) { _ in 0 }, shape: [10])
            let index = StridedView(contiguous: hostBuffer(n) { $0 == 200_000 ? 11 : $0 == 250_000 ? 12 : UInt32($0 % 10) },
                                    dtype: .int32, shape: [n])
            CPUBackend(isa: CPUISA.best).gather(x, dim: 0, index: index, out: referenceBackend.allocate(byteCount: n * 4))
        }
        #expect(stderrText(r).contains("gather: index 11 is out of bounds for dim 0 with size 10 (input shape [10])"))
    }

    @Test func scatterAddOutOfRange() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let src = StridedView(contiguous: floatBuffer([1, 2]), shape: [2])
            let index = StridedView(contiguous: hostBuffer(2) { UInt32(bitPattern: [Int32(1), -1][$0]) }, dtype: .int32, shape: [2])
            CPUBackend(isa: CPUISA.best).scatterAdd(src, dim: 0, index: index, into: referenceBackend.allocate(byteCount: 12), outShape: [3])
        }
        #expect(stderrText(r).contains("scatterAdd: index -1 is out of bounds for dim 0 with size 3 (output shape [3])"))
    }

    @Test func indexCopyOutOfRange() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let dst = StridedView(contiguous: floatBuffer([0, 0, 0, 0, 0, 0]), shape: [3, 2])
            let src = StridedView(contiguous: floatBuffer([1, 2]), shape: [1, 2])
            let index = StridedView(contiguous: hostBuffer(1) { _ in 3 }, dtype: .int32, shape: [1])
            CPUBackend(isa: CPUISA.best).indexCopy(src, dim: 0, index: index, into: dst)
        }
        #expect(stderrText(r).contains("indexCopy: index 3 is out of range for dim 0 with size 3 (shape [3, 2])"))
    }

    @Test func embeddingOutOfRange() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let table = StridedView(contiguous: floatBuffer([1, 2, 3, 4]), shape: [2, 2])
            let ids = StridedView(contiguous: hostBuffer(3) { [0, 1, 2][$0] }, dtype: .int32, shape: [3])
            CPUBackend(isa: CPUISA.best).embedding(table, ids: ids, out: referenceBackend.allocate(byteCount: 24))
        }
        #expect(stderrText(r).contains("embedding: id 2 is out of range for a table of shape [2, 2]"))
    }

    @Test func quantizedEmbeddingOutOfRange() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var g = Values(seed: 1)
            let table = quantizedTable(.q8_0, rows: 2, k: 32, &g)
            let ids = StridedView(contiguous: hostBuffer(1) { _ in UInt32(bitPattern: -5) }, dtype: .int32, shape: [1])
            CPUBackend(isa: CPUISA.best).embedding(table, ids: ids, out: referenceBackend.allocate(byteCount: 128))
        }
        #expect(stderrText(r).contains("embedding: id -5 is out of range for a table of shape [2, 32]"))
    }

    @Test func castOfNaNToInt32() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let x = StridedView(contiguous: floatBuffer([1, .nan]), shape: [2])
            CPUBackend(isa: CPUISA.best).cast(x, to: .int32, out: referenceBackend.allocate(byteCount: 8))
        }
        #expect(stderrText(r).contains("Float value cannot be converted to Int32"))
    }
}

/// What an exit test's child wrote to stderr.
func stderrText(_ result: ExitTest.Result?) -> String {
    String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
}
