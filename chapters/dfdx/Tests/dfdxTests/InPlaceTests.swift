// In-place safety: a tensor a pending backward saved must not be overwritten silently. Each
// tensor's memory has a version counter (shared by its views and detached aliases) that
// assign and indexCopy bump; backward checks the versions its VJPs read, as torch does.
import Testing
@testable import dfdx

@Suite struct InPlace {
    @Test func versionsCountWritesAndViewsShareThem() {
        let x = Tensor.zeros([2, 3])
        let view = x.transpose(0, 1), alias = x.detach()
        #expect(x.version.value == 0)
        alias.assign(Tensor.ones([2, 3]))
        view.slice(dim: 0, start: 0, end: 1).assign(Tensor.full([1, 2], 5))
        #expect(x.version.value == 2 && view.version === x.version && x.toArray() == [5, 1, 1, 5, 1, 1])
        let fresh = x + 1
        #expect(fresh.version.value == 0 && fresh.version !== x.version)
    }

    @Test func writesToWhatNoVJPReadsAreAllowed() {
        // add's VJP reads neither input, so changing one before backward is fine (as in torch)
        let a = Tensor([1, 2], shape: [2], requiresGrad: true), b = Tensor([3, 4], shape: [2], requiresGrad: true)
        let y = (a + b).sum()
        withNoGrad { a.assign(a * 10) }
        y.backward()
        #expect(a.grad!.toArray() == [1, 1] && b.grad!.toArray() == [1, 1])
    }

    @Test func overwritingASavedInputStops() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let w = Tensor([1, 2, 3], shape: [3], requiresGrad: true), x = Tensor([4, 5, 6], shape: [3])
            let y = (w * x).sum()
            withNoGrad { w.assign(w - 0.1) }     // an optimizer step before backward
            y.backward()
        }
        #expect(stderrText(r).contains("backward: one of the tensors needed for gradient computation has been modified by an inplace operation: input 0 of mul (shape [3]) is at version 1, expected version 0"))
    }

    @Test func overwritingASavedOutputStops() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let x = Tensor([1, 2], shape: [2], requiresGrad: true)
            let y = x.exp()
            y.detach().assign(Tensor.zeros([2]))   // through an alias: the same memory
            y.sum().backward()
        }
        #expect(stderrText(r).contains("the output of exp (shape [2]) is at version 1, expected version 0"))
    }
}

/// reshape is a view whenever the strides allow it (torch's rule), and copies only otherwise.
@Suite struct ReshapeViews {
    @Test func viewsOfATransposedTensorDoNotCopy() {
        let x = Tensor((0..<12).map(Float.init), shape: [3, 4]).transpose(0, 1)   // [4, 3], strides [1, 4]
        let c = Counter()
        let (u, s, row) = Dispatch.withHandler(c) { (x.unsqueeze(dim: 1), x.unsqueeze(dim: 0).squeeze(dim: 0), x[2]) }
        #expect(!c.names.contains("contiguous"))
        #expect(u.buffer === x.buffer && s.buffer === x.buffer && row.buffer === x.buffer)
        #expect(u.shape == [4, 1, 3] && row.toArray() == [2, 6, 10] && s.toArray() == x.toArray())
        // splitting a dim of a permuted tensor is a view too
        let split = Tensor.zeros([2, 6]).transpose(0, 1).reshape([2, 3, 2])
        #expect(split.strides == [3, 1, 6])
    }

    @Test func flatteningATransposeCopiesAndViewRefuses() async {
        let x = Tensor((0..<6).map(Float.init), shape: [2, 3]).transpose(0, 1)
        let flat = x.reshape([6])
        #expect(flat.buffer !== x.buffer && flat.toArray() == [0, 3, 1, 4, 2, 5])
        #expect(x.view([3, 2, 1]).buffer === x.buffer)
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]).transpose(0, 1).view([6])
        }
        #expect(stderrText(r).contains("view: shape [6] is not compatible with the strides [1, 3] of a tensor of shape [3, 2] (use reshape, which copies)"))
    }

    @Test func viewStridesAgreeWithCopyingOnRandomShapes() {
        // every reshape that is a view must read the same elements as the copying path
        var g = Generator(seed: 5)
        for _ in 0..<200 {
            let dims = (0..<3).map { _ in 1 + g.int(below: 3) }
            let base = Tensor((0..<dims.reduce(1, *)).map(Float.init), shape: dims)
            var order = [0, 1, 2]
            order.swapAt(g.int(below: 3), g.int(below: 3))
            let p = base.permute(order)
            let target = [p.count / dims[order[2]], dims[order[2]]]
            #expect(p.reshape(target).toArray() == p.contiguous().reshape(target).toArray())
        }
    }
}

@Suite struct Gradcheck {
    @Test func passesOnARightVJPAndFailsOnAWrongOne() {
        let right = CustomOp("cube", forward: { [$0[0] * $0[0] * $0[0]] }, vjp: { c, g in [3 * c.inputs[0] * c.inputs[0] * g[0]] })
        let wrong = CustomOp("cube", forward: { [$0[0] * $0[0] * $0[0]] }, vjp: { c, g in [2 * c.inputs[0] * c.inputs[0] * g[0]] })
        let x = Tensor([0.5, -1.2, 2, 0.1], shape: [4], requiresGrad: true)
        let good = gradcheck({ right($0[0]) }, [x])
        let bad = gradcheck({ wrong($0[0]) }, [x])
        #expect(good.passed && !bad.passed)
        // at the worst element the wrong rule is off by a third: 2x^2 v against 3x^2 v
        #expect(abs(bad.analytic / bad.numeric - 2.0 / 3.0) < 0.01)
        // the composed ops pass too, several inputs at once
        #expect(gradcheck({ softmax($0[0].matmul($0[1]), dim: -1) }, [Tensor.randn([2, 3]), Tensor.randn([3, 4])].map { $0.requiresGrad = true; return $0 }).passed)
    }
}
