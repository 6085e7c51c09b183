// torch.set_float32_matmul_precision: how much precision a float32 matmul may give up for
// speed. A permission, not an order (as in torch): `.tf32` lets a GPU backend use TF32 tensor
// cores (10-bit mantissas in, float32 sums). brrr's CUDA matmul then takes the ladder's wgmma
// rung on a Hopper (sm_90) and its mma.sync rung on other GPUs from compute capability 8.0
// (CUDAGEMM.swift); older GPUs and CPUs (no TF32) stay fp32.
import Synchronization

/// The precision float32 matmuls may use.
public enum MatmulPrecision: String, Sendable, CaseIterable {
    /// Full float32 (the default; torch's "highest").
    case fp32
    /// TF32 inputs allowed on hardware that has it (torch's "high").
    case tf32
}

private let matmulPrecisionSetting = Mutex(MatmulPrecision.fp32)

/// Sets the precision float32 matmuls may use, process-wide (torch.set_float32_matmul_precision).
public func setMatmulPrecision(_ p: MatmulPrecision) { matmulPrecisionSetting.withLock { $0 = p } }

/// The precision set by `setMatmulPrecision` (`.fp32` unless changed).
public var currentMatmulPrecision: MatmulPrecision { matmulPrecisionSetting.withLock { $0 } }
