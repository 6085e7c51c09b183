// Module: the base class of every layer and model, like torch.nn.Module.
//
// A module never registers its parameters by hand. `namedParameters()` reflects over the
// stored properties (Mirror) and finds them itself: a `Tensor` that requires grad is a
// parameter, any other stored `Tensor` a buffer (a frozen or quantized weight, in the state
// dict like torch's buffers), a `Module` (or an optional one, or an array of them) is a child whose
// parameters are named `child.param`, arrays by index (`layers.0.weight`). Swift's
// camelCase property names become PyTorch's snake_case keys (`selfAttn` -> `self_attn`,
// `ln1` -> `ln_1`), so a state dict has exactly the keys torch would give the same model.

/// A thrown error for a state dict that does not fit a model: names every bad key.
public struct StateDictError: Error, CustomStringConvertible {
    public let missing: [String]
    public let unexpected: [String]
    public let mismatched: [String]
    public var description: String {
        var parts: [String] = []
        if !missing.isEmpty { parts.append("missing keys: " + missing.joined(separator: ", ")) }
        if !unexpected.isEmpty { parts.append("unexpected keys: " + unexpected.joined(separator: ", ")) }
        if !mismatched.isEmpty { parts.append("shape mismatches: " + mismatched.joined(separator: "; ")) }
        return "loadStateDict: " + parts.joined(separator: "; ")
    }
}

/// `selfAttn` -> `self_attn`, `ln1` -> `ln_1`, `lmHead` -> `lm_head` (PyTorch's attribute names).
public func snakeCase(_ name: String) -> String {
    var out = ""
    var previous: Character? = nil
    for c in name {
        if c.isUppercase {
            if previous != nil { out.append("_") }
            out.append(Character(c.lowercased()))
        } else if c.isNumber, let p = previous, p.isLetter {
            out.append("_")
            out.append(c)
        } else {
            out.append(c)
        }
        previous = c
    }
    return out
}

/// The base class of layers and models (torch.nn.Module): parameters and children are found
/// by reflection over stored properties; `train()`/`eval()` switch dropout on and off.
open class Module {
    /// True in training mode (dropout active), false after `eval()`.
    public private(set) var training = true

    /// A module with no parameters yet; subclasses store theirs as properties.
    public init() {}

    /// Stored properties, this class's and its superclasses', with PyTorch names and their values.
    func storedProperties() -> [(String, Any)] {
        var out: [(String, Any)] = []
        var mirror: Mirror? = Mirror(reflecting: self)
        while let m = mirror {
            for child in m.children {
                guard let label = child.label, label != "training" else { continue }
                out.append((snakeCase(label), child.value))
            }
            mirror = m.superclassMirror
        }
        return out
    }

    /// Direct sub-modules with their names (`layers.0`, `mlp`, ...).
    public func namedChildren() -> [(String, Module)] {
        var out: [(String, Module)] = []
        for (name, value) in storedProperties() {
            if let m = value as? Module { out.append((name, m)) }
            else if let ms = value as? [Module] { out += ms.enumerated().map { ("\(name).\($0.offset)", $0.element) } }
        }
        return out
    }

    /// Every parameter with its full dotted name, like torch's `named_parameters()`:
    /// this module's own tensors first, then each child's, depth first.
    public func namedParameters() -> [(String, Tensor)] {
        // BEGIN SOLUTION lego.1: for each (name, value) of storedProperties(): a Tensor that requires grad is a parameter; a Module, or [Module] by index, adds its namedParameters() under a "name." prefix; a tensor met twice (a tied weight) is listed once, under its first name
        var out: [(String, Tensor)] = []
        var seen = Set<ObjectIdentifier>()
        func add(_ name: String, _ t: Tensor) {
            if seen.insert(ObjectIdentifier(t)).inserted { out.append((name, t)) }
        }
        for (name, value) in storedProperties() {
            if let t = value as? Tensor {
                if t.requiresGrad { add(name, t) }
            } else if let m = value as? Module {
                for (n, t) in m.namedParameters() { add("\(name).\(n)", t) }
            } else if let ms = value as? [Module] {
                for (i, m) in ms.enumerated() {
                    for (n, t) in m.namedParameters() { add("\(name).\(i).\(n)", t) }
                }
            }
        }
        return out
        // END SOLUTION lego.1
    }

    /// Every tensor the module keeps that is not a parameter (torch's buffers): a frozen weight,
    /// a quantized one (dfdx's block formats never require grad), with its full dotted name.
    public func namedBuffers() -> [(String, Tensor)] {
        var out: [(String, Tensor)] = []
        for (name, value) in storedProperties() {
            if let t = value as? Tensor {
                if !t.requiresGrad { out.append((name, t)) }
            } else if let m = value as? Module {
                out += m.namedBuffers().map { ("\(name).\($0.0)", $0.1) }
            } else if let ms = value as? [Module] {
                for (i, m) in ms.enumerated() { out += m.namedBuffers().map { ("\(name).\(i).\($0.0)", $0.1) } }
            }
        }
        return out
    }

    /// The parameters, in `namedParameters()` order (what an optimizer takes).
    public func parameters() -> [Tensor] { namedParameters().map(\.1) }

    /// Total number of parameter elements.
    public var parameterCount: Int { parameters().reduce(0) { $0 + $1.count } }

    /// Name -> parameter or buffer, sharing storage with the model (torch's `state_dict()`).
    public func stateDict() -> [String: Tensor] {
        Dictionary(namedParameters() + namedBuffers(), uniquingKeysWith: { a, _ in a })
    }

    /// Copies `dict` into the parameters in place. Throws `StateDictError` naming every
    /// missing or unexpected key and every shape mismatch; nothing is copied then.
    public func loadStateDict(_ dict: [String: Tensor]) throws {
        let own = stateDict()
        let missing = own.keys.filter { dict[$0] == nil }.sorted()
        let unexpected = dict.keys.filter { own[$0] == nil }.sorted()
        let mismatched = own.keys.sorted().compactMap { key -> String? in
            guard let given = dict[key], let mine = own[key], given.shape != mine.shape || given.dtype != mine.dtype else { return nil }
            if given.dtype != mine.dtype { return "\(key): checkpoint \(given.dtype), model \(mine.dtype)" }
            return "\(key): checkpoint \(given.shape), model \(mine.shape)"
        }
        guard missing.isEmpty, unexpected.isEmpty, mismatched.isEmpty else {
            throw StateDictError(missing: missing, unexpected: unexpected, mismatched: mismatched)
        }
        withNoGrad {
            for (key, p) in own { p.assign(dict[key]!.to(p.device)) }
        }
    }

    /// Training mode for this module and every child (dropout on).
    @discardableResult
    public func train(_ on: Bool = true) -> Self {
        training = on
        for (_, c) in namedChildren() { c.train(on) }
        return self
    }

    /// Evaluation mode for this module and every child (dropout off).
    @discardableResult
    public func eval() -> Self { train(false) }

    /// This module and every module below it, each once, parents before children, with dotted
    /// names ("" for self), like torch's `named_modules()`.
    public func namedModules() -> [(String, Module)] {
        var out: [(String, Module)] = [("", self)]
        var seen: Set<ObjectIdentifier> = [ObjectIdentifier(self)]
        for (name, child) in namedChildren() {
            for (n, m) in child.namedModules() where seen.insert(ObjectIdentifier(m)).inserted {
                out.append((n.isEmpty ? name : "\(name).\(n)", m))
            }
        }
        return out
    }

    /// This module and every module below it, each once (torch's `modules()`).
    public func modules() -> [Module] { namedModules().map(\.1) }

    /// Calls `fn` on every child module (recursively) and then on self, like torch's
    /// `apply(fn)`, e.g. to initialize weights: `model.apply { if let l = $0 as? Linear { ... } }`.
    @discardableResult
    public func apply(_ fn: (Module) -> Void) -> Self {
        for (_, child) in namedChildren() { child.apply(fn) }
        fn(self)
        return self
    }

    /// Drops every parameter's gradient (torch's `model.zero_grad()`, set_to_none=True).
    public func zeroGrad() {
        for p in parameters() { p.grad = nil }
    }

    /// The forward pass of single-input modules; subclasses override it.
    open func forward(_ x: Tensor) -> Tensor {
        fail("\(type(of: self)): forward(_:) is not implemented for a single tensor input")
    }

    /// `module(x)` calls `forward(x)`.
    public func callAsFunction(_ x: Tensor) -> Tensor { forward(x) }
}

/// A leaf parameter tensor: `data` of `shape`, requiring grad.
public func parameter(_ t: Tensor) -> Tensor {
    let p = t.detach()
    p.requiresGrad = true
    return p
}
