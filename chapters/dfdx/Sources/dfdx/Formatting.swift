// Number formatting without Foundation (`String(format:)` pulls full Foundation into static binaries).

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
