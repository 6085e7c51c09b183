// swift-tools-version: 6.0
// Chapter 1: tensors and an autodiff interpreter.
import PackageDescription

let package = Package(
    name: "dfdx",
    platforms: [.macOS(.v15)],
    products: [.library(name: "dfdx", targets: ["dfdx"])],
    targets: [
        // a C array of load-time installers: how `import brrr` registers its backends (Backends.swift)
        .target(name: "DfdxHooks"),
        .target(name: "dfdx", dependencies: ["DfdxHooks"]),
        .testTarget(name: "dfdxTests", dependencies: ["dfdx"]),
    ],
    swiftLanguageModes: [.v6]
)
