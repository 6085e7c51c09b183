// The grading library: every chapter's checks as plain values, shared by two front ends.
//
// A `GradingCase` names the TODO ids it exercises and a body that throws `GradingFailure`
// when the student's code disagrees with the reference (PyTorch outputs committed as JSON
// under Tests/Grading/Reference/<chapter>/). The Swift Testing suites in Tests/Grading run
// the bodies in-process; the `grade` executable runs each case in its own child process so
// a stub that stops the process (`fatalError("TODO(...)")`) fails only its own cases.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One grading check: a name, the TODO ids it covers, and a body that throws on a mismatch.
public struct GradingCase: Sendable, CustomStringConvertible {
    /// The chapter this case belongs to: "dfdx", "lego", ..., "ctoriscv".
    public let chapter: String
    /// Unique within the chapter, e.g. "mul_broadcast".
    public let name: String
    /// The TODO ids this case exercises (a scoreboard row passes when all its cases pass).
    public let todos: [String]
    /// Seconds `grade` lets this case run before stopping it (a stub's infinite loop must not
    /// hang the scoreboard); `grade --timeout S` overrides it for every case.
    public let timeout: Double
    /// Runs the check; throws `GradingFailure` on a wrong answer, `GradingSkip` when it cannot run here.
    public let body: @Sendable (GradingContext) throws -> Void

    /// The time budget of a case that declares none.
    public static let defaultTimeout: Double = 10

    public init(chapter: String, name: String, todos: [String], timeout: Double = GradingCase.defaultTimeout,
                body: @escaping @Sendable (GradingContext) throws -> Void) {
        self.chapter = chapter
        self.name = name
        self.todos = todos
        self.timeout = timeout
        self.body = body
    }

    /// "chapter/name", the id `grade --case` takes.
    public var id: String { "\(chapter)/\(name)" }
    public var description: String { id }
}

/// A wrong answer: the message says what differed and where.
public struct GradingFailure: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A case that cannot run on this machine (no GPU, no model file); the message says why.
public struct GradingSkip: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// What a case may use: where the references are. (The device a case runs on is the default
/// device, which `grade --device` sets before any case runs.)
public struct GradingContext: Sendable {
    /// The folder that holds `<chapter>/*.json`.
    public let referenceRoot: String

    public init(referenceRoot: String) {
        self.referenceRoot = referenceRoot
    }

    /// The bytes of `<referenceRoot>/<chapter>/<file>`; throws a failure naming the path if absent.
    public func referenceData(chapter: String, file: String) throws -> Data {
        let path = referenceRoot + "/" + chapter + "/" + file
        guard let data = FileManager.default.contents(atPath: path) else {
            throw GradingFailure("reference file not found: \(path) (run from the repository root or pass --references DIR)")
        }
        return data
    }

    /// Finds `Tests/Grading/Reference` from the working directory or one of its parents.
    public static func findReferenceRoot(startingAt dir: String = FileManager.default.currentDirectoryPath) -> String? {
        var current = dir
        for _ in 0..<8 {
            let candidate = current + "/Tests/Grading/Reference"
            var isDir = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDir), isDir { return candidate }
            guard let slash = current.lastIndex(of: "/"), current != "/" else { break }
            current = slash == current.startIndex ? "/" : String(current[..<slash])
        }
        return nil
    }
}

/// Every chapter's cases, in chapter order.
public enum Catalog {
    /// The chapters that have grading cases, in course order.
    public static let chapters: [String] = ["dfdx", "lego", "brrr", "pt2", "az1use1", "ctoriscv"]

    /// The cases of one chapter ("" or "all" gives every chapter's).
    public static func cases(chapter: String) -> [GradingCase] {
        switch chapter {
        case "dfdx": return DfdxGrading.cases + IdiomsGrading.dfdxCases
        case "lego": return LegoGrading.cases + LlamaGrading.cases + IdiomsGrading.legoCases
        case "brrr": return BrrrGrading.cases + BrrrCUDAGrading.cases + BrrrCUDAGEMMGrading.cases
        case "pt2": return Pt2Grading.cases
        case "az1use1": return Az1use1Grading.cases
        case "ctoriscv": return CtoriscvGrading.cases
        case "", "all": return chapters.flatMap { cases(chapter: $0) }
        default: return []
        }
    }

    /// The chapter's order manifest, `<referenceRoot>/<chapter>/order.txt`: the order to work
    /// in, one TODO id per line (text after the id is its label; `#` starts a comment).
    /// Empty when the file is missing.
    public static func order(chapter: String, referenceRoot: String) -> [(id: String, label: String)] {
        guard let data = FileManager.default.contents(atPath: referenceRoot + "/" + chapter + "/order.txt") else { return [] }
        var entries: [(id: String, label: String)] = []
        for raw in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let id = words.first else { continue }
            entries.append((String(id), words.dropFirst().joined(separator: " ")))
        }
        return entries
    }

    /// Every TODO id a chapter's cases cover, sorted by their numeric suffix.
    public static func todos(chapter: String) -> [String] {
        let ids = Set(cases(chapter: chapter).flatMap(\.todos))
        return ids.sorted(by: todoOrder)
    }

    /// Orders "dfdx.2" before "dfdx.10".
    public static func todoOrder(_ a: String, _ b: String) -> Bool {
        let pa = a.split(separator: "."), pb = b.split(separator: ".")
        if pa.first != pb.first { return a < b }
        return (Int(pa.last ?? "") ?? 0) < (Int(pb.last ?? "") ?? 0)
    }
}
