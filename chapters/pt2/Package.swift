// swift-tools-version: 6.0
// Chapter 4: a graph compiler, like torch.compile. `compile(f)` traces the primitives `f`
// dispatches into an SSA graph, optimises it (DCE, CSE, constant folding, movement ops folded
// into index expressions), generates C loop nests, compiles them with the system C compiler at
// run time and loads them with dlopen; matmul calls brrr's SGEMM through a table of pointers.
import PackageDescription

let package = Package(
    name: "pt2",
    platforms: [.macOS(.v15)],
    products: [.library(name: "pt2", targets: ["pt2"])],
    dependencies: [.package(path: "../brrr")],
    targets: [
        .target(name: "pt2", dependencies: [.product(name: "brrr", package: "brrr")]),
        .testTarget(name: "pt2Tests", dependencies: ["pt2"], exclude: ["Golden"]),
    ],
    swiftLanguageModes: [.v6]
)
