// User errors stop the program with a message that names the op and the shapes.
//
// `precondition` drops its message in -O builds, so every check a user can trip goes
// through `fail`, which is `fatalError` with the message kept.
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
