// Chapter 3 adds backends, not math: `import brrr` (or `import picograd`) makes `.cpu` run on
// CPUBackend, with no call to make (the load-time hook in CBrrr/register.c), and the same
// lego models run faster unchanged. `Device.reference` stays dfdx's readable loops.
@_exported import lego
internal import CBrrr

/// Called once by dfdx's registry on its first lookup (CBrrr's constructor handed it over).
@_cdecl("brrr_install_backends")
public func brrrInstallBackends() {
    Backends.register(CPUBackend(isa: .selected), for: .cpu)
    registerCUDABackends()
}
