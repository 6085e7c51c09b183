// Number formatting and timing without Foundation (static binaries stay small).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `x` with exactly `digits` decimals, like String(format: "%.4f", x).
public func fixed(_ x: Double, _ digits: Int) -> String {
    if x.isNaN { return "nan" }
    if x.isInfinite { return x < 0 ? "-inf" : "inf" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let negative = x < 0
    let scaled = (Swift.abs(x) * scale).rounded()
    guard scaled < 9e18 else { return "\(x)" }
    let n = UInt64(scaled)
    let whole = n / UInt64(scale), frac = n % UInt64(scale)
    var fracText = digits > 0 ? String(frac) : ""
    while fracText.count < digits { fracText = "0" + fracText }
    return (negative && n > 0 ? "-" : "") + String(whole) + (digits > 0 ? "." + fracText : "")
}

public func fixed(_ x: Float, _ digits: Int) -> String { fixed(Double(x), digits) }

/// Seconds from a monotonic clock.
public func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// A one-line progress bar redrawn in place: `[#####.....] 50/100 loss 1.2345 eta 3s`.
public struct ProgressBar {
    public let total: Int
    let start = monotonicSeconds()
    let width = 24

    public init(total: Int) { self.total = total }

    /// Redraws the bar at step `done` with extra text (e.g. the loss).
    public func update(_ done: Int, _ text: String = "") {
        let fraction = total > 0 ? Double(done) / Double(total) : 1
        let filled = Int(fraction * Double(width))
        let elapsed = monotonicSeconds() - start
        let eta = done > 0 ? elapsed / Double(done) * Double(total - done) : 0
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        print("\r[\(bar)] \(done)/\(total) \(text) eta \(fixed(eta, 0))s   ", terminator: done == total ? "\n" : "")
        fflush(nil)   // flush stdout (nil flushes every stream; stdout itself is not concurrency-safe to name)
    }
}
