// The fused kernels of the CPU backend (CBrrr/fused.c): softmax and RMSNorm over contiguous
// rows. Other layouts run the composition (dfdx asks `canFuse` first).
internal import CBrrr
import dfdx

extension CPUBackend: FusedBackend {
    public func canFuse(_ kernel: FusedKernel, _ inputs: [StridedView]) -> Bool {
        guard let x = inputs.first, x.shape.count >= 1, x.count > 0 else { return false }
        if case .rotary = kernel {   // x may be any strided view (heads are a transposed one)
            return inputs.count == 3 && x.shape.count == 4 && x.shape[3] % 2 == 0
                && inputs[1].shape == [x.shape[2], x.shape[3]] && inputs[2].shape == inputs[1].shape
                && inputs[1].isContiguous && inputs[2].isContiguous
        }
        guard x.isContiguous else { return false }
        switch kernel {
        case .softmax: return true
        case .rmsNorm: return inputs.count == 2 && inputs[1].shape == [x.shape[x.shape.count - 1]] && inputs[1].isContiguous
        case .layerNorm:
            return inputs.count == 3 && inputs[1...].allSatisfy { $0.shape == [x.shape[x.shape.count - 1]] && $0.isContiguous }
        case .geluTanh: return true
        case .rotary: return false
        }
    }

    public func fused(_ kernel: FusedKernel, _ inputs: [StridedView], out: any Buffer) {
        let x = inputs[0], cols = x.shape[x.shape.count - 1], rows = x.count / cols
        let xp = floatPointer(x.buffer) + x.offset, op = floatPointer(out)
        switch kernel {
        case .softmax: brrr_softmax_rows(Int32(cpuThreads), Int64(rows), Int64(cols), xp, op)
        case .rmsNorm(let eps):
            brrr_rms_norm_rows(Int32(cpuThreads), Int64(rows), Int64(cols), xp, floatPointer(inputs[1].buffer) + inputs[1].offset, eps, op)
        case .layerNorm(let eps):
            brrr_layer_norm_rows(Int32(cpuThreads), Int64(rows), Int64(cols), xp, floatPointer(inputs[1].buffer) + inputs[1].offset,
                                 floatPointer(inputs[2].buffer) + inputs[2].offset, eps, op)
        case .geluTanh: brrr_gelu_tanh(Int32(cpuThreads), Int64(x.count), xp, op)
        case .rotary:
            let strides = x.strides.map { Int64($0) }
            brrr_rotary(Int64(x.shape[0]), Int64(x.shape[1]), Int64(x.shape[2]), Int64(x.shape[3]), xp, strides,
                        floatPointer(inputs[1].buffer) + inputs[1].offset, floatPointer(inputs[2].buffer) + inputs[2].offset, op)
        }
    }
}
