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
        if case .attention = kernel {   // q, k, v any strided views (a slice of the cache, grouped heads)
            guard inputs.count == 4 else { return false }
            let (q, k, v, mask) = (inputs[0], inputs[1], inputs[2], inputs[3])
            return q.shape.count == 4 && k.shape.count == 4 && v.shape == k.shape && q.shape[0] == k.shape[0]
                && q.shape[1] == k.shape[1] && q.shape[3] == k.shape[3] && mask.shape == [q.shape[2], k.shape[2]]
                && k.shape[2] > 0
        }
        guard x.isContiguous else { return false }
        switch kernel {
        case .softmax: return true
        case .rmsNorm: return inputs.count == 2 && inputs[1].shape == [x.shape[x.shape.count - 1]] && inputs[1].isContiguous
        case .layerNorm:
            return inputs.count == 3 && inputs[1...].allSatisfy { $0.shape == [x.shape[x.shape.count - 1]] && $0.isContiguous }
        case .geluTanh: return true
        case .rotary, .attention: return false
        }
    }

    public func fused(_ kernel: FusedKernel, _ inputs: [StridedView], out: any Buffer) {
        let x = inputs[0], cols = x.shape[x.shape.count - 1], rows = x.count / cols
        let xp = floats(x.buffer) + x.offset, op = floats(out)
        switch kernel {
        case .softmax: brrr_softmax_rows(isa.code, threads, Int64(rows), Int64(cols), xp, op)
        case .rmsNorm(let eps):
            brrr_rms_norm_rows(threads, Int64(rows), Int64(cols), xp, floats(inputs[1].buffer) + inputs[1].offset, eps, op)
        case .layerNorm(let eps):
            brrr_layer_norm_rows(isa.code, threads, Int64(rows), Int64(cols), xp, floats(inputs[1].buffer) + inputs[1].offset,
                                 floats(inputs[2].buffer) + inputs[2].offset, eps, op)
        case .geluTanh: brrr_gelu_tanh(isa.code, threads, Int64(x.count), xp, op)
        case .attention(let scale):
            let (k, v, mask) = (inputs[1], inputs[2], inputs[3])
            let qs = x.strides.map { Int64($0) }, ks = k.strides.map { Int64($0) }, vs = v.strides.map { Int64($0) }
            brrr_attention(isa.code, threads, Int64(x.shape[0]), Int64(x.shape[1]), Int64(x.shape[2]), Int64(k.shape[2]), Int64(x.shape[3]),
                           xp, qs, floats(k.buffer) + k.offset, ks, floats(v.buffer) + v.offset, vs,
                           floats(mask.buffer) + mask.offset, Int64(mask.strides[0]), Int64(mask.strides[1]), scale, op)
        case .rotary:
            let strides = x.strides.map { Int64($0) }
            brrr_rotary(Int64(x.shape[0]), Int64(x.shape[1]), Int64(x.shape[2]), Int64(x.shape[3]), xp, strides,
                        floats(inputs[1].buffer) + inputs[1].offset, floats(inputs[2].buffer) + inputs[2].offset, op)
        }
    }
}
