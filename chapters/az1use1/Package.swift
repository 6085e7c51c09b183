// swift-tools-version: 6.0
// Chapter 5, part 1: distributing lego's models. A `ProcessGroup` with collectives (ring
// all-reduce, all-gather, reduce-scatter, tree broadcast, point-to-point) on threads in one
// process, a device mesh of sub-groups, data parallelism (bucketed gradient all-reduce from
// grad hooks, no-sync accumulation, ZeRO-1) and Megatron's tensor parallelism.
import PackageDescription

let package = Package(
    name: "az1use1",
    platforms: [.macOS(.v15)],
    products: [.library(name: "az1use1", targets: ["az1use1"])],
    dependencies: [.package(path: "../pt2")],
    targets: [
        .target(name: "az1use1", dependencies: [.product(name: "pt2", package: "pt2")]),
        .testTarget(name: "az1use1Tests", dependencies: ["az1use1"]),
    ],
    swiftLanguageModes: [.v6]
)
