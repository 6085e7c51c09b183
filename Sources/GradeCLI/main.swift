// grade: runs the grading checks outside the test runners and prints a scoreboard by TODO id.
//
//   grade [--chapter dfdx] [--device cpu|cuda] [--references DIR] [--case chapter/name] [--list]
//
// Each case runs in its own child process (this binary re-launched with --case), so a stub
// that stops with fatalError("TODO(...)") fails its own cases and nothing else.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Grading
import picograd

var chapter = "all", device = "cpu", single: String? = nil, listOnly = false
var references = GradingContext.findReferenceRoot()
var args = CommandLine.arguments.dropFirst().makeIterator()
func usage() -> Never {
    print("usage: grade [--chapter NAME] [--device cpu|cuda] [--references DIR] [--case CHAPTER/NAME] [--list]")
    exit(2)
}
while let a = args.next() {
    switch a {
    case "--chapter": chapter = args.next() ?? { usage() }()
    case "--device": device = args.next() ?? { usage() }()
    case "--references": references = args.next() ?? { usage() }()
    case "--case": single = args.next() ?? { usage() }()
    case "--list": listOnly = true
    case "-h", "--help": usage()
    default:
        if !a.hasPrefix("-") && chapter == "all" { chapter = a } else { print("grade: unknown argument \(a)"); usage() }
    }
}
guard let root = references else {
    print("grade: cannot find Tests/Grading/Reference from here; run from the repository or pass --references DIR")
    exit(2)
}
let context = GradingContext(referenceRoot: root, deviceName: device)

// The cases make their tensors on the default device, so --device decides where they run.
guard let target = Device(parsing: device) else {
    print("grade: unknown device '\(device)' (cpu, reference, cuda, cuda:N)"); exit(2)
}
guard Backends.isAvailable(target) else {
    print("grade: skipped: no backend for \(target) on this machine (CUDA backends come with chapter 3, brrr)")
    exit(0)
}
Device.default = target

// Child mode: run one case, exit 0 (pass), 1 (fail) or 3 (skipped).
if let id = single {
    guard let c = Catalog.cases(chapter: "all").first(where: { $0.id == id }) else {
        print("grade: no case \(id)"); exit(2)
    }
    do {
        try c.body(context)
        exit(0)
    } catch let skip as GradingSkip {
        print("skipped: \(skip.message)"); exit(3)
    } catch {
        print("\(error)"); exit(1)
    }
}

let cases = Catalog.cases(chapter: chapter)
if cases.isEmpty { print("grade: no grading cases for chapter '\(chapter)' (chapters: \(Catalog.chapters.joined(separator: ", ")))"); exit(2) }
if listOnly { for c in cases { print("\(c.id)  [\(c.todos.joined(separator: " "))]") }; exit(0) }

/// Runs this executable on one case and returns (exit status, combined output).
func runChild(_ id: String, root: String, device: String) -> (Int32, String) {
    var fds: [Int32] = [0, 0]
    guard pipe(&fds) == 0 else { return (1, "pipe failed") }
    let argv = [CommandLine.arguments[0], "--case", id, "--references", root, "--device", device]
    var pid: pid_t = 0
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
    posix_spawn_file_actions_adddup2(&actions, fds[1], 2)
    posix_spawn_file_actions_addclose(&actions, fds[0])
    var cargs = argv.map { strdup($0) } + [nil]
    let self_ = readlink("/proc/self/exe")
    let rc = posix_spawn(&pid, self_ ?? argv[0], &actions, nil, &cargs, environ)
    posix_spawn_file_actions_destroy(&actions)
    for p in cargs { free(p) }
    close(fds[1])
    var output = [UInt8]()
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = read(fds[0], &chunk, chunk.count)
        if n <= 0 { break }
        output += chunk[0..<n]
    }
    close(fds[0])
    guard rc == 0 else { return (1, "spawn failed (\(rc))") }
    var status: Int32 = 0
    waitpid(pid, &status, 0)
    let exited = (status & 0x7f) == 0
    return (exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), String(decoding: output, as: UTF8.self))
}

func readlink(_ path: String) -> String? {
    var buf = [Int8](repeating: 0, count: 4096)
    let n = readlink(path, &buf, buf.count - 1)
    guard n > 0 else { return nil }
    return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// The most telling line of a failed case's output: its TODO message or failure text.
func reason(_ output: String) -> String {
    let lines = output.split(separator: "\n").map(String.init)
    if let todo = lines.first(where: { $0.contains("TODO(") }) {
        // from "TODO(" to the end of the line: the stub's instruction
        var rest = Substring(todo)
        while !rest.isEmpty && !rest.hasPrefix("TODO(") { rest = rest.dropFirst() }
        return String(rest)
    }
    return lines.first(where: { $0.contains("Fatal error") || $0.contains("expected") || !$0.isEmpty }) ?? "failed"
}

var passed: [String: Bool] = [:]
var failures: [(String, String)] = []
var skipped = 0
for c in cases {
    let (status, output) = runChild(c.id, root: root, device: device)
    switch status {
    case 0: passed[c.id] = true
    case 3: skipped += 1; print("skip  \(c.id): \(output.split(separator: "\n").last ?? "")")
    default: passed[c.id] = false; failures.append((c.id, reason(output)))
    }
}
for (id, why) in failures { print("FAIL  \(id): \(why)") }

// The scoreboard: one row per TODO id; a row passes when every case that covers it passes.
print("")
print("TODO id        cases  result")
var rowsPassed = 0, rows = 0
let chapterList = chapter == "all" ? Catalog.chapters : [chapter]
for ch in chapterList {
    for todo in Catalog.todos(chapter: ch) {
        let covering = cases.filter { $0.todos.contains(todo) && passed[$0.id] != nil }
        guard !covering.isEmpty else { continue }
        let ok = covering.allSatisfy { passed[$0.id] == true }
        rows += 1
        if ok { rowsPassed += 1 }
        let pad = String(repeating: " ", count: max(1, 15 - todo.count))
        let count = String(covering.count)
        print("\(todo)\(pad)\(String(repeating: " ", count: max(0, 5 - count.count)))\(count)  \(ok ? "pass" : "FAIL")")
    }
}
let casesPassed = passed.values.filter { $0 }.count
print("")
print("\(rowsPassed)/\(rows) TODO ids pass; \(casesPassed)/\(passed.count) cases pass\(skipped > 0 ? ", \(skipped) skipped" : "")")
print("\(casesPassed) passed, \(passed.count - casesPassed) failed")
exit(rowsPassed == rows && casesPassed == passed.count ? 0 : 1)
