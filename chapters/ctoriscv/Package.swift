// swift-tools-version: 6.0
// Appendix A: a C89 compiler to RV32I, an assembler + linker to ELF32, and an RV32IM emulator.
import PackageDescription

let package = Package(
    name: "ctoriscv",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "ctoriscv-lib", targets: ["ctoriscv"]),
        .executable(name: "ctoriscv", targets: ["ctoriscvCLI"]),
    ],
    targets: [
        .target(name: "ctoriscv"),
        .executableTarget(name: "ctoriscvCLI", dependencies: ["ctoriscv"]),
        .testTarget(name: "ctoriscvTests", dependencies: ["ctoriscv"], exclude: ["corpus"]),
    ],
    swiftLanguageModes: [.v6]
)
