// The fused kernels of the CPU backend (CBrrr/fused.c): softmax and RMSNorm over contiguous
// rows. Other layouts run the composition (dfdx asks `canFuse` first).
internal import CBrrr
import dfdx

extension CPUBackend: FusedBackend {
    public func canFuse(_ kernel: FusedKernel, _ inputs: [StridedView]) -> Bool {
        guard let x = inputs.first, x.isContiguous, x.shape.count >= 1, x.count > 0 else { return false }
        switch kernel {
        case .softmax: return true
        case .rmsNorm: return inputs.count == 2 && inputs[1].shape == [x.shape[x.shape.count - 1]] && inputs[1].isContiguous
        }
    }

    public func fused(_ kernel: FusedKernel, _ inputs: [StridedView], out: any Buffer) {
        let x = inputs[0], cols = x.shape[x.shape.count - 1], rows = x.count / cols
        let xp = floatPointer(x.buffer) + x.offset, op = floatPointer(out)
        switch kernel {
        case .softmax: brrr_softmax_rows(Int32(cpuThreads), Int64(rows), Int64(cols), xp, op)
        case .rmsNorm(let eps):
            brrr_rms_norm_rows(Int32(cpuThreads), Int64(rows), Int64(cols), xp, floatPointer(inputs[1].buffer) + inputs[1].offset, eps, op)
        }
    }
}
