import Testing
import brrr

@Suite("brrr registration")
struct RegistrationTests {
    @Test("import brrr alone serves .cpu with brrr's backend")
    func registeredOnImport() {
        #expect(Backends.isAccelerated(.cpu))
        let backend = Backends.backend(for: .cpu)
        #expect(backend is CPUBackend)
        #expect(!Backends.isAccelerated(.reference))
    }

    @Test("every variant this CPU runs can be made, and portable always")
    func variants() {
        #expect(CPUISA.supported.contains(.portable))
        for isa in CPUISA.supported {
            #expect(CPUBackend(isa: isa).name == "cpu-\(isa)")
        }
        #expect(cpuThreads >= 1)
    }
}
