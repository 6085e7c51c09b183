import Testing
import lego

@Test func legoSeesDfdx() {
    #expect(Tensor.ones([2]).sum().item() == 2)
}
