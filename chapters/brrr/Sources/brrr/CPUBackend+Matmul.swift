// matmul and linear on the CPU: the packed SGEMM (CBrrr/gemm.c) and the quantized linear.
internal import CBrrr
import dfdx

extension CPUBackend {
    public func matmul(_ a: StridedView, _ b: StridedView, out: any Buffer) { reference.matmul(a, b, out: out) }
    public func linear(_ x: StridedView, _ w: StridedView, out: any Buffer) { reference.linear(x, w, out: out) }
}
