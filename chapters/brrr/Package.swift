// swift-tools-version: 6.0
// Chapter 3: fast kernels. A CPU backend (SIMD variants chosen at run time, a thread pool, a
// packed SGEMM) and a CUDA backend (driver API + NVRTC, loaded at run time), registered for
// `.cpu` and `.cuda(i)` on import. brrr adds backends, not math.
import PackageDescription

let package = Package(
    name: "brrr",
    platforms: [.macOS(.v15)],
    products: [.library(name: "brrr", targets: ["brrr"])],
    dependencies: [.package(path: "../lego")],
    targets: [
        // The kernels that need AVX-512 / AVX2 / NEON: C, so one file can hold a variant per
        // instruction set (`__attribute__((target(...)))`), picked at run time (never -march).
        .target(name: "CBrrr", cSettings: [.unsafeFlags(["-O3"])]),
        .target(name: "brrr", dependencies: ["CBrrr", .product(name: "lego", package: "lego")]),
        .testTarget(name: "brrrTests", dependencies: ["brrr"]),
    ],
    swiftLanguageModes: [.v6]
)
