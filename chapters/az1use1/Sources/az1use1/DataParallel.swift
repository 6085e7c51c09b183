// Data parallelism (torch's DistributedDataParallel): every rank holds the whole model and
// runs its own slice of the global batch; averaging the gradients over the ranks gives each
// the gradient of the whole batch, so the same optimizer step keeps the replicas equal.
//
// Buckets. Backward produces gradients last layer first. The parameters are cut, in that
// order (the reverse of the model's), into buckets of about `bucketBytes`; a post-accumulate-
// grad hook on each parameter counts the bucket's missing gradients down, and the moment a
// bucket is complete its all-reduce starts, while backward goes on with the layers below.
// One all-reduce per bucket, not per tensor: few, large messages (a collective costs a
// latency each time), and communication interleaved with compute instead of after it.
// (On threads the all-reduce runs inside the hook, on the rank's own thread; with NCCL it is
// queued on a communication stream and backward does not wait for it.)
//
// No-sync. With gradient accumulation, the micro-batches before the last only accumulate
// into .grad (`noSync { ... }` switches the hooks off); the last one's backward reduces the sum.

/// What a DataParallel step did, in order (tests read it to see communication overlap backward).
public enum DataParallelEvent: Sendable, Equatable {
    /// The hook saw this parameter's gradient complete.
    case gradientReady(String)
    /// A bucket's all-reduce started / finished.
    case allReduceStarted(bucket: Int)
    case allReduceFinished(bucket: Int)
}

/// Keeps a module's replicas in step: gradients averaged over `group` in buckets, during backward.
public final class DataParallel: @unchecked Sendable {
    /// The wrapped replica (call it for the forward pass).
    public let module: Module
    public let group: ProcessGroup
    /// Parameter names, and for each bucket the parameter indices it holds (last parameters first).
    let names: [String]
    let params: [Tensor]
    public let buckets: [[Int]]
    /// The bucket of each parameter, and per bucket how many gradients it still waits for.
    let bucketOf: [Int]
    var missing: [Int]
    var reduced: [Bool]
    /// False inside `noSync`: the hooks do nothing, gradients only accumulate.
    public private(set) var syncing = true
    /// Whether the hooks record `events` (off by default: a long run would keep them all).
    public let recordsEvents: Bool
    /// Everything the hooks did since the last `clearEvents()`, when `recordsEvents`.
    public private(set) var events: [DataParallelEvent] = []

    /// Wraps `module` (the same weights on every rank: load one state dict everywhere) and hooks
    /// its parameters; buckets hold about `bucketBytes` of gradients each.
    public init(_ module: Module, group: ProcessGroup, bucketBytes: Int = 1 << 20, recordsEvents: Bool = false) {
        self.module = module
        self.recordsEvents = recordsEvents
        self.group = group
        let named = module.namedParameters()
        names = named.map(\.0)
        params = named.map(\.1)
        var buckets: [[Int]] = [], current: [Int] = [], bytes = 0
        for i in params.indices.reversed() {
            current.append(i)
            bytes += params[i].count * MemoryLayout<Float>.size
            if bytes >= bucketBytes { buckets.append(current); (current, bytes) = ([], 0) }
        }
        if !current.isEmpty { buckets.append(current) }
        self.buckets = buckets
        var bucketOf = [Int](repeating: 0, count: params.count)
        for (b, members) in buckets.enumerated() { for i in members { bucketOf[i] = b } }
        self.bucketOf = bucketOf
        missing = buckets.map(\.count)
        reduced = buckets.map { _ in false }
        for (i, p) in params.enumerated() {
            p.registerPostAccumulateGradHook { [weak self] _ in self?.gradientReady(i) }
        }
    }

    /// The hook: parameter i's gradient is complete for this backward.
    func gradientReady(_ i: Int) {
        guard syncing else { return }
        record(.gradientReady(names[i]))
        // BEGIN SOLUTION az1use1.2: count bucketOf[i]'s missing gradients down; when none is missing (and it was not reduced yet), reduceBucket it
        let b = bucketOf[i]
        missing[b] -= 1
        if missing[b] == 0 && !reduced[b] { reduceBucket(b) }
        // END SOLUTION az1use1.2
    }

    /// One all-reduce (average) of the bucket's gradients, flattened into one buffer; each
    /// parameter's .grad becomes its part of the result. A parameter without a gradient sends zeros.
    func reduceBucket(_ b: Int) {
        record(.allReduceStarted(bucket: b))
        let members = buckets[b]
        var flat: [Float] = []
        for i in members { flat += params[i].grad?.toArray() ?? [Float](repeating: 0, count: params[i].count) }
        let averaged = group.allReduce(Tensor(flat, shape: [flat.count]), op: .avg).toArray()
        var start = 0
        for i in members {
            let p = params[i]
            p.grad = Tensor(Array(averaged[start..<(start + p.count)]), shape: p.shape, device: p.device)
            start += p.count
        }
        reduced[b] = true
        record(.allReduceFinished(bucket: b))
    }

    /// Call after backward, before the optimizer step: reduces the buckets whose hooks did not
    /// all fire (parameters the loss does not reach) and readies the buckets for the next step.
    public func finishGradientSync() {
        guard syncing else { return }
        for b in buckets.indices where !reduced[b] { reduceBucket(b) }
        missing = buckets.map(\.count)
        reduced = buckets.map { _ in false }
    }

    /// Runs `body` (forward and backward of a micro-batch) with gradient sync off: gradients
    /// accumulate locally, and the next synced backward reduces their sum.
    public func noSync<T>(_ body: () throws -> T) rethrows -> T {
        syncing = false
        defer { syncing = true }
        return try body()
    }

    func record(_ event: DataParallelEvent) { if recordsEvents { events.append(event) } }

    public func clearEvents() { events.removeAll() }
}
