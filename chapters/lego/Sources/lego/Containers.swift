// Containers and shape layers a PyTorch port reaches for: nn.Flatten, nn.ModuleDict and
// nn.ModuleList. Children are named by key or by position, as torch names them, so a state
// dict keeps torch's keys (`transformer.h.0.attn.c_attn.weight`).

/// Flattens dims startDim...endDim of its input into one (torch.nn.Flatten: by default every
/// dim but the batch dim). x: [B, d1, d2, ...] -> [B, d1 * d2 * ...].
public final class Flatten: Module {
    public let startDim: Int
    public let endDim: Int

    /// Flattens startDim...endDim (negative dims count from the end).
    public init(startDim: Int = 1, endDim: Int = -1) { (self.startDim, self.endDim) = (startDim, endDim) }

    public override func forward(_ x: Tensor) -> Tensor { x.flatten(startDim: startDim, endDim: endDim) }
}

/// Modules by name, in insertion order (torch.nn.ModuleDict); parameters are named
/// `key.param`. `dict["wte"]` is the module stored under "wte" (cast it to use its own API:
/// `dict["wte", as: Embedding.self]`).
public final class ModuleDict: Module {
    /// The (key, module) pairs, in insertion order.
    public private(set) var items: [(String, Module)]

    /// Modules under their keys, in the given order; keys must be unique.
    public init(_ items: KeyValuePairs<String, Module>) {
        self.items = []
        super.init()
        for (k, m) in items { self[k] = m }
    }

    /// The module under `key`; setting adds it at the end or replaces it in place.
    public subscript(_ key: String) -> Module? {
        get { items.first { $0.0 == key }?.1 }
        set {
            check(!key.isEmpty && !key.contains("."), "ModuleDict: key \"\(key)\" must be non-empty and contain no \".\"")
            if let i = items.firstIndex(where: { $0.0 == key }) {
                if let newValue { items[i].1 = newValue } else { items.remove(at: i) }
            } else if let newValue {
                items.append((key, newValue))
            }
        }
    }

    /// The module under `key` as a `type` (stops, naming the key, when it is absent or another type).
    public subscript<M: Module>(_ key: String, as type: M.Type) -> M {
        guard let m = self[key] as? M else {
            fail("ModuleDict: no \(M.self) under key \"\(key)\" (keys: \(keys), found \(self[key].map { "\(Swift.type(of: $0))" } ?? "nothing"))")
        }
        return m
    }

    /// The keys, in order.
    public var keys: [String] { items.map(\.0) }

    public override func namedChildren() -> [(String, Module)] { items }

    /// `key.param` for each module's parameters, each tensor once.
    public override func namedParameters() -> [(String, Tensor)] {
        var seen = Set<ObjectIdentifier>()
        return items.flatMap { key, m in m.namedParameters().map { ("\(key).\($0.0)", $0.1) } }
            .filter { seen.insert(ObjectIdentifier($0.1)).inserted }
    }

    public override func namedBuffers() -> [(String, Tensor)] {
        items.flatMap { key, m in m.namedBuffers().map { ("\(key).\($0.0)", $0.1) } }
    }
}

/// Modules by position (torch.nn.ModuleList): children and parameters named `0.weight`,
/// `1.bias`, ...; no forward of its own (iterate `modules`).
public final class ModuleList: Module {
    public let list: [Module]

    /// The modules, in order.
    public init(_ modules: [Module]) { list = modules }

    /// The module at position i.
    public subscript(_ i: Int) -> Module { list[i] }
    /// How many modules it holds.
    public var count: Int { list.count }

    public override func namedChildren() -> [(String, Module)] {
        list.enumerated().map { ("\($0.offset)", $0.element) }
    }

    public override func namedParameters() -> [(String, Tensor)] {
        super.namedParameters().map { (String($0.0.dropFirst("list.".count)), $0.1) }
    }

    public override func namedBuffers() -> [(String, Tensor)] {
        super.namedBuffers().map { (String($0.0.dropFirst("list.".count)), $0.1) }
    }
}
