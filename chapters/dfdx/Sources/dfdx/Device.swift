// Devices: where a tensor lives, and which device new tensors are made on.
//
// A `Device` is only an identifier. The memory and the kernels behind it belong to the
// `Backend` registered for it (Backend.swift, Backends.swift). The default device is one
// process-wide value (like torch.set_default_device) with a task-local override on top, so
// one thread can build a model for `cuda:0` while another builds one for the CPU.
import Synchronization

/// Where a tensor lives: `.reference` (dfdx's readable loops), `.cpu`, or `.cuda(i)`.
public struct Device: Hashable, Sendable, CustomStringConvertible {
    /// The kind of hardware; `index` tells GPUs apart.
    public enum Kind: String, Hashable, Sendable { case reference, cpu, cuda }
    public let kind: Kind
    public let index: Int

    public init(kind: Kind, index: Int = 0) {
        self.kind = kind
        self.index = index
    }

    /// The host CPU. Served by the reference backend until brrr registers a fast one.
    public static let cpu = Device(kind: .cpu)
    /// The reference backend, always: plain loops over strided indices.
    public static let reference = Device(kind: .reference)
    /// The i-th CUDA GPU (needs brrr's CUDA backend).
    public static func cuda(_ i: Int) -> Device { Device(kind: .cuda, index: i) }

    public var description: String { kind == .cuda ? "cuda:\(index)" : kind.rawValue }

    /// Parses "cpu", "reference", "cuda", "cuda:1"; nil for anything else.
    public init?(parsing text: String) {
        switch text {
        case "cpu": self = .cpu
        case "reference": self = .reference
        case "cuda": self = .cuda(0)
        default:
            guard text.hasPrefix("cuda:"), let i = Int(text.dropFirst(5)), i >= 0 else { return nil }
            self = .cuda(i)
        }
    }

    private static let processDefault = Mutex<Device>(.cpu)
    /// Set by `withDefaultDevice` for the current task/thread.
    @TaskLocal static var taskDefault: Device? = nil

    /// The device new tensors are made on: the innermost `withDefaultDevice`, else the
    /// process-wide value (thread-safe; setting it changes the process-wide value).
    public static var `default`: Device {
        get { taskDefault ?? processDefault.withLock { $0 } }
        set { processDefault.withLock { $0 = newValue } }
    }
}

/// Runs `body` with `device` as the default device of everything it allocates (tensors,
/// modules, optimizer state), for this task/thread only; other threads keep theirs.
public func withDefaultDevice<T>(_ device: Device, _ body: () throws -> T) rethrows -> T {
    try Device.$taskDefault.withValue(device, operation: body)
}
