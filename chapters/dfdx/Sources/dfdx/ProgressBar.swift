// A progress bar for long runs (training, downloads), redrawn in place on one line.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A one-line progress bar redrawn in place: `[#####.....] 50/100 loss 1.2345 eta 3s`.
public struct ProgressBar {
    public let total: Int
    let start = monotonicSeconds()
    let width = 24

    /// Steps already done when the bar starts (a resumed run): they count as done, not in the eta.
    public let first: Int

    public init(total: Int, from first: Int = 0) { (self.total, self.first) = (total, first) }

    /// Redraws the bar at step `done` with extra text (e.g. the loss).
    public func update(_ done: Int, _ text: String = "") {
        let fraction = total > 0 ? Double(done) / Double(total) : 1
        let filled = Int(fraction * Double(width))
        let elapsed = monotonicSeconds() - start
        let eta = done > first ? elapsed / Double(done - first) * Double(total - done) : 0
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        print("\r[\(bar)] \(done)/\(total) \(text) eta \(fixed(eta, 0))s   ", terminator: done == total ? "\n" : "")
        fflush(nil)   // flush stdout (nil flushes every stream; stdout itself is not concurrency-safe to name)
    }
}
