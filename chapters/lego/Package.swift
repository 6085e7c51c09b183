// swift-tools-version: 6.0
// Chapter 2: nn building blocks, optimizers, data, tokenizers, checkpoints, models.
import PackageDescription

let package = Package(
    name: "lego",
    platforms: [.macOS(.v15)],
    products: [.library(name: "lego", targets: ["lego"])],
    dependencies: [.package(path: "../dfdx")],
    targets: [
        .target(name: "lego", dependencies: [.product(name: "dfdx", package: "dfdx")]),
        .testTarget(name: "legoTests", dependencies: ["lego"]),
    ],
    swiftLanguageModes: [.v6]
)
