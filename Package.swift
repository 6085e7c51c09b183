// swift-tools-version: 6.0
// The umbrella package: one build of every chapter, the `picograd` module that re-exports them,
// the `picograd` CLI, the `grade` runner, and the test targets CI runs.
import PackageDescription

let package = Package(
    name: "picograd",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "picograd-lib", targets: ["picograd"]),
        .executable(name: "picograd", targets: ["PicogradCLI"]),
        .executable(name: "grade", targets: ["GradeCLI"]),
        .executable(name: "figures", targets: ["FiguresCLI"]),
    ],
    dependencies: [
        .package(path: "chapters/dfdx"),
        .package(path: "chapters/lego"),
        .package(path: "chapters/brrr"),
        .package(path: "chapters/pt2"),
        .package(path: "chapters/az1use1"),
        .package(path: "chapters/ctoriscv"),
    ],
    targets: [
        .target(name: "picograd", dependencies: [
            .product(name: "dfdx", package: "dfdx"),
            .product(name: "lego", package: "lego"),
            .product(name: "brrr", package: "brrr"),
            .product(name: "pt2", package: "pt2"),
            .product(name: "az1use1", package: "az1use1"),
        ]),
        // The grading checks: one library, two front ends (Swift Testing suites and `grade`).
        .target(name: "Grading",
                dependencies: ["picograd", .product(name: "ctoriscv-lib", package: "ctoriscv")],
                path: "shared/Grading"),
        .executableTarget(name: "PicogradCLI", dependencies: ["picograd"]),
        .executableTarget(name: "GradeCLI", dependencies: ["Grading", "picograd"]),
        // The lectures' figures, drawn from the real code (scripts/figures); a debug build.
        .executableTarget(name: "FiguresCLI", dependencies: [
            .product(name: "dfdx", package: "dfdx"),
            .product(name: "lego", package: "lego"),
            .product(name: "ctoriscv-lib", package: "ctoriscv"),
        ]),
        // The PyTorch ports (examples/README.md): each runs from the README; ExamplesTests runs them briefly.
        .executableTarget(name: "PolynomialFit", dependencies: ["picograd"], path: "examples/PolynomialFit"),
        .executableTarget(name: "MakemoreMLP", dependencies: ["picograd"], path: "examples/MakemoreMLP"),
        .executableTarget(name: "NanoGPT", dependencies: ["picograd"], path: "examples/NanoGPT"),
        .testTarget(name: "ExamplesTests", dependencies: ["PolynomialFit", "MakemoreMLP", "NanoGPT"],
                    path: "Tests/Examples", exclude: ["Reference"]),
        .testTarget(name: "GradingTests", dependencies: ["Grading"], path: "Tests/Grading",
                    exclude: ["Reference"]),
        .testTarget(name: "APITests", dependencies: ["picograd"], path: "Tests/API"),
        // Each chapter's own unit tests, built from the umbrella so CI builds every chapter once.
        .testTarget(name: "dfdxTests", dependencies: [.product(name: "dfdx", package: "dfdx")],
                    path: "chapters/dfdx/Tests/dfdxTests"),
        .testTarget(name: "legoTests", dependencies: [.product(name: "lego", package: "lego")],
                    path: "chapters/lego/Tests/legoTests"),
        .testTarget(name: "brrrTests", dependencies: [.product(name: "brrr", package: "brrr")],
                    path: "chapters/brrr/Tests/brrrTests"),
        .testTarget(name: "pt2Tests", dependencies: [.product(name: "pt2", package: "pt2")],
                    path: "chapters/pt2/Tests/pt2Tests", exclude: ["Golden"]),
        .testTarget(name: "az1use1Tests", dependencies: [.product(name: "az1use1", package: "az1use1")],
                    path: "chapters/az1use1/Tests/az1use1Tests"),
        .testTarget(name: "ctoriscvTests", dependencies: [.product(name: "ctoriscv-lib", package: "ctoriscv")],
                    path: "chapters/ctoriscv/Tests/ctoriscvTests", exclude: ["corpus"]),
    ],
    swiftLanguageModes: [.v6]
)
