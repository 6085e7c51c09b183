// grade: runs the grading checks outside the test runners and prints a scoreboard by TODO id.
//
//   grade [CHAPTER | TODO-ID] [--device cpu|cuda] [--references DIR] [--case CHAPTER/NAME]
//         [--list] [--timeout S] [--transport threads|nccl]
// (--transport nccl, under `picograd launch --nproc N`: the az1use1 cases run through NCCL, this
// process one rank of N on GPU LOCAL_RANK; a case's ranks meet at MASTER_PORT + 1 + its index)
// (default device: `reference` for dfdx and lego, whose cases must not depend on brrr's
// kernels, `cpu` for brrr and later chapters)
//
// Each case runs in its own child process (this binary re-launched with --run-case), under a
// time budget, so a stub that stops with fatalError("TODO(...)"), a crash or an infinite loop
// fails its own case and nothing else. Cases run in the order of the chapter's manifest
// (Tests/Grading/Reference/<chapter>/order.txt) and each result prints as it arrives.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Grading
import picograd

var chapter = "all", device = "", single: String? = nil, child: String? = nil, listOnly = false
var onlyTodo: String? = nil, timeoutOverride: Double? = nil, transport = "threads"
var references = GradingContext.findReferenceRoot()
var args = CommandLine.arguments.dropFirst().makeIterator()
func usage(_ why: String) -> Never {
    print("grade: \(why) (usage: grade [CHAPTER | TODO-ID] [--device cpu|cuda] [--references DIR] [--case CHAPTER/NAME] [--list] [--timeout S] [--transport threads|nccl])")
    exit(2)
}
@MainActor func value(_ flag: String) -> String { args.next() ?? { usage("\(flag) needs a value") }() }
while let a = args.next() {
    switch a {
    case "--chapter": chapter = value(a)
    case "--device": device = value(a)
    case "--references": references = value(a)
    case "--case": single = value(a)
    case "--run-case": child = value(a)
    case "--list": listOnly = true
    case "--transport": transport = value(a)
    case "--timeout":
        guard let s = Double(value(a)), s > 0 else { usage("--timeout needs a number of seconds > 0") }
        timeoutOverride = s
    case "-h", "--help": usage("help")
    default:
        guard !a.hasPrefix("-"), chapter == "all", onlyTodo == nil else { usage("unknown argument \(a)") }
        if a.contains(".") {   // a TODO id: that chapter, only the cases covering it
            onlyTodo = a
            chapter = String(a.prefix(while: { $0 != "." }))
        } else {
            chapter = a
        }
    }
}
guard let root = references else {
    print("grade: cannot find Tests/Grading/Reference from here; run from the repository or pass --references DIR")
    exit(2)
}
let context = GradingContext(referenceRoot: root)
let nccl: GradingTransport.NCCLRun?
do { nccl = try GradingTransport.configure(transport) } catch { print("grade: \(error)"); exit(2) }
if let nccl, device.isEmpty { device = nccl.device }

// The cases make their tensors on the default device, so --device decides where they run.
// Without --device, chapters 1-2 run on the reference backend and later ones on `.cpu`:
// chapter 3 (brrr) replaces `.cpu`'s kernels, so a student working on lego must not stop in a
// brrr stub. (The Swift Testing suites run every chapter on `.cpu`, brrr's, in strict mode.)
func defaultDevice(of chapter: String) -> String { ["dfdx", "lego", "ctoriscv"].contains(chapter) ? "reference" : "cpu" }
guard let target = Device(parsing: device.isEmpty ? defaultDevice(of: chapter == "all" ? "dfdx" : chapter) : device) else {
    print("grade: unknown device '\(device)' (cpu, reference, cuda, cuda:N)"); exit(2)
}
guard Backends.isAvailable(target) else {
    print("grade: no backend for \(target) on this machine\(target.kind == .cuda ? ": \(CUDA.unavailableReason ?? "no such GPU")" : "")")
    exit(2)
}
Device.default = target

// Child mode: run one case in this process, exit 0 (pass), 1 (fail) or 3 (skipped).
if let id = child {
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

func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(1, n - s.count)) }

let chapterList = chapter == "all" ? Catalog.chapters : [chapter]
guard chapterList.allSatisfy({ !Catalog.cases(chapter: $0).isEmpty }) else {
    usage("no grading cases for chapter '\(chapter)' (chapters: \(Catalog.chapters.joined(separator: ", ")))")
}

/// A chapter's TODO ids in manifest order; ids its cases cover that the manifest misses come last.
func orderedTodos(_ ch: String) -> [(id: String, label: String)] {
    var entries = Catalog.order(chapter: ch, referenceRoot: root)
    let listed = Set(entries.map(\.id))
    for id in Catalog.todos(chapter: ch) where !listed.contains(id) { entries.append((id, "(not in order.txt)")) }
    return entries
}

/// The chapter's cases in the order they can first pass: by the manifest position of the
/// last id they cover, then by name.
func orderedCases(_ ch: String) -> [GradingCase] {
    let position = Dictionary(orderedTodos(ch).enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
    func key(_ c: GradingCase) -> Int { c.todos.map { position[$0] ?? Int.max / 2 }.max() ?? -1 }
    return Catalog.cases(chapter: ch).enumerated().sorted { a, b in
        key(a.element) != key(b.element) ? key(a.element) < key(b.element) : a.offset < b.offset
    }.map(\.element)
}

var cases = chapterList.flatMap(orderedCases)
if let todo = onlyTodo {
    cases = cases.filter { $0.todos.contains(todo) }
    if cases.isEmpty { usage("no grading case covers \(todo)") }
}
if let id = single {
    guard let c = Catalog.cases(chapter: "all").first(where: { $0.id == id }) else {
        usage("no case \(id) (grade --list shows them)")
    }
    cases = [c]
}
if listOnly {
    for ch in chapterList {
        let order = orderedTodos(ch)
        let position = Dictionary(order.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        print("\(ch), in the order to work in (\(root)/\(ch)/order.txt); each id's cases below it:")
        let chapterCases = orderedCases(ch)
        for (id, label) in order {
            print("  \(pad(id, 11)) \(label)")
            for c in chapterCases where c.todos.max(by: { (position[$0] ?? 0) < (position[$1] ?? 0) }) == id {
                let budget = c.timeout != GradingCase.defaultTimeout ? "  (time budget \(Int(c.timeout)) s)" : ""
                print("      \(pad(c.id, 34)) covers \(c.todos.joined(separator: " "))\(budget)")
            }
        }
        for c in chapterCases where c.todos.isEmpty { print("      \(pad(c.id, 34)) (covers no TODO id)") }
    }
    exit(0)
}

// MARK: running one case in a child process

enum Outcome {
    case pass
    case skip(String)
    /// Stopped in the student stub of `id` (its fatalError("TODO(id): ...")).
    case stub(id: String, message: String, location: String)
    case fail(String)
    case timeout(Double)
}

/// Runs this executable on one case, killing it after `limit` seconds; (status, output).
/// Status 124 means it ran out of time.
func runChild(_ id: String, limit: Double, root: String, device: String) -> (Int32, String) {
    var fds: [Int32] = [0, 0]
    guard pipe(&fds) == 0 else { return (1, "pipe failed") }
    let argv = [CommandLine.arguments[0], "--run-case", id, "--references", root, "--device", device]
    var pid: pid_t = 0
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
    posix_spawn_file_actions_adddup2(&actions, fds[1], 2)
    posix_spawn_file_actions_addclose(&actions, fds[0])
    var cargs = argv.map { strdup($0) } + [nil]
    let rc = posix_spawn(&pid, readlink("/proc/self/exe") ?? argv[0], &actions, nil, &cargs, environ)
    posix_spawn_file_actions_destroy(&actions)
    for p in cargs { free(p) }
    close(fds[1])
    guard rc == 0 else { close(fds[0]); return (1, "spawn failed (\(rc))") }
    var output = [UInt8]()
    var chunk = [UInt8](repeating: 0, count: 4096)
    let deadline = monotonicSeconds() + limit
    var timedOut = false
    while true {
        let left = deadline - monotonicSeconds()
        if left <= 0 { timedOut = true; break }
        var p = pollfd(fd: fds[0], events: Int16(POLLIN), revents: 0)
        let ready = poll(&p, 1, Int32(min(left, 1) * 1000) + 1)
        if ready < 0 && errno == EINTR { continue }
        if ready == 0 { continue }
        let n = read(fds[0], &chunk, chunk.count)
        if n <= 0 { break }
        if output.count < 1 << 20 { output += chunk[0..<n] }   // keep the first MiB of a chatty case
    }
    if timedOut { kill(pid, SIGKILL) }
    close(fds[0])
    var status: Int32 = 0
    waitpid(pid, &status, 0)
    if timedOut { return (124, String(decoding: output, as: UTF8.self)) }
    let exited = (status & 0x7f) == 0
    return (exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), String(decoding: output, as: UTF8.self))
}

func readlink(_ path: String) -> String? {
    var buf = [Int8](repeating: 0, count: 4096)
    let n = readlink(path, &buf, buf.count - 1)
    guard n > 0 else { return nil }
    return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Where `needle` first starts in `s`.
func find(_ needle: String, in s: String) -> String.Index? {
    var i = s.startIndex
    while i < s.endIndex {
        if s[i...].hasPrefix(needle) { return i }
        i = s.index(after: i)
    }
    return nil
}

/// What a finished child's status and output mean.
func outcome(_ status: Int32, _ output: String, limit: Double) -> Outcome {
    let lines = output.split(separator: "\n").map(String.init)
    switch status {
    case 0: return .pass
    case 3: return .skip(lines.last ?? "")
    case 124: return .timeout(limit)
    default: break
    }
    // a stub: "<file>:<line>: Fatal error: TODO(id): instruction"
    if let todo = lines.first(where: { $0.contains("TODO(") }), let open = find("TODO(", in: todo) {
        let rest = todo[open...].dropFirst(5)
        let id = String(rest.prefix(while: { $0 != ")" }))
        let location = find(": Fatal error", in: todo).map { String(todo[..<$0]) } ?? ""
        return .stub(id: id, message: String(todo[open...]), location: location)
    }
    if status == 1 && !lines.isEmpty {   // a wrong answer: the case's whole message (what, where, inputs)
        return .fail(lines.prefix(12).joined(separator: "\n"))
    }
    let text = lines.filter { !$0.hasPrefix("Current stack trace") && !$0.contains("💣") && !$0.hasPrefix("0 ") && !$0.hasPrefix("#") }
    let why = text.first(where: { $0.contains("Fatal error") }) ?? text.first(where: { !$0.isEmpty })
    return .fail((why ?? "exited with status \(status)") + (status >= 128 ? " (signal \(status - 128))" : ""))
}

// MARK: run every case, printing each result as it comes

var results: [String: Outcome] = [:]
let total = cases.count
let devices = Set(cases.map { device.isEmpty ? defaultDevice(of: $0.chapter) : device }).sorted()
    .compactMap { Device(parsing: $0) }.map { "\($0) (\(Backends.lookup($0)?.name ?? "no backend"))" }
print("grading \(chapterList.joined(separator: ", ")) on \(devices.joined(separator: ", ")): \(total) case\(total == 1 ? "" : "s"), each in its own process "
      + "(time budget \(timeoutOverride.map { "\(Int($0)) s" } ?? "\(Int(GradingCase.defaultTimeout)) s unless a case declares more"))")
if let nccl { print("through NCCL: \(nccl.summary)") }
for (k, c) in cases.enumerated() {
    if let nccl { setenv("MASTER_PORT", "\(nccl.masterPort + 1 + k)", 1) }   // this case's store (the child inherits it)
    let limit = timeoutOverride ?? c.timeout
    let (status, output) = runChild(c.id, limit: limit, root: root, device: device.isEmpty ? defaultDevice(of: c.chapter) : device)
    let o = outcome(status, output, limit: limit)
    results[c.id] = o
    let about = "(\(c.todos.joined(separator: " ")))"
    switch o {
    case .pass: print("  pass     \(pad(c.id, 34)) \(about)")
    case .skip(let why): print("  skip     \(pad(c.id, 34)) \(why)")
    case .stub(let id, _, _):
        if c.todos.contains(id) { print("  todo     \(pad(c.id, 34)) stops in the stub of \(id)") }
        else { print("  blocked  \(pad(c.id, 34)) stops in the stub of \(id), not one of \(about)") }
    case .timeout(let s):
        print("  TIMEOUT  \(pad(c.id, 34)) still running after \(s) s, stopped \(about): an infinite loop? (grade --timeout S to allow more)")
    case .fail(let why):
        print("  FAIL     \(pad(c.id, 34)) \(about)")
        for line in why.split(separator: "\n") { print("           \(line)") }
    }
    if single != nil && status != 0 && !output.isEmpty {   // one case asked for: its whole output
        print(output.split(separator: "\n").prefix(60).map { "           | \($0)" }.joined(separator: "\n"))
    }
    fflush(nil)
}

/// "dfdx/ReferenceBackend.swift:41" (a #fileID) as a path from the repository root when the
/// file is there: chapters/<module>/Sources/<module>/..., else as it is.
func sourcePath(_ fileID: String) -> String {
    let module = String(fileID.prefix(while: { $0 != "/" }))
    let rest = fileID.dropFirst(module.count + 1)
    let file = String(rest.prefix(while: { $0 != ":" }))
    let repo = root.hasSuffix("/Tests/Grading/Reference") ? String(root.dropLast("/Tests/Grading/Reference".count)) : "."
    for dir in ["chapters/\(module)/Sources/\(module)", "Sources/\(module)", "shared/\(module)"] {
        if access(repo + "/" + dir + "/" + file, F_OK) == 0 { return dir + "/" + rest }
    }
    return fileID
}

// MARK: the scoreboard: one row per TODO id, in manifest order

/// One row: how many of its cases pass, and why the others do not.
struct Row {
    var passed = 0, total = 0, wrong = 0, own = 0
    var blockers: [String] = []
    var stubMessage: String? = nil, location = ""
    /// Passes when at least one case passes and every other one only stopped in another id's stub.
    var passes: Bool { passed > 0 && wrong == 0 && own == 0 }
    var status: String {
        if passed == total && total > 0 { return "pass" }
        if passes { return "pass" }
        if wrong > 0 { return "FAIL" }
        if own > 0 { return "todo" }
        return "blocked"
    }
}

var rowsPassed = 0, rows = 0, rowsSkipped = 0
var next: (id: String, label: String, row: Row)? = nil
print("")
for ch in chapterList {
    print("\(ch) scoreboard, in the order to work in (\(ch)/order.txt):")
    let width = max(11, (orderedTodos(ch).map(\.id.count).max() ?? 0) + 2)
    print("  \(pad("TODO id", width))\(pad("cases", 8))status")
    for (id, label) in orderedTodos(ch) {
        if let only = onlyTodo, only != id { continue }
        var row = Row()
        var skips: [String] = []
        for c in cases where c.todos.contains(id) {
            guard let o = results[c.id] else { continue }
            switch o {
            case .skip(let why): skips.append(why); continue
            case .pass: row.passed += 1
            case .stub(let sid, let message, let location):
                if sid == id { row.own += 1; row.stubMessage = message; row.location = location }
                else if !row.blockers.contains(sid) { row.blockers.append(sid) }
            case .fail, .timeout: row.wrong += 1
            }
            row.total += 1
        }
        guard row.total > 0 else {   // every case of the id skipped here (no GPU, no model file)
            if let why = skips.last {
                rowsSkipped += 1
                print("  \(pad(id, width))\(pad("0/0", 8))\(pad("skip", 9))\(label)  [\(skips.count) case\(skips.count == 1 ? "" : "s") \(why)]")
            }
            continue
        }
        rows += 1
        if row.passes { rowsPassed += 1 } else if next == nil { next = (id, label, row) }
        var note = ""
        let blocked = row.total - row.passed - row.wrong - row.own
        if blocked > 0 { note = "\(blocked) blocked by \(row.blockers.joined(separator: ", "))" }
        if row.wrong > 0 { note = "\(row.wrong) failing or out of time" + (note.isEmpty ? "" : "; " + note) }
        print("  \(pad(id, width))\(pad("\(row.passed)/\(row.total)", 8))\(pad(row.status, 9))\(label)\(note.isEmpty ? "" : "  [\(note)]")")
    }
}
let passedCases = results.values.filter { if case .pass = $0 { return true }; return false }.count
let skipped = results.values.filter { if case .skip = $0 { return true }; return false }.count
let graded = results.count - skipped
print("")
print("\(rowsPassed)/\(rows) TODO ids pass; \(passedCases)/\(graded) cases pass\(skipped > 0 ? " (\(skipped) skipped)" : "")"
      + (rowsSkipped > 0 ? "; \(rowsSkipped) TODO ids skipped (none of their cases can run here)" : ""))
if let n = next {
    var line = "next: \(n.id)  \(n.label)"
    if let m = n.row.stubMessage { line += "\n      \(m)" + (n.row.location.isEmpty ? "" : "\n      in \(sourcePath(n.row.location))") }
    else if n.row.wrong > 0 { line += "\n      (a case above fails or ran out of time: see its FAIL or TIMEOUT line)" }
    else if !n.row.blockers.isEmpty { line += "\n      (its cases stop in \(n.row.blockers.joined(separator: ", ")) first)" }
    print(line)
} else if rows > 0 {
    print("every TODO id passes\(chapterList.count == 1 ? "" : " in \(chapterList.joined(separator: ", "))")")
}
exit(passedCases == graded ? 0 : 1)
