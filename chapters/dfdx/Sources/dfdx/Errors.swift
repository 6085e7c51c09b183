// User errors stop the program with a message that names the op and the shapes.
//
// `precondition` drops its message in -O builds, so every check a user can trip goes
// through `fail`, which is `fatalError` with the message kept.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Stops with `message` (always printed, in every build mode).
public func fail(_ message: String, file: StaticString = #fileID, line: UInt = #line) -> Never {
    fatalError(message, file: file, line: line)
}

/// Stops unless `condition` holds; `message` is built only on failure.
@inline(__always)
public func check(_ condition: Bool, _ message: @autoclosure () -> String,
                  file: StaticString = #fileID, line: UInt = #line) {
    if !condition { fail(message(), file: file, line: line) }
}

/// An environment variable, or nil.
public func environment(_ name: String) -> String? {
    guard let value = getenv(name) else { return nil }
    return String(cString: value)
}

/// Resolves a possibly negative `dim` against `rank`, stopping with the op's name if out of range.
public func normalizeDim(_ dim: Int, rank: Int, op: String, shape: [Int]) -> Int {
    let r = max(rank, 1)
    check(dim >= -r && dim < r, "\(op): dim \(dim) is out of range for a tensor of shape \(shape) (expected -\(r) ..< \(r))")
    return dim < 0 ? dim + r : dim
}
