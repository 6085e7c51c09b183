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


/// A `Generator` is a Swift random number generator too: `ids.shuffled(using: &generator)`,
/// `Int.random(in: 0..<n, using: &generator)`.
extension Generator: RandomNumberGenerator {}

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
    /// True inside `withDefaultGenerator(_:)`: a draw there comes from the default generator
    /// and is announced to the dispatch handler (`didDrawRandom`).
    @TaskLocal static var drawing = false
}

/// How a tensor of random numbers was drawn from the default generator, so that a compiler
/// that captured the draw can make it again, fresh, at every call (`Tensor.draw`).
public enum RandomDraw: Hashable, Sendable, CustomStringConvertible {
    /// randn: standard normal floats.
    case normal
    /// rand: uniform floats in [0, 1).
    case uniform
    /// randint: uniform int32 values in low..<high.
    case integers(low: Int, high: Int)

    public var description: String {
        switch self {
        case .normal: return "randn"
        case .uniform: return "rand"
        case .integers(let low, let high): return "randint(\(low), \(high))"
        }
    }
}

/// Tells the handler that `t` was drawn from the default generator (a no-op outside one).
private func announce(_ draw: RandomDraw, _ t: Tensor) -> Tensor {
    if DefaultGenerator.drawing { Dispatch.handler?.didDrawRandom(draw, output: t) }
    return t
}

/// Reseeds the default generator (torch.manual_seed): the task's own one inside
/// `withDefaultGenerator(_:_:)`, else the process-wide one.
public func manualSeed(_ seed: UInt64) {
    DefaultGenerator.current.state.withLock { $0 = Generator(seed: seed) }
}

/// Runs `body` with exclusive use of the default generator (the task's, else the process's).
public func withDefaultGenerator<T>(_ body: (inout Generator) -> T) -> T {
    DefaultGenerator.$drawing.withValue(true) { DefaultGenerator.current.state.withLock { body(&$0) } }
}

/// Runs `body` with `generator` as the default generator of this task/thread: every draw
/// inside (randn, rand, module init, dropout) comes from it; other threads are unaffected.
public func withDefaultGenerator<T>(_ generator: Generator, _ body: () throws -> T) rethrows -> T {
    try DefaultGenerator.$override.withValue(GeneratorBox(generator), operation: body)
}

extension Tensor {
    /// Standard normal samples (a leaf that requires grad with `requiresGrad`, like torch's).
    public static func randn(_ shape: [Int], generator: inout Generator, requiresGrad: Bool = false, device: Device = .default) -> Tensor {
        let n = shape.reduce(1, *)
        return announce(.normal, Tensor((0..<n).map { _ in generator.normal() }, shape: shape, requiresGrad: requiresGrad, device: device))
    }

    /// Uniform samples in [0, 1).
    public static func rand(_ shape: [Int], generator: inout Generator, requiresGrad: Bool = false, device: Device = .default) -> Tensor {
        let n = shape.reduce(1, *)
        return announce(.uniform, Tensor((0..<n).map { _ in generator.uniform() }, shape: shape, requiresGrad: requiresGrad, device: device))
    }

    /// Standard normal samples from the default generator.
    public static func randn(_ shape: [Int], requiresGrad: Bool = false, device: Device = .default) -> Tensor {
        withDefaultGenerator { randn(shape, generator: &$0, requiresGrad: requiresGrad, device: device) }
    }

    /// Uniform [0, 1) samples from the default generator.
    public static func rand(_ shape: [Int], requiresGrad: Bool = false, device: Device = .default) -> Tensor {
        withDefaultGenerator { rand(shape, generator: &$0, requiresGrad: requiresGrad, device: device) }
    }

    /// A draw of `shape` made again from the default generator, as `RandomDraw` describes it
    /// (how compiled code draws fresh numbers at every call).
    public static func draw(_ draw: RandomDraw, _ shape: [Int], device: Device = .default) -> Tensor {
        switch draw {
        case .normal: return randn(shape, device: device)
        case .uniform: return rand(shape, device: device)
        case .integers(let low, let high): return randint(low, high, shape, device: device)
        }
    }
}

extension Tensor {
    /// Uniform integers in low..<high as an int32 tensor (torch.randint).
    public static func randint(_ low: Int, _ high: Int, _ shape: [Int], generator: inout Generator,
                               device: Device = .default, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(low < high, "randint: low \(low) must be below high \(high) (shape \(shape))", file: file, line: line)
        let n = elementCount(shape)
        return announce(.integers(low: low, high: high),
                        Tensor(int32: (0..<n).map { _ in low + generator.int(below: high - low) }, shape: shape, device: device))
    }

    /// Uniform integers in 0..<high as an int32 tensor (torch.randint(high, size)).
    public static func randint(_ high: Int, _ shape: [Int], generator: inout Generator, device: Device = .default) -> Tensor {
        randint(0, high, shape, generator: &generator, device: device)
    }

    /// Uniform integers in low..<high from the default generator.
    public static func randint(_ low: Int, _ high: Int, _ shape: [Int], device: Device = .default) -> Tensor {
        withDefaultGenerator { randint(low, high, shape, generator: &$0, device: device) }
    }

    /// Uniform integers in 0..<high from the default generator.
    public static func randint(_ high: Int, _ shape: [Int], device: Device = .default) -> Tensor {
        randint(0, high, shape, device: device)
    }

    /// Category ids drawn from the rows of self, nonnegative weights [C] or [R, C] (need not sum
    /// to 1), like torch.multinomial: int32 [numSamples] or [R, numSamples]. Composed: each draw
    /// u (uniform, scaled by the row's total) picks the first category whose running total
    /// (a matmul with an upper-triangular matrix of ones) exceeds u. Without replacement a
    /// drawn category's weight is zeroed before the next draw.
    public func multinomial(_ numSamples: Int, replacement: Bool = false, generator: inout Generator, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(rank == 1 || rank == 2, "multinomial: prob_dist must be 1 or 2 dim, got shape \(shape)", file: file, line: line)
        let c = shape[rank - 1]
        check(numSamples > 0, "multinomial: numSamples must be positive, got \(numSamples) (shape \(shape))", file: file, line: line)
        check(replacement || numSamples <= c,
              "multinomial: cannot sample \(numSamples) > prob_dist.size(-1) = \(c) samples without replacement (shape \(shape))", file: file, line: line)
        var weights = withNoGrad { rank == 1 ? reshape([1, c]) : self }
        let rows = weights.shape[0]
        let upper = Tensor.ones([c, c], device: device).triu()
        let categories = Tensor.arange(c, device: device)
        var draws: [Tensor] = []
        withNoGrad {
            for _ in 0..<(replacement ? 1 : numSamples) {
                let running = weights.matmul(upper)                                         // [R, C]
                let total = running.slice(dim: 1, start: c - 1, end: c)                      // [R, 1]
                let u = Tensor.rand([rows, replacement ? numSamples : 1], generator: &generator, device: device) * total
                let above = u.unsqueeze(dim: -1).lt(running.unsqueeze(dim: 1)).sum(dim: -1)  // [R, S]
                let drawn = Float(c) - above.maximum(Tensor.ones([], device: device))          // never past the last
                draws.append(drawn)
                if !replacement { weights = weights * (1 - categories.eq(drawn)) }
            }
        }
        let ids = (draws.count == 1 ? draws[0] : cat(draws, dim: 1)).to(.int32)
        return rank == 1 ? ids.reshape([numSamples]) : ids
    }

    /// multinomial from the default generator.
    public func multinomial(_ numSamples: Int, replacement: Bool = false) -> Tensor {
        withDefaultGenerator { multinomial(numSamples, replacement: replacement, generator: &$0) }
    }
}
