// The `picograd` command on bad command lines and on training folders: one line and exit 2
// for every user error, checked before slow work; checkpoints written as a run goes, back
// where --resume came from, and a folder held by one run at a time.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
@testable import lego

/// Runs picograd to completion: status, stdout and stderr. `data` becomes $PICOGRAD_DATA.
func picograd(_ args: [String], in dir: String? = nil, data: String? = nil) throws -> (status: Int32, out: String, err: String) {
    let p = try startPicograd(args, in: dir, data: data)
    let out = (p.standardOutput as! Pipe).fileHandleForReading.readDataToEndOfFile()
    let err = (p.standardError as! Pipe).fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
}

func startPicograd(_ args: [String], in dir: String? = nil, data: String? = nil, quiet: Bool = false) throws -> Process {
    let binary = try #require(picogradBinary(), "no picograd binary beside the tests: build with swift build --build-tests")
    let p = Process()
    p.executableURL = URL(fileURLWithPath: binary)
    p.arguments = args
    if let dir { p.currentDirectoryURL = URL(fileURLWithPath: dir) }
    var env = ProcessInfo.processInfo.environment
    env["SWIFT_BACKTRACE"] = "enable=no"
    if let data { env["PICOGRAD_DATA"] = data }
    p.environment = env
    p.standardOutput = quiet ? FileHandle.nullDevice : Pipe()
    p.standardError = quiet ? FileHandle.nullDevice : Pipe()
    try p.run()
    return p
}

/// A scratch folder with a small names.txt (every letter, so a run's vocabulary is the real one's).
func trainingFolder() throws -> String {
    let dir = NSTemporaryDirectory() + "picograd-cli-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
    let names = ["emma", "olivia", "ava", "isabella", "sophia", "charlotte", "mia", "amelia", "harper", "evelyn", "abigail",
                 "quinn", "zoe", "xena", "brooklyn", "jade", "kylie", "wendy", "yvonne", "uma", "ruth", "gus", "fox", "vic", "tad", "pam"]
    try (names + names + names).joined(separator: "\n").write(toFile: dir + "/data/names.txt", atomically: true, encoding: .utf8)
    return dir
}

@Suite(.serialized) struct PicogradCommandLine {
    @Test func userErrorsAreOneLineAndExitTwo() throws {
        let gguf = temporaryPath("cli.gguf")
        writeBytes(fuzzLlamaGGUF(), to: gguf)
        defer { unlink(gguf) }
        let cases: [([String], String)] = [
            (["bench", "--bogus"], "unknown option --bogus"),
            (["bench", "train", "--reps", "0"], "--reps takes 1-99"),
            (["bench", "train", "--reps", "many"], "--reps takes 1-99"),
            (["demo", "extra"], "takes no arguments"),
            (["frobnicate"], "unknown command 'frobnicate'"),
            (["generate", ""], "the prompt is empty"),
            (["generate", "hi", "--device", "cuda"], "no backend serves it"),
            (["generate", "hi", "--model", "/tmp"], "not a regular file"),
            (["generate", "hi", "--model", "/nonexistent.gguf"], "cannot read /nonexistent.gguf"),
            (["generate", "hi", "--tokens", "-3"], "--tokens takes an integer >= 0"),
            (["generate", "hi", "there", "--model", gguf], "one prompt only"),
            (["generate", String(repeating: "hi ", count: 40), "--model", gguf, "--context", "16"], "a context of 16 leaves no position"),
            (["train", "names", "--out", ""], "--out takes a folder"),
            (["train", "names", "--out", gguf + "/runs"], "cannot create the output folder"),   // under a file: refused up front
            (["train", "names", "--steps", "0"], "--steps takes an integer >= 1"),
            (["train", "names", "--save-every", "soon"], "--save-every takes"),
            (["train", "poems"], "unknown task"),
            (["train", "names", "extra"], "unexpected argument 'extra'"),
            (["train", "names", "--resume", "/nonexistent.safetensors"], "cannot read --resume"),
            (["sample"], "say which checkpoint"),
            (["sample", "a", "b"], "takes one checkpoint path"),
            (["sample", "/tmp"], "safetensors /tmp"),
        ]
        for (args, message) in cases {
            let r = try picograd(args)
            let lines = r.err.split(separator: "\n")
            #expect(r.status == 2 && lines.count == 1 && r.err.contains(message), "\(args): status \(r.status), stderr \(r.err)")
        }
    }

    @Test func tokensAreCappedToTheContextLeftWithANote() throws {
        let gguf = temporaryPath("cli-cap.gguf")
        writeBytes(fuzzLlamaGGUF(), to: gguf)
        defer { unlink(gguf) }
        let r = try picograd(["generate", "hi", "--model", gguf, "--tokens", "100000", "--context", "8"])
        #expect(r.status == 0 && r.err.contains("note: --tokens 100000 capped to"), "\(r.status) \(r.err)")
        #expect(r.out.contains("generated: ") && !r.out.contains("generated: 100000"))
    }

    @Test func resumeWritesBackAndTheBarCountsAbsoluteSteps() throws {
        let dir = try trainingFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = try picograd(["train", "names", "--steps", "20", "--out", "runs/a"], in: dir, data: dir + "/data")
        #expect(first.status == 0, "\(first.err)")
        let checkpoint = dir + "/runs/a/names.safetensors"
        #expect(try CharTrainingRun.load(checkpoint, text: nil).step == 20)
        // a step count the checkpoint has passed is refused; a larger one continues it in place
        #expect(try picograd(["train", "names", "--resume", checkpoint, "--steps", "10"], in: dir, data: dir + "/data").status == 2)
        let resumed = try picograd(["train", "names", "--resume", checkpoint, "--steps", "30"], in: dir, data: dir + "/data")
        #expect(resumed.status == 0, "\(resumed.err)")
        #expect(try CharTrainingRun.load(checkpoint, text: nil).step == 30)
        #expect(!FileManager.default.fileExists(atPath: dir + "/checkpoints"))   // not ./checkpoints/
        #expect(resumed.out.contains("] 30/30 ") && !resumed.out.contains("/10 "))
    }

    @Test func aKilledRunLosesLittleAndLeavesNoStaleLock() throws {
        let dir = try trainingFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let long = try startPicograd(["train", "names", "--steps", "1000000", "--save-every", "5", "--out", "held"], in: dir, data: dir + "/data", quiet: true)
        let checkpoint = dir + "/held/names.safetensors"
        // wait for its first checkpoint (written after 5 steps)
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: checkpoint) && Date() < deadline && long.isRunning { usleep(50_000) }
        #expect(FileManager.default.fileExists(atPath: checkpoint) && long.isRunning)
        let second = try picograd(["train", "names", "--steps", "10", "--out", "held"], in: dir, data: dir + "/data")
        #expect(second.status == 2 && second.err.contains("in use by another picograd train"), "\(second.err)")
        kill(long.processIdentifier, SIGKILL)
        long.waitUntilExit()
        let saved = try CharTrainingRun.load(checkpoint, text: nil)   // the last one written is whole
        #expect(saved.step >= 5 && saved.step % 5 == 0)
        let third = try picograd(["train", "names", "--steps", "10", "--out", "held"], in: dir, data: dir + "/data")
        #expect(third.status == 0, "\(third.err)")   // the kernel dropped the dead run's lock
    }
}
