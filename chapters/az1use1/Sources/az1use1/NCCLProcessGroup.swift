// The NCCL transport: one process per GPU (started by `picograd launch`, like torchrun), each
// rank's collectives run by NVIDIA's NCCL on its GPU.
//
// The rendezvous. NCCL's ranks find each other through a 128-byte unique id: rank 0 makes it
// (ncclGetUniqueId), sets it in the TCP store it serves on MASTER_ADDR:MASTER_PORT, and every
// other rank gets it from there; each then calls ncclCommInitRank(id, worldSize, rank), which
// returns once all of them have. Nothing but the store's address is shared, so the same program
// runs on one host or several.
//
// The stream. Every op of a GPU runs on its backend's one stream (brrr, CUDABackend), and the
// collectives are queued on that same stream: the kernels that made a collective's input run
// before it, those that read its output after it, with no event or synchronization between
// them; the host waits only where it reads values (`toArray`, `item`) or at `barrier`.
//
// Tensors travel as float32 from the group's GPU. A tensor on another device (the host) is
// copied to the GPU first and the result copied back to the tensor's device: a collective
// always returns its result where its input was, as the thread transport does.
//
// Point to point. NCCL pairs a send with its recv when both are queued, so two ranks that each
// send before they receive (a ring) wait on each other. So `send` keeps a copy of the tensor and
// queues nothing; the rank's next `recv` queues every kept send together with itself in one NCCL
// group (ncclGroupStart ... ncclGroupEnd), and every other collective and `barrier` queue the
// kept sends first. A rank's send to itself is a copy kept until its recv from itself, which
// queues the pair in one group.
//
// Sub-groups. Each sub-group is an NCCL communicator of its own, made when it is first used: its
// first member makes the id and sets it in the store under the sub-group's name (a name all
// members compute alike). A sub-group of every rank in order shares its parent's communicator,
// and a sub-group of one rank needs no store. Communicators live until the process exits
// (ncclCommDestroy could wait for work that peers never finish).
//
// bytesSent counts what a ring sends, the convention of NCCL's own bus bandwidth: 2(N-1)/N of the
// tensor for an all-reduce, (N-1)/N for a reduce-scatter, (N-1) times the tensor for an
// all-gather, the tensor on every rank of the broadcast chain but its last, a send's tensor.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// One NCCL communicator (ncclComm_t) of `worldSize` ranks, this one `rank`.
final class NCCLCommunicator: @unchecked Sendable {
    let comm: OpaquePointer
    let rank: Int, worldSize: Int

    /// ncclCommInitRank on the backend's GPU: returns once every rank of the id has called it.
    init(_ nccl: NCCLFunctions, _ library: NCCLLibrary, id: NCCLUniqueID, worldSize: Int, rank: Int, backend: CUDABackend) throws {
        backend.makeContextCurrent()   // what cudaSetDevice would do: NCCL takes the current device
        var c: OpaquePointer? = nil
        try library.check(nccl.commInitRank(&c, Int32(worldSize), id, Int32(rank)), "ncclCommInitRank(rank \(rank) of \(worldSize))")
        guard let c else { throw NCCLError(description: "nccl: ncclCommInitRank returned no communicator") }
        (comm, self.rank, self.worldSize) = (c, rank, worldSize)
    }
}

/// A process group over NCCL: this process is rank `rank` of `worldSize`, on one GPU.
public final class NCCLProcessGroup: ProcessGroup, @unchecked Sendable {
    public let rank: Int
    public var worldSize: Int { members.count }
    /// The world ranks of the members, in group order.
    let members: [Int]
    /// The group's name in the store ("world", "world/tp[0,1]#1").
    let label: String
    let store: TCPStore
    let library: NCCLLibrary
    let nccl: NCCLFunctions
    /// The GPU the collectives run on (its stream is every op's stream).
    public let backend: CUDABackend
    public var device: Device { backend.device }
    /// The group whose communicator this one shares (same ranks, same order), if any.
    private let sharing: NCCLProcessGroup?
    private let monitor = Monitor()
    private var communicatorMade: NCCLCommunicator? = nil
    /// Sends not queued yet (peer, a copy of the tensor), and copies sent to this rank itself.
    private var pending: [(peer: Int, data: Tensor)] = []
    private var toSelf: [Tensor] = []
    private var sent = 0
    private var subgroupsMade: [String: Int] = [:]

    init(rank: Int, members: [Int], label: String, store: TCPStore, library: NCCLLibrary, nccl: NCCLFunctions,
         backend: CUDABackend, sharing: NCCLProcessGroup? = nil) {
        (self.rank, self.members, self.label, self.store) = (rank, members, label, store)
        (self.library, self.nccl, self.backend, self.sharing) = (library, nccl, backend, sharing)
    }

    public var bytesSent: Int { monitor.locked { sent } }

    // MARK: the world group of this process

    private static let worldGroup = Mutex<NCCLProcessGroup?>(nil)

    /// This process's world group (made on the first call, the same group after): NCCL loaded,
    /// the GPU LOCAL_RANK's context current, the world communicator made through the store.
    static func world(timeout: Double) throws -> NCCLProcessGroup {
        try worldGroup.withLock { cached in
            if let g = cached { return g }
            let library = try NCCLLibrary.shared()
            let nccl = try NCCLFunctions(library)
            guard CUDA.isAvailable else {
                throw NCCLError(description: "nccl: libnccl \(library.version) loads, but there is no CUDA GPU here (\(CUDA.unavailableReason ?? "no GPU")); use .threads here")
            }
            let env = try RankEnvironment.fromEnvironment()
            guard env.localRank < CUDA.deviceCount, let backend = Backends.lookup(.cuda(env.localRank)) as? CUDABackend else {
                throw NCCLError(description: "nccl: LOCAL_RANK=\(env.localRank), but this host has \(CUDA.deviceCount) GPU\(CUDA.deviceCount == 1 ? "" : "s") (one process per GPU: picograd launch --nproc \(CUDA.deviceCount) at most)")
            }
            let store = try env.store(timeout: timeout)
            let g = NCCLProcessGroup(rank: env.rank, members: Array(0..<env.worldSize), label: "world", store: store,
                                     library: library, nccl: nccl, backend: backend)
            _ = try g.communicator()
            cached = g
            return g
        }
    }

    // MARK: the communicator

    /// The group's communicator, made on first use (its id through the store).
    func communicator() throws -> NCCLCommunicator {
        if let parent = sharing { return try parent.communicator() }
        return try monitor.locked {
            if let c = communicatorMade { return c }
            var id = NCCLUniqueID()
            let key = "nccl/\(label)/id"
            if rank == 0 {
                try library.check(nccl.getUniqueId(&id), "ncclGetUniqueId")
                if worldSize > 1 { try store.set(key, withUnsafeBytes(of: &id) { Array($0) }) }
            } else {
                let bytes = try store.get(key)
                guard bytes.count == MemoryLayout<NCCLUniqueID>.size else {
                    throw NCCLError(description: "nccl: the unique id of group \(label) in the store has \(bytes.count) bytes, not \(MemoryLayout<NCCLUniqueID>.size)")
                }
                withUnsafeMutableBytes(of: &id) { $0.copyBytes(from: bytes) }
            }
            let c = try NCCLCommunicator(nccl, library, id: id, worldSize: worldSize, rank: rank, backend: backend)
            communicatorMade = c
            return c
        }
    }

    /// Stops with the NCCL error (a collective of the ProcessGroup protocol cannot throw).
    private func orStop<T>(_ body: () throws -> T) -> T {
        do { return try body() } catch { fail("\(error) (rank \(rank) of group \(label))") }
    }

    // MARK: tensors on the GPU

    /// t's elements, float32 and contiguous on this group's GPU (the same tensor when it is).
    private func onDevice(_ t: Tensor, _ op: String) -> Tensor {
        check(t.dtype == .float32, "\(op): only float32 tensors travel, got \(t.dtype) of shape \(t.shape)")
        return withNoGrad { t.detach().to(device).contiguous() }
    }

    /// The device address of element 0 of a tensor `onDevice` made.
    private func address(_ t: Tensor) -> UnsafeMutableRawPointer? {
        guard let base = backend.deviceAddress(of: t.buffer) else { fail("nccl: a tensor of shape \(t.shape) is not in \(device)'s memory") }
        return UnsafeMutableRawPointer(bitPattern: UInt(base) + UInt(t.offset * MemoryLayout<Float>.size))
    }

    /// A new float32 tensor of `shape` on the GPU (its values written by NCCL).
    private func empty(_ shape: [Int]) -> Tensor {
        let n = shape.reduce(1, *)
        return Tensor(buffer: backend.allocate(byteCount: n * MemoryLayout<Float>.size), device: device, shape: shape)
    }

    /// A copy of t (on the GPU), so a kept send does not see later in-place writes to t.
    private func copy(_ t: Tensor) -> Tensor {
        let out = empty(t.shape)
        backend.copy(t.buffer, of: backend, byteOffset: t.offset * MemoryLayout<Float>.size, to: out.buffer, byteOffset: 0,
                     byteCount: t.count * MemoryLayout<Float>.size)
        return out
    }

    /// Counts `floats` sent by this rank.
    private func count(_ floats: Int) { monitor.locked { sent += floats * MemoryLayout<Float>.size } }

    /// Queues `body` (an NCCL collective on the communicator and the GPU's stream), after the
    /// kept sends; throws the NCCL error naming `call`.
    private func queue(_ call: String, _ body: (OpaquePointer, OpaquePointer?) -> Int32) throws {
        let c = try communicator()
        try flushSends(c, then: nil)
        backend.makeContextCurrent()
        try library.check(body(c.comm, backend.stream), call, comm: c.comm)
    }

    /// Queues the kept sends and then `recv` (if any) in one NCCL group.
    private func flushSends(_ c: NCCLCommunicator, then recv: ((OpaquePointer, OpaquePointer?) throws -> Void)?) throws {
        let sends = monitor.locked { () -> [(peer: Int, data: Tensor)] in
            defer { pending = [] }
            return pending
        }
        guard !sends.isEmpty || recv != nil else { return }
        backend.makeContextCurrent()
        try library.check(nccl.groupStart(), "ncclGroupStart", comm: c.comm)
        for s in sends {
            try library.check(nccl.send(address(s.data), s.data.count, NCCLFunctions.float32, Int32(s.peer), c.comm, backend.stream),
                              "ncclSend(\(s.data.count) floats to rank \(s.peer))", comm: c.comm)
        }
        try recv?(c.comm, backend.stream)
        try library.check(nccl.groupEnd(), "ncclGroupEnd", comm: c.comm)
    }

    // MARK: the collectives, throwing NCCL's errors

    /// allReduce, or the NCCL error by name.
    public func tryAllReduce(_ t: Tensor, op: ReduceOp) throws -> Tensor {
        let x = onDevice(t, "allReduce"), out = empty(t.shape)
        if x.count > 0 {
            try queue("ncclAllReduce(\(x.count) floats, \(op))") { comm, stream in
                nccl.allReduce(address(x), address(out), x.count, NCCLFunctions.float32, NCCLFunctions.op(op), comm, stream)
            }
            if worldSize > 1 {   // the ring: every chunk but its own, then every chunk but the next rank's
                let n = worldSize, own = (rank + 1) * x.count / n - rank * x.count / n
                let next = ((rank + 1) % n + 1) * x.count / n - ((rank + 1) % n) * x.count / n
                count(2 * x.count - own - next)
            }
        }
        return out.to(t.device)
    }

    /// broadcast, or the NCCL error by name (a root outside the group is NCCL's invalid argument).
    public func tryBroadcast(_ t: Tensor, root: Int) throws -> Tensor {
        let x = onDevice(t, "broadcast"), out = empty(t.shape)
        if x.count > 0 {
            try queue("ncclBroadcast(\(x.count) floats from rank \(root))") { comm, stream in
                nccl.broadcast(address(x), address(out), x.count, NCCLFunctions.float32, Int32(root), comm, stream)
            }
            if worldSize > 1 && rank != (root + worldSize - 1) % worldSize { count(x.count) }
        }
        return out.to(t.device)
    }

    public func allReduce(_ t: Tensor, op: ReduceOp) -> Tensor { orStop { try tryAllReduce(t, op: op) } }

    public func broadcast(_ t: Tensor, root: Int) -> Tensor {
        check((0..<worldSize).contains(root), "broadcast: root \(root) is not in a group of \(worldSize)")
        return orStop { try tryBroadcast(t, root: root) }
    }

    public func allGather(_ t: Tensor) -> Tensor {
        check(t.rank >= 1, "allGather: a 0-d tensor cannot be concatenated on dim 0; reshape it to [1]")
        let x = onDevice(t, "allGather")
        var shape = t.shape
        shape[0] *= worldSize
        let out = empty(shape)
        if x.count > 0 {
            orStop {
                try queue("ncclAllGather(\(x.count) floats per rank)") { comm, stream in
                    nccl.allGather(address(x), address(out), x.count, NCCLFunctions.float32, comm, stream)
                }
            }
            count((worldSize - 1) * x.count)
        }
        return out.to(t.device)
    }

    public func reduceScatter(_ t: Tensor, op: ReduceOp) -> Tensor {
        check(t.rank >= 1 && t.shape[0] % worldSize == 0,
              "reduceScatter: dim 0 of shape \(t.shape) does not split into \(worldSize) equal chunks")
        let x = onDevice(t, "reduceScatter")
        var shape = t.shape
        shape[0] /= worldSize
        let out = empty(shape)
        if out.count > 0 {
            orStop {
                try queue("ncclReduceScatter(\(out.count) floats per rank, \(op))") { comm, stream in
                    nccl.reduceScatter(address(x), address(out), out.count, NCCLFunctions.float32, NCCLFunctions.op(op), comm, stream)
                }
            }
            count(x.count - out.count)
        }
        return out.to(t.device)
    }

    public func send(_ t: Tensor, to: Int) {
        check((0..<worldSize).contains(to), "send: rank \(to) is not in a group of \(worldSize)")
        let kept = copy(onDevice(t, "send"))
        count(kept.count)
        monitor.locked {
            if to == rank { toSelf.append(kept) } else { pending.append((to, kept)) }
        }
    }

    public func recv(from: Int, shape: [Int]) -> Tensor {
        check((0..<worldSize).contains(from), "recv: rank \(from) is not in a group of \(worldSize)")
        let out = empty(shape)
        let mine: Tensor? = from == rank ? monitor.locked { toSelf.isEmpty ? nil : toSelf.removeFirst() } : nil
        if from == rank {
            guard let mine else { fail("recv: rank \(rank) of group \(label) receives from itself, but it sent itself nothing") }
            check(mine.count == out.count, "recv: rank \(rank) of group \(label) expected \(out.count) floats from itself, got \(mine.count) (the ranks disagree on a shape)")
        }
        orStop {
            let c = try communicator()
            try flushSends(c) { [self] comm, stream in
                if let mine {
                    try library.check(nccl.send(address(mine), mine.count, NCCLFunctions.float32, Int32(rank), comm, stream),
                                      "ncclSend(\(mine.count) floats to itself, rank \(rank))", comm: comm)
                }
                try library.check(nccl.recv(address(out), out.count, NCCLFunctions.float32, Int32(from), comm, stream),
                                  "ncclRecv(\(out.count) floats from rank \(from))", comm: comm)
            }
        }
        return out
    }

    /// An all-reduce of one float, then the host waits for the GPU's stream: once it returns,
    /// every rank has queued it and NCCL has finished it.
    public func barrier() {
        orStop {
            let one = Tensor.zeros([1], device: device)
            try queue("ncclAllReduce(barrier)") { comm, stream in
                nccl.allReduce(address(one), address(one), 1, NCCLFunctions.float32, NCCLFunctions.op(.sum), comm, stream)
            }
        }
        backend.synchronize()
    }

    /// Queues the sends this rank kept (a program whose last call is a `send` calls it, or
    /// spawn does after the body); a no-op when there are none.
    public func flush() {
        orStop { if monitor.locked({ !pending.isEmpty }) { try flushSends(try communicator(), then: nil) } }
    }

    public func subgroup(_ ranks: [Int], name: String) -> ProcessGroup {
        check(!ranks.isEmpty && Set(ranks).count == ranks.count && ranks.allSatisfy { (0..<worldSize).contains($0) },
              "subgroup: ranks \(ranks) must be distinct ranks of a group of \(worldSize)")
        guard let mine = ranks.firstIndex(of: rank) else { fail("subgroup: rank \(rank) is not one of \(ranks)") }
        let world = ranks.map { members[$0] }
        let base = "\(label)/\(name)[\(world.map(String.init).joined(separator: ","))]"
        let made = monitor.locked { () -> Int in
            subgroupsMade[base, default: 0] += 1
            return subgroupsMade[base]!
        }
        return NCCLProcessGroup(rank: mine, members: world, label: "\(base)#\(made)", store: store, library: library, nccl: nccl,
                                backend: backend, sharing: ranks == Array(0..<worldSize) ? self : nil)
    }
}

/// This process's group in a run started by `picograd launch` (torch.distributed's
/// init_process_group): rank RANK of WORLD_SIZE on GPU LOCAL_RANK, meeting the others through the
/// store at MASTER_ADDR:MASTER_PORT. The first call makes it; later calls return the same group.
/// Throws, in words, when libnccl or the GPU is missing or the launcher's variables are unset.
public func initProcessGroup(transport: Transport = .nccl, timeout: Double = 60) throws -> ProcessGroup {
    guard transport == .nccl else {
        throw NCCLError(description: "initProcessGroup: thread ranks have no process of their own; spawn(worldSize:) runs them")
    }
    return try NCCLProcessGroup.world(timeout: timeout)
}

/// The number of `spawn(transport: .nccl)` calls this process made (their end barriers' names).
private let ncclSpawns = Mutex(0)

/// spawn's NCCL form: `body` once, in this process, with its world group, on its GPU (the
/// default device) with the default generator seeded with its rank. When the body returns the
/// rank's kept sends are queued and the ranks meet at a store barrier, so rank 0 (which serves
/// the store) stays until every rank is done.
func spawnNCCL(worldSize: Int, _ body: @escaping @Sendable (ProcessGroup) throws -> Void) throws {
    let rank = environment("RANK").flatMap(Int.init) ?? 0
    let group: NCCLProcessGroup
    do { group = try NCCLProcessGroup.world(timeout: 60) } catch { throw SpawnError(rank: rank, message: "\(error)", stopped: []) }
    guard group.worldSize == worldSize else {
        throw SpawnError(rank: group.rank, message: "nccl: spawn(worldSize: \(worldSize)) in a launch of WORLD_SIZE=\(group.worldSize): start it with picograd launch --nproc \(worldSize)", stopped: [])
    }
    let k = ncclSpawns.withLock { n in n += 1; return n }
    do {
        try withDefaultDevice(group.device) {
            try withDefaultGenerator(Generator(seed: UInt64(group.rank))) { try body(group) }
        }
        group.flush()
        try group.store.barrier("spawn#\(k)/done", rank: group.rank, worldSize: group.worldSize)
    } catch {
        throw SpawnError(rank: group.rank, message: "\(error)", stopped: [])
    }
}
