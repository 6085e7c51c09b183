// The thread transport: the ranks of a world are threads of one process, and a message is a
// copy of a tensor's floats put in a mailbox.
//
// A mailbox is a FIFO queue per (group, sender, receiver). `send` appends and returns at once
// (the queue is unbounded, so a ring where every rank sends before it receives cannot
// deadlock); `recv` waits on a condition variable until its message is there. One lock guards
// every mailbox of the world: the ranks of a course-sized world are few, and a collective
// moves whole chunks, so the lock is taken a handful of times per collective.
//
// Each rank runs on its own pthread, never a Dispatch queue or a task pool: a rank blocks in
// `recv` for as long as its peers take, and a pool of 2 threads with 8 blocked ranks would
// never run the rank they wait for.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A pthread mutex with one condition variable.
final class Monitor: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        condition.deallocate()
    }

    func locked<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Waits (the lock held) until woken or `deadline` (seconds since the epoch) passes;
    /// false when the deadline passed.
    func wait(until deadline: Double) -> Bool {
        var ts = timespec(tv_sec: Int(deadline), tv_nsec: Int((deadline - Double(Int(deadline))) * 1e9))
        return pthread_cond_timedwait(condition, mutex, &ts) == 0
    }

    func wakeAll() { pthread_cond_broadcast(condition) }
}

/// Seconds since the epoch (the clock pthread_cond_timedwait reads).
func wallClock() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// A dedicated thread running one closure; `join()` waits for it.
final class RankThread: @unchecked Sendable {
    private final class Start: @unchecked Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    #if canImport(Glibc)
    private var thread = pthread_t()
    #else
    private var thread: pthread_t? = nil
    #endif

    init(_ body: @escaping @Sendable () -> Void) {
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        pthread_attr_setstacksize(&attributes, 16 << 20)   // a model's backward recurses: 16 MiB, as a main thread has
        let start = Unmanaged.passRetained(Start(body)).toOpaque()
        let status = pthread_create(&thread, &attributes, { raw in
            #if canImport(Glibc)
            let start = Unmanaged<Start>.fromOpaque(raw!).takeRetainedValue()
            #else
            let start = Unmanaged<Start>.fromOpaque(raw).takeRetainedValue()
            #endif
            start.body()
            return nil
        }, start)
        pthread_attr_destroy(&attributes)
        check(status == 0, "az1use1: could not start a thread (pthread_create returned \(status))")
    }

    /// Lets the thread run on its own (nothing will join it).
    func detach() {
        #if canImport(Glibc)
        pthread_detach(thread)
        #else
        if let thread { pthread_detach(thread) }
        #endif
    }

    func join() {
        #if canImport(Glibc)
        pthread_join(thread, nil)
        #else
        if let thread { pthread_join(thread, nil) }
        #endif
    }
}

/// While ranks run, a crash (fatalError: SIGILL on x86-64, SIGTRAP on arm64; abort: SIGABRT)
/// ends the process at once, with the message the runtime printed first. Swift's own crash
/// handler stops every thread to print their stacks, and it hangs when two ranks crash at the
/// same moment (both reach the same failed check), so spawn puts this one in its place and
/// restores it when the last running world ends.
enum RankCrashHandler {
    private static let signals: [Int32] = [SIGILL, SIGTRAP, SIGABRT]
    private static let state = Mutex<(worlds: Int, saved: [sigaction])>((0, []))

    static func install() {
        state.withLock { s in
            s.worlds += 1
            guard s.worlds == 1 else { return }
            s.saved = signals.map { sig in
                var action = sigaction(), old = sigaction()
                #if canImport(Glibc)
                action.__sigaction_handler.sa_handler = { sig in
                    let note: StaticString = "spawn: a rank crashed; its message is above\n"   // no allocation in a signal handler
                    _ = write(2, note.utf8Start, note.utf8CodeUnitCount)
                    signal(sig, SIG_DFL)   // returning re-runs the trap (or abort raises again): the default action ends the process
                }
                #else
                action.__sigaction_u.__sa_handler = { sig in signal(sig, SIG_DFL) }
                #endif
                sigemptyset(&action.sa_mask)
                sigaction(sig, &action, &old)
                return old
            }
        }
    }

    static func remove() {
        state.withLock { s in
            s.worlds -= 1
            guard s.worlds == 0 else { return }
            for (sig, old) in zip(signals, s.saved) {
                var previous = old
                sigaction(sig, &previous, nil)
            }
        }
    }
}

/// The mailboxes of one world of thread ranks, and whether a rank has failed.
final class ThreadWorld: @unchecked Sendable {
    /// Point-to-point messages and the collectives' own travel apart, so a barrier between a
    /// send and its recv does not take the sent tensor for its signal.
    enum Channel: Hashable { case collective, pointToPoint }
    struct Key: Hashable { let group: String; let channel: Channel; let from: Int; let to: Int }

    let size: Int
    /// Seconds a rank waits for one message before the world gives up (PICOGRAD_PG_TIMEOUT, default 300).
    let timeout: Double
    private let monitor = Monitor()
    private var mailboxes: [Key: [[Float]]] = [:]
    private var failed: (rank: Int, message: String)? = nil

    init(size: Int) {
        self.size = size
        timeout = environment("PICOGRAD_PG_TIMEOUT").flatMap(Double.init) ?? 300
    }

    /// The first failure (a rank that threw or waited past the timeout), if any.
    var failure: (rank: Int, message: String)? { monitor.locked { failed } }

    /// Marks the world failed by `rank` (the first failure wins) and wakes every waiting rank.
    func abort(rank: Int, message: String) {
        monitor.locked {
            if failed == nil { failed = (rank, message) }
            monitor.wakeAll()
        }
    }

    func post(_ data: [Float], key: Key) {
        monitor.locked {
            mailboxes[key, default: []].append(data)
            monitor.wakeAll()
        }
    }

    /// The oldest message in the mailbox, waiting for one; nil once the world has failed.
    func take(key: Key) -> [Float]? {
        monitor.locked {
            let deadline = wallClock() + timeout
            while mailboxes[key, default: []].isEmpty && failed == nil {
                if !monitor.wait(until: deadline) && wallClock() >= deadline && mailboxes[key, default: []].isEmpty {
                    if failed == nil {
                        failed = (key.to, "waited over \(Int(timeout)) s for a message from rank \(key.from) in group \(key.group) (does every rank call the same collectives in the same order?)")
                    }
                    monitor.wakeAll()
                }
            }
            if failed != nil { return nil }
            return mailboxes[key]!.removeFirst()
        }
    }
}

/// A process group of thread ranks: `members` are world ranks, `rank` this rank's index among them.
final class ThreadGroup: ProcessGroup, @unchecked Sendable {
    let world: ThreadWorld
    let name: String
    let members: [Int]
    let rank: Int
    var worldSize: Int { members.count }
    private let sent = Mutex(0)
    var bytesSent: Int { sent.withLock { $0 } }

    /// The world group of `rank`.
    convenience init(world: ThreadWorld, rank: Int) {
        self.init(world: world, name: "world", members: Array(0..<world.size), rank: rank)
    }

    init(world: ThreadWorld, name: String, members: [Int], rank: Int) {
        (self.world, self.name, self.members, self.rank) = (world, name, members, rank)
    }

    func subgroup(_ ranks: [Int], name: String) -> ProcessGroup {
        check(!ranks.isEmpty && Set(ranks).count == ranks.count && ranks.allSatisfy { (0..<worldSize).contains($0) },
              "subgroup: ranks \(ranks) must be distinct ranks of a group of \(worldSize)")
        guard let mine = ranks.firstIndex(of: rank) else { fail("subgroup: rank \(rank) is not one of \(ranks)") }
        let label = "\(self.name)/\(name)[\(ranks.map { String(members[$0]) }.joined(separator: ","))]"
        return ThreadGroup(world: world, name: label, members: ranks.map { members[$0] }, rank: mine)
    }

    /// Sends floats to group rank `to` (counted in bytesSent).
    func sendFloats(_ data: [Float], to: Int, channel: ThreadWorld.Channel = .collective) {
        check((0..<worldSize).contains(to), "send: rank \(to) is not in a group of \(worldSize)")
        sent.withLock { $0 += data.count * MemoryLayout<Float>.size }
        world.post(data, key: .init(group: name, channel: channel, from: members[rank], to: members[to]))
    }

    /// The next floats group rank `from` sent here; `count` zeros once the world has failed.
    func recvFloats(from: Int, count: Int, channel: ThreadWorld.Channel = .collective) -> [Float] {
        check((0..<worldSize).contains(from), "recv: rank \(from) is not in a group of \(worldSize)")
        guard let data = world.take(key: .init(group: name, channel: channel, from: members[from], to: members[rank])) else {
            return [Float](repeating: 0, count: count)
        }
        check(data.count == count, "recv: rank \(rank) of group \(name) expected \(count) floats from rank \(from), got \(data.count) (the ranks disagree on a shape)")
        return data
    }

    func send(_ t: Tensor, to: Int) {
        check(t.dtype == .float32, "send: only float32 tensors travel, got \(t.dtype) of shape \(t.shape)")
        sendFloats(t.toArray(), to: to, channel: .pointToPoint)
    }

    func recv(from: Int, shape: [Int]) -> Tensor {
        Tensor(recvFloats(from: from, count: shape.reduce(1, *), channel: .pointToPoint), shape: shape)
    }
}
