// The rendezvous of a multi-process run: a small key-value store over TCP, like
// torch.distributed.TCPStore. Rank 0 serves it on MASTER_ADDR:MASTER_PORT and every rank (rank 0
// too) is a client. NCCL's unique id travels through it (rank 0 sets it, the others get it), and
// `barrier` counts arrivals. Every wait has a deadline: a rank that died, or never started, makes
// the others fail with a message naming it instead of hanging.
//
// The protocol is one request, one reply, over a connection per client:
//   request  op (1 byte) | key length (4) | key | value length (4) | value | timeout in ms (4)
//   reply    status (1 byte: 0 ok, 1 timed out, 2 bad request) | length (4) | data
// (lengths little-endian). `get` waits on the server until the key exists; `add` adds an 8-byte
// integer to a counter and returns the new value.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What went wrong with the store: a message naming the peer or the key, for the user.
public struct StoreError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Seconds on a monotonic clock.
func storeClock() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// A connected TCP socket: whole messages in and out, every read bounded by a deadline.
final class StoreSocket: @unchecked Sendable {
    let fd: Int32
    init(fd: Int32) {
        self.fd = fd
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }
    deinit { close(fd) }

    func send(_ bytes: [UInt8], _ what: String) throws {
        var sent = 0
        while sent < bytes.count {
            #if canImport(Glibc)
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            #else
            let n = bytes.withUnsafeBytes { Darwin.send(fd, $0.baseAddress! + sent, bytes.count - sent, 0) }
            #endif
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw StoreError("\(what): the connection closed (\(String(cString: strerror(errno))))") }
            sent += n
        }
    }

    /// Exactly `count` bytes, or an error once `deadline` (monotonic seconds) has passed.
    func receive(_ count: Int, deadline: Double, _ what: String) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let left = deadline - storeClock()
            guard left > 0 else { throw StoreError("\(what): no answer before the deadline") }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&p, 1, Int32(Swift.min(left * 1000, 1e9)) + 1)
            if ready < 0 && errno == EINTR { continue }
            if ready == 0 { continue }
            let n = out.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + got, count - got, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw StoreError("\(what): the connection closed") }
            got += n
        }
        return out
    }
}

func appendU32(_ out: inout [UInt8], _ v: Int) { for i in 0..<4 { out.append(UInt8(truncatingIfNeeded: v >> (8 * i))) } }
func readU32(_ b: [UInt8], _ at: Int = 0) -> Int { (0..<4).reduce(0) { $0 | Int(b[at + $1]) << (8 * $1) } }
func int64Bytes(_ v: Int) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: Int64(v) >> (8 * $0)) } }
func int64Value(_ b: [UInt8]) -> Int { Int((0..<8).reduce(Int64(0)) { $0 | Int64(b[$1]) << (8 * $1) }) }

/// A detached thread running a closure (the server's accept loop and one per connection).
func startThread(_ body: @escaping @Sendable () -> Void) { RankThread(body).detach() }

/// A new IPv4 TCP socket, or an error naming why not.
func tcpSocket() throws -> Int32 {
    #if canImport(Glibc)
    let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
    let fd = Darwin.socket(AF_INET, SOCK_STREAM, 0)
    #endif
    guard fd >= 0 else { throw StoreError("store: cannot make a socket (\(String(cString: strerror(errno))))") }
    return fd
}

/// The server's table: keys to values, with a condition variable for `get`'s waits.
final class StoreTable: @unchecked Sendable {
    private var values: [String: [UInt8]] = [:]
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let changed = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    init() { pthread_mutex_init(mutex, nil); pthread_cond_init(changed, nil) }

    func set(_ key: String, _ value: [UInt8]) {
        pthread_mutex_lock(mutex); values[key] = value; pthread_cond_broadcast(changed); pthread_mutex_unlock(mutex)
    }
    func add(_ key: String, _ amount: Int) -> Int {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        let v = values[key].map(int64Value) ?? 0
        values[key] = int64Bytes(v + amount)
        pthread_cond_broadcast(changed)
        return v + amount
    }
    /// The value once it exists, or nil when `seconds` pass first.
    func wait(_ key: String, seconds: Double) -> [UInt8]? {
        let deadline = storeClock() + seconds
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while values[key] == nil {
            let left = deadline - storeClock()
            if left <= 0 { return nil }
            var now = timespec()
            clock_gettime(CLOCK_REALTIME, &now)
            let t = Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9 + Swift.min(left, 0.2)
            var ts = timespec(tv_sec: Int(t), tv_nsec: Int((t - t.rounded(.down)) * 1e9))
            pthread_cond_timedwait(changed, mutex, &ts)
        }
        return values[key]
    }
}

/// The key-value store of a run: `TCPStore(host:port:isServer:)` on every rank, the server on rank 0.
public final class TCPStore: @unchecked Sendable {
    public let host: String
    public let port: Int
    /// How long a `get` or `barrier` waits before it fails (seconds).
    public let timeout: Double
    private let socket: StoreSocket
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var listener: Int32 = -1
    /// A `get` that saw no value in time (barrier tells it from a lost connection).
    struct TimedOut: Error { let key: String; let seconds: Double }

    /// Connects to the store at host:port, retrying until `timeout` (rank 0 may start last).
    /// With `isServer` this process also serves it (bound before connecting).
    public init(host: String, port: Int, isServer: Bool, timeout: Double = 60) throws {
        self.host = host
        self.port = port
        self.timeout = timeout
        pthread_mutex_init(lock, nil)
        if isServer { listener = try TCPStore.serve(port: port) }
        socket = try TCPStore.connect(host: host, port: port, timeout: timeout)
    }

    deinit {
        if listener >= 0 { shutdown(listener, Int32(SHUT_RDWR)); close(listener) }
    }

    private static func address(_ host: String, _ port: Int) throws -> sockaddr_in {
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = in_port_t(UInt16(port).bigEndian)
        let name = host == "localhost" ? "127.0.0.1" : host
        guard inet_pton(AF_INET, name, &a.sin_addr) == 1 else {
            throw StoreError("store: MASTER_ADDR '\(host)' is not an IPv4 address")
        }
        return a
    }

    private static func serve(port: Int) throws -> Int32 {
        let fd = try tcpSocket()
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = in_port_t(UInt16(port).bigEndian)
        a.sin_addr.s_addr = INADDR_ANY
        let bound = withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0, listen(fd, 128) == 0 else {
            let why = String(cString: strerror(errno))
            close(fd)
            throw StoreError("store: rank 0 cannot listen on port \(port) (\(why)); set MASTER_PORT to a free port")
        }
        let table = StoreTable()
        startThread {
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 { if errno == EINTR { continue }; return }   // the listener closed
                let connection = StoreSocket(fd: client)
                startThread { TCPStore.answer(connection, table) }
            }
        }
        return fd
    }

    /// The server side of one client's connection: requests until it closes.
    private static func answer(_ s: StoreSocket, _ table: StoreTable) {
        while true {
            guard let head = try? s.receive(5, deadline: .infinity, "store") else { return }
            let op = head[0], keyLength = readU32(head, 1)
            guard keyLength < 1 << 20, let key = try? s.receive(keyLength, deadline: storeClock() + 10, "store"),
                  let vl = try? s.receive(4, deadline: storeClock() + 10, "store"), readU32(vl) < 1 << 30,
                  let value = try? s.receive(readU32(vl), deadline: storeClock() + 60, "store"),
                  let tm = try? s.receive(4, deadline: storeClock() + 10, "store") else { return }
            let name = String(decoding: key, as: UTF8.self)
            var status: UInt8 = 0, data: [UInt8] = []
            switch op {
            case 1: table.set(name, value)
            case 2: if let v = table.wait(name, seconds: Double(readU32(tm)) / 1000) { data = v } else { status = 1 }
            case 3: data = int64Bytes(table.add(name, value.count == 8 ? int64Value(value) : 0))
            default: status = 2
            }
            var reply: [UInt8] = [status]
            appendU32(&reply, data.count)
            guard (try? s.send(reply + data, "store")) != nil else { return }
        }
    }

    private static func connect(host: String, port: Int, timeout: Double) throws -> StoreSocket {
        var a = try address(host, port)
        let deadline = storeClock() + timeout
        var last = ""
        while true {
            let fd = try tcpSocket()
            #if canImport(Glibc)
            let ok = withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            #else
            let ok = withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Darwin.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            #endif
            if ok == 0 { return StoreSocket(fd: fd) }
            last = String(cString: strerror(errno))
            close(fd)
            guard storeClock() < deadline else {
                throw StoreError("store: no rank 0 at \(host):\(port) within \(Int(timeout)) s (\(last))")
            }
            usleep(50_000)
        }
    }

    private func request(_ op: UInt8, _ key: String, _ value: [UInt8], wait: Double, _ what: String) throws -> (UInt8, [UInt8]) {
        var message: [UInt8] = [op]
        let k = Array(key.utf8)
        appendU32(&message, k.count); message += k
        appendU32(&message, value.count); message += value
        appendU32(&message, Int(wait * 1000))
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        let peer = "store at \(host):\(port) (rank 0)"
        do {
            try socket.send(message, what)
            let head = try socket.receive(5, deadline: storeClock() + wait + 30, what)
            let data = try socket.receive(readU32(head, 1), deadline: storeClock() + 30, what)
            return (head[0], data)
        } catch let e as StoreError {
            throw StoreError("\(e.description): the \(peer) is gone (did rank 0 exit?)")
        }
    }

    /// Sets `key` (replacing any value).
    public func set(_ key: String, _ value: [UInt8]) throws {
        _ = try request(1, key, value, wait: 0, "store set '\(key)'")
    }

    /// The value of `key`, waiting for some rank to set it; fails after `timeout` seconds.
    public func get(_ key: String, timeout: Double? = nil) throws -> [UInt8] {
        do { return try waitFor(key, timeout: timeout) } catch let e as TimedOut {
            throw StoreError("store get '\(e.key)': nobody set it within \(Int(e.seconds)) s")
        }
    }

    private func waitFor(_ key: String, timeout: Double? = nil) throws -> [UInt8] {
        let t = timeout ?? self.timeout
        let (status, data) = try request(2, key, [], wait: t, "store get '\(key)'")
        guard status == 0 else { throw TimedOut(key: key, seconds: t) }
        return data
    }

    /// Adds `amount` to the counter `key` (0 if unset) and returns its new value.
    public func add(_ key: String, _ amount: Int) throws -> Int {
        int64Value(try request(3, key, int64Bytes(amount), wait: 0, "store add '\(key)'").1)
    }

    /// Waits until all `worldSize` ranks have called `barrier(name, ...)`; after `timeout`
    /// seconds fails naming the ranks that did not arrive. The serving rank also waits for every
    /// rank to have seen the barrier pass, so it never closes the store under a rank still in it.
    public func barrier(_ name: String, rank: Int, worldSize: Int, timeout: Double? = nil) throws {
        let t = timeout ?? self.timeout
        try set("\(name)/arrived/\(rank)", [1])
        if try add("\(name)/count", 1) == worldSize { try set("\(name)/done", [1]) }
        do {
            _ = try waitFor("\(name)/done", timeout: t)
        } catch is TimedOut {
            var missing: [Int] = []
            for r in 0..<worldSize where (try? waitFor("\(name)/arrived/\(r)", timeout: 0)) == nil { missing.append(r) }
            let who = missing.map(String.init).joined(separator: ", ")
            throw StoreError("barrier '\(name)': rank\(missing.count == 1 ? "" : "s") \(who) did not arrive within \(Int(t)) s (waiting on rank \(rank))")
        }
        // the last to leave tells the serving rank, which may exit before this set's reply comes
        // back: the barrier has passed for everyone, so a lost reply is no error
        if try add("\(name)/left", 1) == worldSize { try? set("\(name)/all-left", [1]) }
        if listener >= 0 {
            do { _ = try waitFor("\(name)/all-left", timeout: t) } catch is TimedOut {
                throw StoreError("barrier '\(name)': not every rank left it within \(Int(t)) s (one died inside it?)")
            }
        }
    }
}
