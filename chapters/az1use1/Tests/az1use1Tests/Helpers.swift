// What the az1use1 tests share: results collected from rank threads, comparisons.
import Synchronization
import az1use1

/// Values per rank, filled by the rank threads of one `spawn`.
final class PerRank<T: Sendable>: Sendable {
    let values: Mutex<[Int: T]> = Mutex([:])
    func set(_ rank: Int, _ value: T) { values.withLock { $0[rank] = value } }
    /// Rank 0's, rank 1's, ... (nil for a rank that left none).
    func ordered(_ n: Int) -> [T?] { values.withLock { v in (0..<n).map { v[$0] } } }
}

/// The largest |a - b| / (atol/rtol + |b|)-style excess: true when every element is within
/// atol + rtol |b| (torch.allclose).
func allClose(_ a: [Float], _ b: [Float], rtol: Float = 1e-4, atol: Float = 1e-5) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= atol + rtol * abs($1) }
}

/// Distinct values for rank r's tensor.
func rankData(_ r: Int, _ count: Int) -> [Float] {
    (0..<count).map { i in Float((r * 7 + i * 3) % 11) - 5 + Float(r) * 0.25 }
}

/// A copy of a state dict that shares nothing with the model it came from (Sendable input for ranks).
func copied(_ state: [String: Tensor]) -> [String: Tensor] {
    state.mapValues { Tensor($0.toArray(), shape: $0.shape) }
}
