// What one rank can ask of the others: torch.distributed's process group.
//
// A world of N ranks runs the same program, each on its own part of the work. The ranks
// meet only through collectives: every rank of the group calls the same collective, in the
// same order, with tensors of the same shape. Collectives return new tensors and record no
// autograd (the tensor-parallel layers wrap them in custom ops that do).

/// How a collective combines the ranks' values, elementwise.
public enum ReduceOp: Sendable, Equatable {
    /// x_0 + x_1 + ... + x_{N-1}
    case sum
    /// the largest x_r
    case max
    /// the sum divided by N
    case avg
}

/// What carries the messages between ranks.
public enum Transport: Sendable, Equatable {
    /// Rank threads of one process exchanging host memory (any laptop, CI).
    case threads
    /// NVIDIA's NCCL over GPUs (loaded with dlopen; part 2 of the chapter).
    case nccl
}

/// A group of ranks and the collectives among them (torch.distributed's ProcessGroup).
/// Every rank of the group must call each collective, in the same order, with the same shapes.
public protocol ProcessGroup: AnyObject, Sendable {
    /// This rank's index in the group, 0..<worldSize.
    var rank: Int { get }
    /// The ranks in the group.
    var worldSize: Int { get }
    /// Every rank's t combined by `op`; every rank gets the same result (same bits).
    /// Ring: each rank sends 2(N-1)/N of t.
    func allReduce(_ t: Tensor, op: ReduceOp) -> Tensor
    /// Every rank's t, concatenated on dim 0 in rank order: [d0, ...] -> [N*d0, ...].
    /// Ring: each rank sends (N-1) times t.
    func allGather(_ t: Tensor) -> Tensor
    /// t's dim 0 split into N equal chunks; rank r gets chunk r of every rank's t combined by
    /// `op`: [N*d0, ...] -> [d0, ...]. Ring: each rank sends (N-1)/N of t.
    func reduceScatter(_ t: Tensor, op: ReduceOp) -> Tensor
    /// Rank `root`'s t on every rank (binomial tree: ceil(log2 N) rounds).
    func broadcast(_ t: Tensor, root: Int) -> Tensor
    /// Sends a copy of t to rank `to` (does not wait for it to be received).
    func send(_ t: Tensor, to: Int)
    /// The next tensor rank `from` sent to this rank, of `shape` (waits for it).
    func recv(from: Int, shape: [Int]) -> Tensor
    /// Returns once every rank of the group has called it.
    func barrier()
    /// The group of the given ranks of this group (this rank must be one of them), in that
    /// order; `name` tells apart groups of the same ranks ("dp", "tp"). No communication:
    /// every member builds the same sub-group locally.
    func subgroup(_ ranks: [Int], name: String) -> ProcessGroup
    /// Bytes of tensor data this rank has sent in this group so far (its sub-groups count their own).
    var bytesSent: Int { get }
}

/// Why `spawn` stopped: a rank threw, or waited too long for another.
public struct SpawnError: Error, CustomStringConvertible {
    /// The rank that failed first.
    public let rank: Int
    /// What it threw (or why it stopped).
    public let message: String
    /// The other ranks, which stopped waiting for it.
    public let stopped: [Int]
    public var description: String {
        "spawn: rank \(rank) failed: \(message)" + (stopped.isEmpty ? "" : "; ranks \(stopped.map(String.init).joined(separator: ", ")) stopped waiting for it")
    }
}

/// Runs `body` once per rank, concurrently, each rank on its own dedicated thread (never a
/// Dispatch or task pool: 8 ranks blocking in a barrier on 2 cores would deadlock there), and
/// returns when every rank has returned. Each rank's thread gets the caller's default device
/// and its own default generator (seeded with its rank; `manualSeed` inside reseeds only it).
/// The body is @Sendable: a rank builds its own model from Sendable inputs (a config and a
/// state dict), never from a Module another rank also uses.
/// When a rank throws, the others stop waiting (their collectives return zeros from then on,
/// so they run to their end quickly) and spawn throws a `SpawnError` naming it.
/// With `.nccl` there are no threads: each process of `picograd launch --nproc worldSize` runs
/// `body` once as its own rank (NCCLProcessGroup.swift); a launch of another size, or no
/// libnccl, GPU or launcher, is a `SpawnError` saying so.
public func spawn(worldSize: Int, transport: Transport = .threads,
                  _ body: @escaping @Sendable (ProcessGroup) throws -> Void) throws {
    check(worldSize >= 1, "spawn: worldSize must be at least 1, got \(worldSize)")
    guard transport == .threads else {
        // NCCL: one process per GPU, started by picograd launch: this process runs one rank
        try spawnNCCL(worldSize: worldSize, body)
        return
    }
    let world = ThreadWorld(size: worldSize)
    let device = Device.default
    RankCrashHandler.install()
    defer { RankCrashHandler.remove() }
    let threads = (0..<worldSize).map { r in
        RankThread {
            withDefaultDevice(device) {
                withDefaultGenerator(Generator(seed: UInt64(r))) {
                    do { try body(ThreadGroup(world: world, rank: r)) } catch { world.abort(rank: r, message: "\(error)") }
                }
            }
        }
    }
    for t in threads { t.join() }
    if let failure = world.failure {
        throw SpawnError(rank: failure.rank, message: failure.message, stopped: (0..<worldSize).filter { $0 != failure.rank })
    }
}
