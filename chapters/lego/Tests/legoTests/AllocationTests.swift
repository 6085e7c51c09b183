// A model built and trained on a device of its own (withDefaultDevice), and the caching
// allocator behind it: a steady-state training step takes every buffer from the pool.
import Testing
@testable import lego
import dfdx

@Suite struct Allocation {
    @Test func steadyStateNamesStepAllocatesNothingFromTheSystem() {
        // a backend of its own, so no other test's allocations are counted
        let device = Device.cuda(21)
        let backend = ReferenceBackend(device: device)
        Backends.register(backend, for: device)
        withDefaultDevice(device) {
            withDefaultGenerator(Generator(seed: 1)) {
                let model = MLPLanguageModel(vocabSize: 27, context: 3, embedDim: 10, hiddenDim: 200)
                #expect(model.parameters().allSatisfy { $0.device == device })   // built where it runs
                let optimizer = SGD(model.parameters(), lr: 0.1)
                var g = Generator(seed: 2)
                func step() -> Float {
                    let x = (0..<96).map { _ in g.int(below: 27) }, y = (0..<32).map { _ in g.int(below: 27) }
                    return trainStep(optimizer) { batchLoss(model, x: x, y: y, shape: [32, 3]) }
                }
                _ = step(); _ = step()
                let before = backend.allocationStats
                let loss = step()
                let after = backend.allocationStats
                let asked = after.allocations - before.allocations, fromSystem = after.systemAllocations - before.systemAllocations
                print("names training step (B=32): \(asked) buffer allocations, \(fromSystem) reached the system")
                #expect(loss.isFinite && asked > 50)
                #expect(fromSystem == 0)
            }
        }
    }
}
