// The seam the systems chapters stand on: dtypes, index tensors, the Backend a GPU can
// implement (ranged copies, device-to-device `to`, a caching allocator, one instance per
// device), the interposing dispatch point, custom ops and hooks, and per-task defaults.
// Expected values are derived by hand in each test.
import Testing
import Synchronization
@testable import dfdx

/// A backend that logs the memory calls it gets and forwards everything to a reference backend
/// of its own (registered for an otherwise unused device, so the log is this test's alone).
final class SpyBackend: Backend, @unchecked Sendable {
    let inner: ReferenceBackend
    let log = Mutex<[String]>([])
    var name: String { "spy" }
    var device: Device { inner.device }
    init(device: Device) { inner = ReferenceBackend(device: device) }
    func note(_ s: String) { log.withLock { $0.append(s) } }
    var entries: [String] { log.withLock { $0 } }

    func allocate(byteCount: Int) -> any Buffer { inner.allocate(byteCount: byteCount) }
    var allocationStats: AllocationStats { inner.allocationStats }
    func upload(_ host: UnsafeRawBufferPointer, to buffer: any Buffer, byteOffset: Int) {
        note("upload \(byteOffset)+\(host.count)"); inner.upload(host, to: buffer, byteOffset: byteOffset)
    }
    func download(_ buffer: any Buffer, byteOffset: Int, into host: UnsafeMutableRawBufferPointer) {
        note("download \(byteOffset)+\(host.count)"); inner.download(buffer, byteOffset: byteOffset, into: host)
    }
    func copy(_ src: any Buffer, of source: any Backend, byteOffset srcOffset: Int, to dst: any Buffer, byteOffset dstOffset: Int, byteCount: Int) {
        note("copy from \(source.device) \(srcOffset)+\(byteCount)")
        inner.copy(src, of: source, byteOffset: srcOffset, to: dst, byteOffset: dstOffset, byteCount: byteCount)
    }
    func synchronize() { note("synchronize") }
    func fill(_ buffer: any Buffer, dtype: DType, value: Float) { inner.fill(buffer, dtype: dtype, value: value) }
    func copy(_ src: StridedView, to dst: StridedView) { inner.copy(src, to: dst) }
    func cast(_ x: StridedView, to: DType, out: any Buffer) { inner.cast(x, to: to, out: out) }
    func unary(_ op: UnaryOp, _ x: StridedView, out: any Buffer) { inner.unary(op, x, out: out) }
    func binary(_ op: BinaryOp, _ a: StridedView, _ b: StridedView, out: any Buffer) { inner.binary(op, a, b, out: out) }
    func select(_ c: StridedView, _ a: StridedView, _ b: StridedView, out: any Buffer) { inner.select(c, a, b, out: out) }
    func reduce(_ op: Reduction, _ x: StridedView, axes: [Int], out: any Buffer) { inner.reduce(op, x, axes: axes, out: out) }
    func matmul(_ a: StridedView, _ b: StridedView, out: any Buffer) { inner.matmul(a, b, out: out) }
    func linear(_ x: StridedView, _ w: StridedView, out: any Buffer) { inner.linear(x, w, out: out) }
    func gather(_ x: StridedView, dim: Int, index: StridedView, out: any Buffer) { inner.gather(x, dim: dim, index: index, out: out) }
    func scatterAdd(_ src: StridedView, dim: Int, index: StridedView, into out: any Buffer, outShape: [Int]) {
        inner.scatterAdd(src, dim: dim, index: index, into: out, outShape: outShape)
    }
    func embedding(_ table: StridedView, ids: StridedView, out: any Buffer) { inner.embedding(table, ids: ids, out: out) }
    func indexCopy(_ src: StridedView, dim: Int, index: StridedView, into dst: StridedView) { inner.indexCopy(src, dim: dim, index: index, into: dst) }
}

/// A spy registered for its own device; each test that needs one takes a different index.
func spy(_ index: Int) -> SpyBackend {
    let b = SpyBackend(device: .cuda(index))
    Backends.register(b, for: .cuda(index))
    return b
}

/// Counts the primitives dispatched, by name.
final class Counter: DispatchHandler, @unchecked Sendable {
    var names: [String] = []
    func didDispatch(_ primitive: Primitive, inputs: [Tensor], output: Tensor) { names.append(primitive.name) }
}

@Suite struct DTypes {
    @Test func int32CreationConversionAndMovement() {
        let ids = Tensor(int32: [3, -1, 7, 0, 2, 5], shape: [2, 3])
        #expect(ids.dtype == .int32 && ids.toInt32Array() == [3, -1, 7, 0, 2, 5])
        #expect(ids.toArray() == [3, -1, 7, 0, 2, 5])                       // toArray stays Float
        #expect(ids.transpose(0, 1).contiguous().toInt32Array() == [3, 0, -1, 2, 7, 5])
        #expect(ids.pad([(0, 0), (1, 0)]).toInt32Array() == [0, 3, -1, 7, 0, 0, 2, 5])
        #expect(ids.slice(dim: 1, start: 1, end: 3).reshape([4]).toInt32Array() == [-1, 7, 2, 5])
        // float -> int32 rounds toward zero (as torch's .to(torch.int32)); and back
        let f = Tensor([1.9, -1.9, 2.5, -0.2], shape: [4])
        #expect(f.to(.int32).toInt32Array() == [1, -1, 2, 0])
        #expect(ids.to(.float32).dtype == .float32 && ids.to(.float32).toArray() == [3, -1, 7, 0, 2, 5])
        #expect(f.to(.float32) === f)
    }

    @Test func int32ArithmeticAndComparisons() {
        let a = Tensor(int32: [1, 5, 3], shape: [3]), b = Tensor(int32: [2, 5, 1], shape: [3])
        #expect((a + b).dtype == .int32 && (a + b).toInt32Array() == [3, 10, 4])
        #expect((a + 1).dtype == .int32 && (a + 1).toInt32Array() == [2, 6, 4])     // the scalar takes a's dtype
        #expect(a.lt(b).dtype == .float32 && a.lt(b).toArray() == [1, 0, 0])         // masks are float32
        #expect(a.eq(b).toArray() == [0, 1, 0])
        // a mask from ids selects float values
        #expect(Tensor.where(a.eq(b), Tensor([9, 9, 9], shape: [3]), Tensor([0, 0, 0], shape: [3])).toArray() == [0, 9, 0])
    }

    @Test func int32UnsupportedOpStops() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor(int32: [1, 2], shape: [2]).exp()
        }
        #expect(stderrText(r).contains("exp: int32 is not supported (shapes [2])"))
    }

    @Test func mixedDTypesStop() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor(int32: [1, 2], shape: [2]) + Tensor([1, 2], shape: [2])
        }
        #expect(stderrText(r).contains("add: dtypes int32 and float32 differ (shapes [2] and [2])"))
    }

    @Test func int32CannotRequireGrad() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            Tensor(int32: [1, 2], shape: [2]).requiresGrad = true
        }
        #expect(stderrText(r).contains("requiresGrad: a int32 tensor of shape [2] cannot require grad"))
    }
}

@Suite struct IndexTensors {
    @Test func gatherWithAnIndexTensorMatchesHostIds() {
        let x = Tensor([0, 1, 2, 10, 11, 12], shape: [2, 3])
        let idx = Tensor(int32: [2, 0, 1, 1], shape: [2, 2])
        #expect(x.gather(dim: 1, index: idx).toArray() == [2, 0, 11, 11])
        #expect(x.gather(dim: 1, index: [2, 0, 1, 1], indexShape: [2, 2]).toArray() == [2, 0, 11, 11])
    }

    @Test func embeddingSelectsRowsAndScattersGradients() {
        // table rows r_i = (i, 10 i); ids [[2, 0], [2, 1]] pick rows 2, 0, 2, 1
        let table = Tensor([0, 0, 1, 10, 2, 20], shape: [3, 2], requiresGrad: true)
        let ids = Tensor(int32: [2, 0, 2, 1], shape: [2, 2])
        let e = table.embedding(ids)
        #expect(e.shape == [2, 2, 2] && e.toArray() == [2, 20, 0, 0, 2, 20, 1, 10])
        // d(sum(e * w))/d(table row i) = sum of the w rows whose id is i: row 2 gets w0 + w2
        let w = Tensor([1, 2, 3, 4, 5, 6, 7, 8], shape: [2, 2, 2])
        (e * w).sum().backward()
        #expect(table.grad!.toArray() == [3, 4, 7, 8, 1 + 5, 2 + 6])
        // a transposed table and ids read with strides give the same rows
        let tt = Tensor([0, 1, 2, 0, 10, 20], shape: [2, 3]).transpose(0, 1)
        #expect(tt.embedding(Tensor(int32: [1, 2], shape: [2])).toArray() == [1, 10, 2, 20])
    }

    @Test func embeddingOutOfRangeStops() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([4, 3]).embedding(Tensor(int32: [1, 7], shape: [2]))
        }
        #expect(stderrText(r).contains("embedding: id 7 is out of range for a table of shape [4, 3]"))
    }

    @Test func indexOnAnotherDeviceStops() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3], device: .cpu).gather(dim: 1, index: Tensor(int32: [0, 1], shape: [2, 1], device: .reference))
        }
        #expect(stderrText(r).contains("gather: tensors are on different devices, cpu and reference"))
    }

    @Test func floatIdsStop() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([4, 3]).embedding(Tensor([1, 2], shape: [2]))
        }
        #expect(stderrText(r).contains("embedding: ids must be int32, got float32 (shape [2])"))
    }
}

@Suite struct BackendSeam {
    @Test func oneInstancePerDevice() {
        #expect(Backends.backend(for: .cpu) !== Backends.backend(for: .reference))
        #expect(Backends.backend(for: .cpu).device == .cpu)
        #expect(!Backends.isAvailable(.cuda(42)))
    }

    @Test func toArrayOfAViewDownloadsOnlyItsRange() {
        let s = spy(11)
        let x = Tensor((0..<100).map(Float.init), shape: [10, 10], device: .cuda(11))
        let row = x[7]                                   // elements 70..<80: bytes 280..<320
        #expect(row.toArray() == (70..<80).map(Float.init))
        #expect(s.entries.last == "download 280+40")
    }

    @Test func toCopiesDeviceToDevice() {
        let s = spy(12)
        let x = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3], requiresGrad: true, device: .cpu)
        let y = x.slice(dim: 1, start: 1, end: 3).to(.cuda(12))    // not contiguous: made so on the cpu first
        #expect(s.entries == ["copy from cpu 0+16"])                     // one copy, no host round trip
        #expect(y.device == .cuda(12) && y.toArray() == [2, 3, 5, 6])
        (y * 2).sum().backward()                                        // gradients come back across
        #expect(x.grad!.device == .cpu && x.grad!.toArray() == [0, 2, 2, 0, 2, 2])
    }

    @Test func cachingAllocatorReusesFreedBlocks() {
        let backend = ReferenceBackend(device: .reference)
        do { _ = backend.allocate(byteCount: 1000); _ = backend.allocate(byteCount: 4000) }   // freed at once
        let before = backend.allocationStats
        #expect(before.systemAllocations == 2 && before.bytesInUse == 0 && before.bytesCached > 0)
        let again = backend.allocate(byteCount: 990)                   // same size class as 1000
        #expect(backend.allocationStats.systemAllocations == 2)         // served from the pool
        #expect(backend.allocationStats.allocations == 3)
        _ = again
        backend.allocator.emptyCache()
        #expect(backend.allocationStats.bytesCached == 0)
    }

    @Test func sizeClassesWasteAtMostAQuarter() {
        for n in [1, 64, 65, 100, 1000, 4096, 4097, 123_457, 10_000_000] {
            let c = HostAllocator.sizeClass(n)
            #expect(c >= n && c % 64 == 0 && Double(c) <= Double(max(n, 64)) * 1.25 + 64)
        }
    }
}

/// Records the primitives a function dispatches with their inputs, as a tracer would.
@Suite struct DispatchPoint {
    /// f(x, w, b) = softmax(x @ w + b) * 3 + a host constant, with a mask and an embedding.
    static func program(_ t: [Tensor]) -> [Tensor] {
        let (x, w, b) = (t[0], t[1], t[2])
        let h = softmax(x.matmul(w) + b, dim: -1) * 3 + Tensor([1, 2, 3, 4], shape: [4])
        let mask = h.gt(1.5)
        let rows = w.transpose(0, 1).embedding([3, 0], idsShape: [2])
        return [Tensor.where(mask, h, Tensor.zeros([])) , rows.sum(dim: 0)]
    }

    static func inputs(_ seed: UInt64) -> [Tensor] {
        var g = Generator(seed: seed)
        return [Tensor.randn([2, 3], generator: &g), Tensor.randn([3, 4], generator: &g), Tensor.randn([4], generator: &g)]
    }

    @Test func recordThenReplayOnFreshInputsMatchesEager() {
        let (trace, recorded) = Trace.record(Self.inputs(1), Self.program)
        let names = trace.steps.map(\.primitive.name)
        #expect(names.contains("data") && names.contains("full") && names.contains("embedding"))
        // every step's inputs are function inputs or earlier steps' outputs (record checks it)
        #expect(trace.steps.allSatisfy { s in s.inputs.allSatisfy { $0 < s.output } })
        let fresh = Self.inputs(2)
        let replayed = trace.replay(fresh), eager = Self.program(fresh)
        for (r, e) in zip(replayed, eager) { #expect(r.toArray() == e.toArray() && r.shape == e.shape) }
        #expect(zip(recorded, Self.program(Self.inputs(1))).allSatisfy { $0.toArray() == $1.toArray() })
    }

    @Test func replayIsDifferentiable() {
        let (trace, _) = Trace.record(Self.inputs(3), Self.program)
        let a = Self.inputs(4), b = Self.inputs(4)
        for t in a + b { t.requiresGrad = true }
        trace.replay(a)[0].sum().backward()
        Self.program(b)[0].sum().backward()
        for (p, q) in zip(a, b) { #expect(close(p.grad!.toArray(), q.grad!.toArray())) }
    }

    @Test func creationTransferAndAssignPassThrough() {
        let c = Counter()
        let p = Tensor.zeros([3])
        Dispatch.withHandler(c) {
            let q = Tensor([1, 2, 3], shape: [3]).to(.reference).to(.cpu)
            p.assign(q * 2)
            _ = Tensor(int32: [1], shape: [1]).to(.float32)
        }
        #expect(c.names == ["data", "to", "to", "full", "expand", "mul", "assign", "data", "cast"])
        #expect(p.toArray() == [2, 4, 6])
    }

    @Test func skippingMakesShapesWithoutRunning() {
        let (trace, outs) = Trace.record(Self.inputs(5), running: false, Self.program)
        #expect(outs.map(\.shape) == [[2, 4], [3]])
        #expect(outs.allSatisfy { $0.buffer is PlaceholderBuffer })
        #expect(trace.replay(Self.inputs(5))[1].toArray() == Self.program(Self.inputs(5))[1].toArray())
    }

    @Test func readingASkippedValueStops() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let (_, outs) = Trace.record([Tensor.ones([2])], running: false) { [$0[0].exp()] }
            _ = outs[0].toArray()
        }
        #expect(stderrText(r).contains("has no values (it was recorded without running"))
    }

    @Test func noBackwardWorkWithoutGrad() {
        let a = Tensor([1, 5, 3], shape: [3]), b = Tensor([2, 5, 1], shape: [3])
        let c = Counter()
        Dispatch.withHandler(c) { _ = a.maximum(b); _ = a.max(dim: 0) }
        #expect(c.names == ["maximum", "max", "reshape"])       // no masks, no shares
        let g = Counter()
        a.requiresGrad = true
        Dispatch.withHandler(g) { a.maximum(b).sum().backward() }
        #expect(g.names.contains("cmplt") && g.names.contains("cmpeq"))   // made when backward needs them
        #expect(a.grad!.toArray() == [0, 0.5, 1])
    }
}

@Suite struct CustomOps {
    /// x^3 with a hand-written VJP 3x^2 g and JVP 3x^2 t.
    static let cube = CustomOp("cube", forward: { x in [x[0] * x[0] * x[0]] },
                               vjp: { c, g in [3 * c.inputs[0] * c.inputs[0] * g[0]] },
                               jvp: { c, t in [3 * c.inputs[0] * c.inputs[0] * t[0]!] })

    @Test func customVJPAndJVP() {
        let x = Tensor([1, -2, 0.5], shape: [3], requiresGrad: true)
        let y = Self.cube(x)
        #expect(y.toArray() == [1, -8, 0.125])
        (y * Tensor([1, 2, 3], shape: [3])).sum().backward()
        #expect(x.grad!.toArray() == [3, 24, 2.25])                      // 3 x^2 w
        let (_, t) = jvp({ Self.cube($0) }, at: x, tangent: Tensor([1, 1, 2], shape: [3]))
        #expect(t.toArray() == [3, 12, 1.5])
    }

    @Test func theCustomRuleIsTheOneUsed() {
        // straight-through rounding: forward rounds, backward passes the gradient unchanged
        let ste = CustomOp("roundSTE", forward: { x in [x[0].to(.int32).to(.float32)] }, vjp: { _, g in [g[0]] })
        let x = Tensor([1.7, 2.2], shape: [2], requiresGrad: true)
        (ste(x) * 5).sum().backward()
        #expect(x.grad!.toArray() == [5, 5])
    }

    @Test func severalOutputsOneVJPCall() {
        // (sin x, cos x): d/dx (a sin x + b cos x) = a cos x - b sin x; the VJP runs once
        let calls = Mutex(0)
        let sincos = CustomOp("sincos", forward: { x in [x[0].sin(), x[0].cos()] }, vjp: { c, g in
            calls.withLock { $0 += 1 }
            return [g[0] * c.outputs[1] - g[1] * c.outputs[0]]
        })
        let x = Tensor([0.3, 1.1], shape: [2], requiresGrad: true)
        let o = sincos([x])
        (o[0] * 2 + o[1] * 3).sum().backward()
        let expected = [0.3, 1.1].map { v in Float(2 * libmCos(v) - 3 * libmSin(v)) }
        #expect(close(x.grad!.toArray(), expected) && calls.withLock { $0 } == 1)
        // an output that gets no gradient is handed zeros
        let z = Tensor([0.5], shape: [1], requiresGrad: true)
        sincos([z])[0].sum().backward()
        #expect(close(z.grad!.toArray(), [Float(libmCos(0.5))]))
    }

    @Test func postAccumulateHookSeesTheCompleteGradient() {
        let x = Tensor([1, 2], shape: [2], requiresGrad: true)
        let seen = Mutex<[[Float]]>([])
        x.registerPostAccumulateGradHook { t in seen.withLock { $0.append(t.grad!.toArray()) } }
        // x is used three times: the hook runs once, after all three contributions
        ((x * 2) + (x * x) + x.exp()).sum().backward()
        let full: [Float] = [2 + 2 + Float(libmExp(1)), 2 + 4 + Float(libmExp(2))]
        #expect(seen.withLock { $0.count } == 1 && close(seen.withLock { $0[0] }, full))
    }

    @Test func gradientsAccumulateIntoAPreallocatedBuffer() {
        // one flat bucket holds both parameters' gradients, as data parallel wants
        let bucket = Tensor.zeros([5])
        let a = Tensor([1, 2], shape: [2], requiresGrad: true), b = Tensor([3, 4, 5], shape: [3], requiresGrad: true)
        a.grad = bucket.slice(dim: 0, start: 0, end: 2)
        b.grad = bucket.slice(dim: 0, start: 2, end: 5)
        ((a * a).sum() + (b * 3).sum()).backward()
        #expect(bucket.toArray() == [2, 4, 3, 3, 3])
        ((a * a).sum() + (b * 3).sum()).backward()                       // accumulates in place
        #expect(bucket.toArray() == [4, 8, 6, 6, 6])
    }

    @Test func sharedGradientsAreNotWrittenThrough() {
        // add's VJP hands both inputs the same gradient; accumulating into one must not touch the other
        let a = Tensor([1], shape: [1], requiresGrad: true), b = Tensor([2], shape: [1], requiresGrad: true)
        (a + b).sum().backward()
        (a * 5).sum().backward()
        #expect(a.grad!.toArray() == [6] && b.grad!.toArray() == [1])
    }
}

@Suite struct TaskDefaults {
    @Test func withDefaultDeviceIsPerTask() async {
        let inside = withDefaultDevice(.reference) { Tensor.zeros([2]).device }
        #expect(inside == .reference)
        let nested = withDefaultDevice(.reference) { withDefaultDevice(.cpu) { Tensor.ones([1]).device } }
        #expect(nested == .cpu)
        // another task keeps its own default while this one overrides
        async let other: Device = Task.detached { withDefaultDevice(.cpu) { Tensor.zeros([1]).device } }.value
        let mine = withDefaultDevice(.reference) { Tensor.zeros([1]).device }
        #expect(await other == .cpu && mine == .reference)
    }

    @Test func withDefaultGeneratorIsReproducibleAndPrivate() {
        let a = withDefaultGenerator(Generator(seed: 7)) { Tensor.randn([4]).toArray() }
        let b = withDefaultGenerator(Generator(seed: 7)) { Tensor.randn([4]).toArray() }
        var g = Generator(seed: 7)
        #expect(a == b && a == Tensor.randn([4], generator: &g).toArray())
        let inner = withDefaultGenerator(Generator(seed: 7)) { () -> [Float] in manualSeed(7); return Tensor.rand([2]).toArray() }
        var h = Generator(seed: 7)
        #expect(inner == Tensor.rand([2], generator: &h).toArray())
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
func libmSin(_ x: Double) -> Double { sin(x) }
func libmCos(_ x: Double) -> Double { cos(x) }
func libmExp(_ x: Double) -> Double { exp(x) }
