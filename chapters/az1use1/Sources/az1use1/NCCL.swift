// NVIDIA's NCCL, loaded at run time with dlopen (no link-time dependency: the course builds and
// runs where there is no GPU). This part finds the library, reads its version and its error
// names, and looks up the entry points the process group calls (NCCLProcessGroup.swift: one
// process per GPU, started by `picograd launch`, the unique id through the TCP store).
// NVLink multicast stays off: NCCL_NVLS_ENABLE=0 is set before anything of NCCL runs (and
// nothing here calls cuMulticastCreate).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Why NCCL cannot be used here, in words for the user.
public struct NCCLError: Error, CustomStringConvertible, Equatable {
    public let description: String
}

/// libnccl.so.2, opened once per process.
public final class NCCLLibrary: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer
    typealias GetVersion = @convention(c) (UnsafeMutablePointer<Int32>) -> Int32
    typealias GetErrorString = @convention(c) (Int32) -> UnsafePointer<CChar>?

    /// NCCL's version as ncclGetVersion returns it (e.g. 22105 for 2.21.5).
    public let version: Int
    /// The version as people write it: "2.28.3" for 22803 (NCCL before 2.9 encoded it as 2703).
    public var versionName: String {
        let v = version
        return v >= 10000 ? "\(v / 10000).\(v / 100 % 100).\(v % 100)" : "\(v / 1000).\(v / 100 % 10).\(v % 100)"
    }

    private init(handle: UnsafeMutableRawPointer, version: Int) { (self.handle, self.version) = (handle, version) }

    /// The library, or an error naming what is missing. `names` are tried in order, after the
    /// path in PICOGRAD_NCCL when it is set (e.g. PyTorch's copy, nvidia/nccl/lib/libnccl.so.2).
    public static func load(names: [String] = ["libnccl.so.2", "libnccl.so"]) throws -> NCCLLibrary {
        setenv("NCCL_NVLS_ENABLE", "0", 1)   // before NCCL reads its environment
        var reasons: [String] = []
        for name in (getenv("PICOGRAD_NCCL").map { [String(cString: $0)] } ?? []) + names {
            guard let h = dlopen(name, RTLD_NOW | RTLD_LOCAL) else {
                reasons.append(dlerror().map { String(cString: $0) } ?? "\(name): not found")
                continue
            }
            guard let sym = dlsym(h, "ncclGetVersion") else {
                dlclose(h)
                throw NCCLError(description: "nccl: \(name) has no ncclGetVersion; is it NCCL?")
            }
            var v: Int32 = 0
            let status = unsafeBitCast(sym, to: GetVersion.self)(&v)
            let library = NCCLLibrary(handle: h, version: Int(v))
            guard status == 0 else { throw NCCLError(description: "nccl: ncclGetVersion failed: \(library.errorName(status))") }
            return library
        }
        throw NCCLError(description: "nccl: cannot load NVIDIA's NCCL (\(reasons.joined(separator: "; "))); the nccl transport needs libnccl.so.2 and a GPU, use .threads here")
    }

    /// ncclGetErrorString of a result code ("unhandled cuda error", ...), with its number.
    public func errorName(_ code: Int32) -> String {
        guard let sym = dlsym(handle, "ncclGetErrorString"),
              let text = unsafeBitCast(sym, to: GetErrorString.self)(code) else { return "NCCL error \(code)" }
        return "\(String(cString: text)) (ncclResult_t \(code))"
    }
}

extension NCCLLibrary {
    private static let opened = Mutex<Result<NCCLLibrary, NCCLError>?>(nil)

    /// The process's library, loaded on first use (the same error every time when it is absent).
    public static func shared() throws -> NCCLLibrary {
        try opened.withLock { r in
            if r == nil {
                do { r = .success(try load()) } catch let e as NCCLError { r = .failure(e) } catch { r = .failure(NCCLError(description: "\(error)")) }
            }
            return try r!.get()
        }
    }

    /// The entry point `name` as a C function of type `T`, or an error naming it.
    func symbol<T>(_ name: String, as type: T.Type) throws -> T {
        guard let p = dlsym(handle, name) else {
            throw NCCLError(description: "nccl: libnccl (version \(version)) has no \(name); the process group needs NCCL 2.10 or later")
        }
        return unsafeBitCast(p, to: type)
    }

    /// "nccl: CALL failed: NAME (ncclResult_t N)" when `code` is not ncclSuccess (0), with what
    /// ncclGetLastError adds when it says more.
    func check(_ code: Int32, _ call: String, comm: OpaquePointer? = nil) throws(NCCLError) {
        guard code != 0 else { return }
        var text = "nccl: \(call) failed: \(errorName(code))"
        if let sym = dlsym(handle, "ncclGetLastError"),
           let last = unsafeBitCast(sym, to: (@convention(c) (OpaquePointer?) -> UnsafePointer<CChar>?).self)(comm) {
            let detail = String(cString: last)
            if !detail.isEmpty { text += "; NCCL says: \(detail)" }
        }
        throw NCCLError(description: text)
    }
}

/// NCCL's unique id, 128 bytes (NCCL_UNIQUE_ID_BYTES) that rank 0 makes and every rank passes
/// by value to ncclCommInitRank. Swift cannot pass a tuple to a C function by value, so the id
/// travels as a C struct of the same size: glibc's sockaddr_storage (128 bytes; a struct that
/// large goes in memory on x86-64 and by reference on arm64 whatever its fields, so the calls
/// agree).
typealias NCCLUniqueID = sockaddr_storage

/// The entry points the process group calls (nccl.h's signatures; enums are C ints).
struct NCCLFunctions: @unchecked Sendable {
    typealias Comm = OpaquePointer
    typealias Stream = OpaquePointer
    typealias GetUniqueId = @convention(c) (UnsafeMutablePointer<NCCLUniqueID>) -> Int32
    typealias CommInitRank = @convention(c) (UnsafeMutablePointer<Comm?>, Int32, NCCLUniqueID, Int32) -> Int32
    typealias CommDestroy = @convention(c) (Comm?) -> Int32
    /// ncclAllReduce, ncclReduceScatter: send, recv, count, datatype, op, comm, stream
    typealias Reduce = @convention(c) (UnsafeRawPointer?, UnsafeMutableRawPointer?, Int, Int32, Int32, Comm?, Stream?) -> Int32
    typealias AllGather = @convention(c) (UnsafeRawPointer?, UnsafeMutableRawPointer?, Int, Int32, Comm?, Stream?) -> Int32
    /// ncclBroadcast: send, recv, count, datatype, root, comm, stream
    typealias Broadcast = Reduce
    typealias Send = @convention(c) (UnsafeRawPointer?, Int, Int32, Int32, Comm?, Stream?) -> Int32
    typealias Recv = @convention(c) (UnsafeMutableRawPointer?, Int, Int32, Int32, Comm?, Stream?) -> Int32
    typealias Group = @convention(c) () -> Int32

    let getUniqueId: GetUniqueId
    let commInitRank: CommInitRank
    let commDestroy: CommDestroy
    let allReduce: Reduce
    let allGather: AllGather
    let reduceScatter: Reduce
    let broadcast: Broadcast
    let send: Send
    let recv: Recv
    let groupStart: Group
    let groupEnd: Group

    /// ncclFloat32.
    static let float32: Int32 = 7
    /// ncclSum, ncclMax, ncclAvg (ncclAvg since NCCL 2.10).
    static func op(_ op: ReduceOp) -> Int32 {
        switch op { case .sum: 0; case .max: 2; case .avg: 4 }
    }

    init(_ l: NCCLLibrary) throws {
        getUniqueId = try l.symbol("ncclGetUniqueId", as: GetUniqueId.self)
        commInitRank = try l.symbol("ncclCommInitRank", as: CommInitRank.self)
        commDestroy = try l.symbol("ncclCommDestroy", as: CommDestroy.self)
        allReduce = try l.symbol("ncclAllReduce", as: Reduce.self)
        allGather = try l.symbol("ncclAllGather", as: AllGather.self)
        reduceScatter = try l.symbol("ncclReduceScatter", as: Reduce.self)
        broadcast = try l.symbol("ncclBroadcast", as: Broadcast.self)
        send = try l.symbol("ncclSend", as: Send.self)
        recv = try l.symbol("ncclRecv", as: Recv.self)
        groupStart = try l.symbol("ncclGroupStart", as: Group.self)
        groupEnd = try l.symbol("ncclGroupEnd", as: Group.self)
    }
}
