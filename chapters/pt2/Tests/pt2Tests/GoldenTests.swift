import Testing
import pt2
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Generated-source snapshots: for a few small graphs, the IR after each pass and the C the
/// compiler emits, compared with files under Golden/ that were written once from what the
/// code emitted and reviewed by hand (the one kind of expected value that does not come from
/// PyTorch; the values these programs compute are tested in CompileTests). After a deliberate
/// change to the IR or the code generator, regenerate them and review the diff:
///
///   PT2_REGENERATE_GOLDEN=1 swift test --skip-build --filter pt2Tests.GoldenTests
@Suite("pt2 golden files")
struct GoldenTests {
    static let folder: String = {
        let file = "\(#filePath)"
        return String(file[..<file.lastIndex(of: "/")!]) + "/Golden"
    }()

    static func read(_ path: String) -> String? {
        guard let f = fopen(path, "r") else { return nil }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&buffer, 1, buffer.count, f)
            if n == 0 { break }
            bytes += buffer[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func write(_ text: String, to path: String) {
        guard let f = fopen(path, "w") else { Issue.record("cannot write \(path)"); return }
        fputs(text, f)
        fclose(f)
    }

    /// `text` equals Golden/`name` (or is written there when regenerating).
    static func check(_ text: String, _ name: String) {
        let path = folder + "/" + name
        if environment("PT2_REGENERATE_GOLDEN") == "1" { write(text, to: path); return }
        guard let golden = read(path) else { Issue.record("missing golden file \(path) (PT2_REGENERATE_GOLDEN=1 writes it)"); return }
        #expect(text == golden, "\(name) differs from what the compiler emits now; if the change is meant, regenerate and review")
    }

    /// The program `f` becomes on inputs of `shapes`: Golden/<name>.ir (every pass) and .c.
    static func snapshot(_ name: String, _ shapes: [[Int]], _ f: @escaping ([Tensor]) -> [Tensor]) {
        let program = CompiledFunction(f).program(for: shapes.map { Tensor.zeros($0) })
        check(program.passDump + "\n", name + ".ir")
        check(program.source, name + ".c")
    }

    @Test func softmax() { Self.snapshot("softmax", [[4, 10]]) { x in [pt2.softmax(x[0], dim: -1)] } }

    /// Big enough (2^16 elements and more) to be split across brrr's thread pool by rows.
    @Test func softmaxParallel() { Self.snapshot("softmax_parallel", [[256, 1024]]) { x in [pt2.softmax(x[0], dim: -1)] } }

    @Test func mlp() {
        // Linear(8 -> 16), relu, Linear(16 -> 4): two SGEMMs with the bias and relu inlined
        let first = Linear(8, 16), second = Linear(16, 4)
        Self.snapshot("mlp", [[2, 8]]) { x in [second(first(x[0]).relu())] }
    }

    @Test func foldingAndCSE() {
        Self.snapshot("fold_cse", [[3, 5]]) { x in [(x[0] * 2 + 1).exp() * (x[0] * 2 + 1) + Tensor.full([3, 5], 2) * 3] }
    }

    @Test func dropout() {
        // the mask's uniforms are a random input (drawn at every call), not a constant
        let layer = Dropout(0.25)
        Self.snapshot("dropout", [[2, 8]]) { x in [layer(x[0])] }
    }

    @Test func indexCopy() {
        // a KV cache's write: rows 1 and 3 of a captured [4, 6] cache, then a read of it
        let cache = Tensor.zeros([4, 6])
        Self.snapshot("index_copy", [[2, 6]]) { x in
            cache.indexCopy(dim: 0, index: Tensor(int32: [1, 3], shape: [2]), source: x[0].exp())
            return [cache.sum(dim: 1)]
        }
    }

    @Test func movement() {
        // a transpose, a slice and a pad: all become index arithmetic in one kernel
        Self.snapshot("movement", [[4, 6]]) { x in [x[0].transpose(0, 1).shrink([(1, 5), (0, 4)]).pad([(1, 0), (0, 1)]) * 2] }
    }
}
