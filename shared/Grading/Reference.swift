// Reading PyTorch's reference outputs (JSON written by scripts/reference/*.py).
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

/// A tensor as the reference scripts write it: shape + row-major float64 data.
public struct RefTensor: Decodable, Sendable {
    public let shape: [Int]
    public let data: [Double]
    public let requiresGrad: Bool

    enum CodingKeys: String, CodingKey { case shape, data, requiresGrad = "requires_grad" }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        shape = try c.decode([Int].self, forKey: .shape)
        data = try c.decode([Double].self, forKey: .data)
        requiresGrad = try c.decodeIfPresent(Bool.self, forKey: .requiresGrad) ?? false
    }

    /// The data rounded to float32 (the reference inputs are float32-exact).
    public var floats: [Float] { data.map(Float.init) }
}

/// One tensor-program case: inputs, output, upstream gradient, input gradients, JVP.
public struct RefTensorCase: Decodable, Sendable {
    public struct JVP: Decodable, Sendable { public let tangent: RefTensor; public let output: RefTensor }
    public let name: String
    public let inputs: [RefTensor]
    public let output: RefTensor
    public let upstream: RefTensor?
    public let grads: [RefTensor?]
    public let jvp: JVP?

    enum CodingKeys: String, CodingKey { case name, inputs, output, upstream, grads, jvp }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        inputs = try c.decode([RefTensor].self, forKey: .inputs)
        output = try c.decode(RefTensor.self, forKey: .output)
        upstream = try c.decodeIfPresent(RefTensor.self, forKey: .upstream)
        grads = try c.decodeIfPresent([RefTensor?].self, forKey: .grads) ?? []
        jvp = try c.decodeIfPresent(JVP.self, forKey: .jvp)
    }
}

/// One scalar-engine case.
public struct RefScalarCase: Decodable, Sendable {
    public let name: String
    public let inputs: [Double]
    public let output: Double
    public let grads: [Double]
}

/// A reference file: which torch made it, and its raw JSON for typed lookups.
public struct Reference: Sendable {
    public let file: String
    let data: Data

    private static let cache = Mutex<[String: Data]>([:])

    /// Loads (once per process) `<root>/<chapter>/<file>`.
    public static func load(chapter: String, file: String, _ ctx: GradingContext) throws -> Reference {
        let key = ctx.referenceRoot + "/" + chapter + "/" + file
        if let data = cache.withLock({ $0[key] }) { return Reference(file: file, data: data) }
        let data = try ctx.referenceData(chapter: chapter, file: file)
        cache.withLock { $0[key] = data }
        return Reference(file: file, data: data)
    }

    struct Cases<C: Decodable>: Decodable { let cases: [C] }

    /// The tensor case called `name`.
    public func tensorCase(named name: String) throws -> RefTensorCase {
        try find(name, in: JSONDecoder().decode(Cases<RefTensorCase>.self, from: data).cases, name: \.name)
    }

    /// The scalar case called `name`.
    public func scalarCase(named name: String) throws -> RefScalarCase {
        try find(name, in: JSONDecoder().decode(Cases<RefScalarCase>.self, from: data).cases, name: \.name)
    }

    /// Any Decodable layout, for chapters with their own formats.
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: data)
    }

    private func find<C>(_ name: String, in cases: [C], name key: KeyPath<C, String>) throws -> C {
        guard let c = cases.first(where: { $0[keyPath: key] == name }) else {
            throw GradingFailure("\(file): no case named \(name) (regenerate with scripts/reference)")
        }
        return c
    }
}
