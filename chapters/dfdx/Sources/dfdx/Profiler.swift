// A dispatch handler that runs every primitive and counts and times it, by name: the
// eager profiler (`picograd generate --profile`). On an asynchronous backend the times are
// launch times unless `synchronizing` is set.

/// Counts and times the primitives dispatched while it is installed (`Dispatch.withHandler`).
public final class Profiler: DispatchHandler, @unchecked Sendable {
    /// Per primitive name: how many ran and the seconds they took.
    public private(set) var counts: [String: Int] = [:]
    public private(set) var seconds: [String: Double] = [:]
    /// Wait for each op to finish before reading the clock (true GPU times, slower).
    public let synchronizing: Bool
    private var started: [Double] = []

    public init(synchronizing: Bool = false) { self.synchronizing = synchronizing }

    /// Forgets what was counted so far (e.g. the prompt, to profile decode steps only).
    public func reset() { counts = [:]; seconds = [:] }

    /// All primitives counted so far.
    public var total: Int { counts.values.reduce(0, +) }

    public func willDispatch(_ primitive: Primitive, inputs: [Tensor]) -> DispatchAction {
        started.append(monotonicSeconds())
        return .run
    }

    public func didDispatch(_ primitive: Primitive, inputs: [Tensor], output: Tensor) {
        if synchronizing { output.backend.synchronize() }
        let t = monotonicSeconds() - (started.popLast() ?? monotonicSeconds())
        counts[primitive.name, default: 0] += 1
        seconds[primitive.name, default: 0] += t
    }

    /// One line per primitive name, most time first: `matmul  210  12.3 ms`.
    public func report(per steps: Int = 1) -> String {
        let n = Double(Swift.max(steps, 1))
        return seconds.sorted { $0.value > $1.value }.map { name, s in
            let c = Double(counts[name] ?? 0) / n
            return "  \(name.padding(14))\(fixed(c, c == c.rounded() ? 0 : 1).leftPadding(8))  \(fixed(s / n * 1e3, 3).leftPadding(9)) ms"
        }.joined(separator: "\n")
    }
}

extension String {
    /// The string padded with spaces on the right to `width` characters.
    func padding(_ width: Int) -> String { count >= width ? self + " " : self + String(repeating: " ", count: width - count) }
    /// The string padded with spaces on the left to `width` characters.
    func leftPadding(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
