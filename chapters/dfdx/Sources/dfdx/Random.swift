// A seeded random generator that gives the same numbers on every machine.
//
// SplitMix64 turns a seed into a stream of 64-bit integers; uniform floats take the top 24
// bits, normals come from the Box-Muller transform (computed in Double, rounded to Float).
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A reproducible random stream (SplitMix64), like torch.Generator.
public struct Generator: Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    public mutating func uniform() -> Float { Float(next() >> 40) / Float(1 << 24) }

    /// A standard normal sample (Box-Muller).
    public mutating func normal() -> Float {
        let u1 = (Double(next() >> 11) + 0.5) / Double(1 << 53)   // (0, 1): log stays finite
        let u2 = Double(next() >> 11) / Double(1 << 53)
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }

    /// A uniform integer in 0..<n.
    public mutating func int(below n: Int) -> Int {
        check(n > 0, "Generator.int: bound must be positive, got \(n)")
        return Int(next() % UInt64(n))
    }
}


/// A generator shared by reference, so `withDefaultGenerator` can hand one to a task.
final class GeneratorBox: Sendable {
    let state: Mutex<Generator>
    init(_ generator: Generator) { state = Mutex(generator) }
}

/// The default generator behind `randn(_:)`, `rand(_:)`, parameter init and dropout: one
/// process-wide stream, with a task-local override on top (each rank of a thread world can draw
/// its own stream, reproducibly, whatever the other threads do).
enum DefaultGenerator {
    static let shared = GeneratorBox(Generator(seed: 0))
    @TaskLocal static var override: GeneratorBox? = nil
    static var current: GeneratorBox { override ?? shared }
}

/// Reseeds the default generator (torch.manual_seed): the task's own one inside
/// `withDefaultGenerator(_:_:)`, else the process-wide one.
public func manualSeed(_ seed: UInt64) {
    DefaultGenerator.current.state.withLock { $0 = Generator(seed: seed) }
}

/// Runs `body` with exclusive use of the default generator (the task's, else the process's).
public func withDefaultGenerator<T>(_ body: (inout Generator) -> T) -> T {
    DefaultGenerator.current.state.withLock { body(&$0) }
}

/// Runs `body` with `generator` as the default generator of this task/thread: every draw
/// inside (randn, rand, module init, dropout) comes from it; other threads are unaffected.
public func withDefaultGenerator<T>(_ generator: Generator, _ body: () throws -> T) rethrows -> T {
    try DefaultGenerator.$override.withValue(GeneratorBox(generator), operation: body)
}

extension Tensor {
    /// Standard normal samples.
    public static func randn(_ shape: [Int], generator: inout Generator, device: Device = .default) -> Tensor {
        let n = shape.reduce(1, *)
        return Tensor((0..<n).map { _ in generator.normal() }, shape: shape, device: device)
    }

    /// Uniform samples in [0, 1).
    public static func rand(_ shape: [Int], generator: inout Generator, device: Device = .default) -> Tensor {
        let n = shape.reduce(1, *)
        return Tensor((0..<n).map { _ in generator.uniform() }, shape: shape, device: device)
    }

    /// Standard normal samples from the default generator.
    public static func randn(_ shape: [Int], device: Device = .default) -> Tensor {
        withDefaultGenerator { randn(shape, generator: &$0, device: device) }
    }

    /// Uniform [0, 1) samples from the default generator.
    public static func rand(_ shape: [Int], device: Device = .default) -> Tensor {
        withDefaultGenerator { rand(shape, generator: &$0, device: device) }
    }
}
