// The registry from device to backend, and strict mode.
//
// One backend instance per `Device`, so `cuda:0` and `cuda:1` hold separate state (streams,
// pools). An instance is registered directly (`register(_:for:)`), or made on first use by a
// factory registered for a device kind (brrr's CUDA backend makes one per GPU index).
import Synchronization
internal import DfdxHooks

/// The registry from device to backend instance. Immutable reads, locked writes.
public enum Backends {
    public typealias Factory = @Sendable (Device) -> (any Backend)?

    private struct Table {
        var instances: [Device: any Backend] = [
            .reference: ReferenceBackend(device: .reference),
            .cpu: ReferenceBackend(device: .cpu),
        ]
        var factories: [Device.Kind: Factory] = [:]
        /// `instances[.cpu]` and `instances[.reference]`, kept beside the dictionary: every
        /// op looks one of them up, and these need no hashing.
        var cpu: (any Backend)?, reference: (any Backend)?
        init() { (cpu, reference) = (instances[.cpu], instances[.reference]) }
        mutating func set(_ backend: any Backend, for device: Device) {
            instances[device] = backend
            if device == .cpu { cpu = backend; Backends.publishCPU(backend) }
            if device == .reference { reference = backend }
        }
    }
    private static let table = Mutex(Table())

    /// True while the load-time installers run (they call `register`, which must not wait
    /// for them).
    @TaskLocal private static var installing = false
    /// Runs, once, every installer that a load-time constructor registered: `import brrr`
    /// alone puts brrr's backends in this table (see DfdxHooks/include/picograd_hooks.h).
    /// Every entry point of the registry reads it first, so a backend a program registers
    /// itself is never replaced later by an installer.
    private static let installed: Void = {
        var taken = [picograd_installer?](repeating: nil, count: 16)
        let n = Int(picograd_take_installers(&taken, 16))
        $installing.withValue(true) {
            for installer in taken[0..<n] { installer?() }
        }
    }()
    /// Set once the installers have run: every later lookup skips the task-local read.
    private static let installDone = Atomic<Bool>(false)
    @inline(__always) private static func install() {
        if installDone.load(ordering: .acquiring) { return }
        if !installing { _ = installed; installDone.store(true, ordering: .releasing) }
    }

    /// Makes `backend` serve `device` (brrr calls this for `.cpu`).
    public static func register(_ backend: any Backend, for device: Device) {
        install()
        table.withLock { $0.set(backend, for: device) }
    }

    /// Makes `factory` create the backend of each device of `kind` on first use (nil: that
    /// device does not exist here). Instances already made stay.
    public static func registerFactory(for kind: Device.Kind, _ factory: @escaping Factory) {
        install()
        table.withLock { $0.factories[kind] = factory }
    }

    /// The `.cpu` backend, readable without the lock: every eager op on the CPU looks it up,
    /// and an uncontended lock still cost a tenth of a small op. Each registration for `.cpu`
    /// publishes a new box; old boxes are never freed (there are a handful per process), so a
    /// reader holding one is never left with freed memory.
    private final class CPUBox: Sendable {
        let backend: any Backend
        init(_ backend: any Backend) { self.backend = backend }
    }
    private static let cpuBox = Atomic<UInt>(0)   // the box's address (0: none yet)
    fileprivate static func publishCPU(_ backend: any Backend) {
        cpuBox.store(UInt(bitPattern: Unmanaged.passRetained(CPUBox(backend)).toOpaque()), ordering: .releasing)
    }

    /// The backend serving `device`, or nil when there is none.
    public static func lookup(_ device: Device) -> (any Backend)? {
        if device.kind == .cpu, device.index == 0, let box = UnsafeRawPointer(bitPattern: cpuBox.load(ordering: .acquiring)) {
            return Unmanaged<CPUBox>.fromOpaque(box).takeUnretainedValue().backend
        }
        install()
        return table.withLock { t in
            if device.kind == .cpu, device.index == 0, let b = t.cpu {
                if cpuBox.load(ordering: .relaxed) == 0 { publishCPU(b) }
                return b
            }
            if device.kind == .reference, device.index == 0, let b = t.reference { return b }
            if let b = t.instances[device] { return b }
            guard let make = t.factories[device.kind], let b = make(device) else { return nil }
            t.set(b, for: device)
            return b
        }
    }

    /// The backend serving `device`; stops with a message when there is none.
    public static func backend(for device: Device) -> any Backend {
        if let backend = lookup(device) { return backend }
        fail("no backend for device \(device): \(device.kind == .cuda ? "import brrr on a machine where libcuda.so.1 loads" : "none registered")")
    }

    /// True when some backend serves `device` (false for `.cuda` until brrr registers one).
    public static func isAvailable(_ device: Device) -> Bool { lookup(device) != nil }

    /// True when `device` is served by something other than the reference backend.
    public static func isAccelerated(_ device: Device) -> Bool {
        !(backend(for: device) is ReferenceBackend)
    }
}

/// Strict mode (`PICOGRAD_STRICT=1`): every silent fallback becomes an error, so a test cannot
/// pass through a slow path that was meant to be fast.
public enum Strict {
    /// Read once from the environment at first use.
    public static let isEnabled: Bool = environment("PICOGRAD_STRICT") == "1"

    /// Call where a fast path gives up and falls back; stops in strict mode.
    public static func fallback(_ what: String) {
        if isEnabled { fail("strict mode: silent fallback: \(what)") }
    }
}
