// `figures`: draws the lectures' figures from the real code (tensors, graphs, the compiler,
// SmolLM2's weights) and writes them as SVG. `scripts/figures` runs it; `--check` there
// compares a fresh run with the committed files.
//
//   figures [--out DIR] [NAME...]      default DIR: lectures/figures; default: every figure
//   figures --list
//
// It reads some of the chapters' internals (the strided walk, the autodiff nodes, the
// compiler's tokens and encoder) through `@testable import`, which only a debug build
// allows; a release build of this target prints how to run it instead.
import Foundation

/// One figure: the lecture it belongs to and how to draw it. `draw` returns the files it
/// makes (name -> contents), or nil with a reason when what it needs is absent.
struct Figure: Sendable {
    let name: String
    let lecture: String
    let draw: @Sendable () throws -> Result

    enum Result: Sendable {
        case files([(String, String)])
        case skipped(String)
    }
}

#if DEBUG
let allFigures: [Figure] = dfdxFigures + legoFigures + ctoriscvFigures

@MainActor func main() throws {
    var args = Array(CommandLine.arguments.dropFirst())
    var out = "lectures/figures"
    if let i = args.firstIndex(of: "--out"), i + 1 < args.count { out = args[i + 1]; args.removeSubrange(i...(i + 1)) }
    if args == ["--list"] {
        for f in allFigures { print("\(f.lecture)\t\(f.name)") }
        return
    }
    let unknown = args.filter { a in !allFigures.contains { $0.name == a } }
    guard unknown.isEmpty else {
        FileHandle.standardError.write(Data("figures: unknown figure \(unknown.joined(separator: ", ")); --list lists them\n".utf8))
        exit(2)
    }
    try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
    for f in allFigures where args.isEmpty || args.contains(f.name) {
        switch try f.draw() {
        case .files(let files):
            for (file, contents) in files {
                try contents.write(toFile: out + "/" + file, atomically: true, encoding: .utf8)
                print("wrote \(file)")
            }
        case .skipped(let why):
            print("skipped \(f.name): \(why)")
        }
    }
}

do { try main() } catch {
    FileHandle.standardError.write(Data("figures: \(error)\n".utf8))
    exit(1)
}
#else
print("figures reads chapter internals through @testable import, which needs a debug build: swift run figures (or scripts/figures)")
exit(2)
#endif
