// Initializers: `= expr` and `= { ... }` with nested braces, brace elision and strings.
//
// An initializer is parsed into a tree shaped like the object's type. A local object is then
// zeroed and assigned leaf by leaf; a global object becomes bytes plus relocations.

final class Initializer {
    var type: CType
    var children: [Initializer] = []
    var expr: Node?
    init(_ type: CType) {
        self.type = type
        if type.kind == .array && type.count > 0 { children = (0..<type.count).map { _ in Initializer(type.base!) } }
        if type.kind == .structure || type.kind == .union { children = type.members.map { Initializer($0.type) } }
    }
}

extension Parser {
    // initializer = string | "{" initializer ("," initializer)* ","? "}" | assign
    func initializer(_ type: CType) throws -> Initializer {
        try enter(); defer { leave() }
        let root = Initializer(type)
        try fill(root)
        return root
    }

    func fill(_ ini: Initializer) throws {
        let t = ini.type
        let string = current.kind == .string ? current : current.is("{") && peek(1).kind == .string ? peek(1) : nil
        if t.kind == .array, let s = string, s.isWide ? t.base!.isInteger && t.base!.size == 4 : t.base!.kind == .char {
            let braced = accept("{")
            let (bytes, wide) = stringBytes()
            if braced { _ = accept(","); try expect("}") }
            let width = wide ? 4 : 1
            var values: [Int64] = []
            for k in stride(from: 0, to: bytes.count, by: width) {
                var v: Int64 = 0
                for j in 0..<width { v |= Int64(bytes[k + j]) << Int64(8 * j) }
                values.append(v)
            }
            let count = t.count < 0 ? values.count + 1 : t.count
            let at = current.loc
            ini.type = .array(of: t.base!, count: count)
            ini.children = (0..<count).map { i in
                let c = Initializer(t.base!)
                c.expr = number(i < values.count ? Int64(Int32(truncatingIfNeeded: values[i])) : 0, at: at)
                return c
            }
            return
        }
        if t.kind == .array || ((t.kind == .structure || t.kind == .union) && current.is("{")) {
            let open = current
            guard accept("{") else { throw CompileError("array must be initialized with a brace-enclosed list", at: current.loc) }
            let limit = t.kind == .array ? t.count : (t.kind == .union ? min(1, t.members.count) : t.members.count)
            var i = 0, first = true
            while !current.is("}") {
                if current.kind == .eof { throw CompileError("expected '}' at end of input", at: open.loc) }
                if !first { try expect(","); if current.is("}") { break } }
                first = false
                if current.is("[") || current.is(".") { i = try designation(ini) + 1; continue }
                if limit >= 0 && i >= limit {
                    if t.kind != .array { throw CompileError("excess elements in \(t.kind == .union ? "union" : "struct") initializer", at: current.loc) }
                    _ = try initializer(t.base!)            // excess array elements are checked, then dropped
                } else {
                    if i >= ini.children.count { ini.children.append(Initializer(t.base!)) }
                    try fillElided(ini.children[i])
                }
                i += 1
            }
            try expect("}")
            if t.kind == .array && t.count < 0 { ini.type = .array(of: t.base!, count: ini.children.count) }
            return
        }
        if t.kind == .structure || t.kind == .union {
            let e = try assignment()
            if e.type.isCompatible(with: t) && (e.type.kind == .structure || e.type.kind == .union) { ini.expr = e; return }
            throw CompileError("invalid initializer for '\(t)'", at: e.loc)
        }
        if accept("{") {
            try fill(ini)
            _ = accept(",")
            try expect("}")
            return
        }
        let e = try assignment()
        if !t.isScalar { throw CompileError("invalid initializer", at: e.loc) }
        ini.expr = try cast(e, to: t)
    }

    /// An aggregate initialized without its own braces takes as many elements as it needs.
    func fillElided(_ ini: Initializer) throws {
        let t = ini.type
        if current.is("{") || !(t.kind == .array || t.kind == .structure || t.kind == .union) || (t.kind == .array && current.kind == .string) {
            try fill(ini); return
        }
        try enter(); defer { leave() }
        for (i, c) in ini.children.enumerated() where i == 0 || t.kind != .union {
            if i > 0 { guard current.is(","), !peek(1).is("}") else { return }; pos += 1 }
            try fillElided(c)
        }
    }

    // designation = ("[" const-expr "]" | "." identifier)+ "=" initializer   (C99)
    /// A designated element of the braced list `ini`: returns the index it names at this level.
    /// The last designator's subobject is initialized afresh (a later designator overrides an
    /// earlier one, as in gcc); after a nested one, positional elements continue inside it.
    func designation(_ ini: Initializer) throws -> Int {
        try enter(); defer { leave() }
        let t = ini.type, at = current.loc
        let k: Int
        if accept("[") {
            guard t.kind == .array else { throw CompileError("array index in non-array initializer", at: at) }
            let v = try constExpr()
            try expect("]")
            if v < 0 || (t.count >= 0 && v >= t.count) || v > 0xffff_ffff { throw CompileError("array index in initializer exceeds array bounds", at: at) }
            k = Int(v)
            if t.count < 0 { while ini.children.count <= k { ini.children.append(Initializer(t.base!)) } }
        } else {
            try expect(".")
            let name = try identifier()
            guard t.kind == .structure || t.kind == .union else { throw CompileError("field name not in record or union initializer", at: at) }
            guard let m = t.members.firstIndex(where: { $0.name == name.text }) else {
                throw CompileError("unknown field '\(name.text)' specified in initializer", at: name.loc)
            }
            k = m
            if t.kind == .union { for j in ini.children.indices where j != k { ini.children[j] = Initializer(t.members[j].type) } }
        }
        let child = ini.children[k]
        if current.is("[") || current.is(".") {
            guard child.type.isAggregate else { throw CompileError("designator into a non-aggregate '\(child.type)'", at: current.loc) }
            var next = try designation(child) + 1
            while child.type.kind != .union && next < child.children.count && current.is(",")
                    && !peek(1).is("}") && !peek(1).is("[") && !peek(1).is(".") {
                pos += 1
                try fillElided(child.children[next])
                next += 1
            }
            return k
        }
        try expect("=")
        ini.children[k] = Initializer(child.type)
        try fillElided(ini.children[k])
        return k
    }

    /// `T x = init;` inside a function: zero the object, then assign each initialized leaf.
    func localInitializer(_ v: Variable, at loc: SourceLocation) throws -> Node {
        let ini = try initializer(v.type)
        v.type = ini.type
        let block = Node(.block, at: loc)
        let zero = Node(.memZero, at: loc)
        zero.variable = v
        if v.type.isAggregate && !coversEveryByte(ini) { block.body.append(zero) }
        try assignLeaves(ini, target: variableNode(v, at: loc), into: block)
        return block
    }

    /// Every byte of the object gets its value from the initializer (then the zeroing can go):
    /// every element or member initialized, and no padding in a struct.
    func coversEveryByte(_ ini: Initializer) -> Bool {
        if ini.expr != nil { return true }
        let padded = ini.type.kind == .structure && ini.type.members.reduce(0) { $0 + $1.type.size } != ini.type.size
        let complete = ini.type.kind == .array ? ini.children.count == ini.type.count : ini.type.kind == .structure && !padded
        return complete && !ini.children.isEmpty && ini.children.allSatisfy(coversEveryByte)
    }

    func assignLeaves(_ ini: Initializer, target: Node, into block: Node) throws {
        if let e = ini.expr {
            let s = Node(.exprStmt, at: e.loc)
            s.lhs = try assign(target, e, at: e.loc, initializing: true)   // a const object may be initialized
            block.body.append(s)
            return
        }
        let loc = target.loc
        for (i, c) in ini.children.enumerated() {
            if ini.type.kind == .array {
                try assignLeaves(c, target: try deref(try add(target, number(Int64(i), at: loc), at: loc), at: loc), into: block)
            } else {
                let m = ini.type.members[i]
                let x = Node(.member, at: loc)
                x.lhs = target; x.member = m; x.type = m.type
                try assignLeaves(c, target: x, into: block)
            }
        }
    }

    /// `T x = init;` at file scope: the initial bytes and relocations of the object.
    func globalInitializer(_ v: Variable) throws {
        let ini = try initializer(v.type)
        v.type = ini.type
        var bytes = [UInt8](repeating: 0, count: v.type.size)
        try writeLeaves(ini, offset: 0, into: &bytes, v)
        v.initData = bytes
    }

    func writeLeaves(_ ini: Initializer, offset: Int, into bytes: inout [UInt8], _ v: Variable) throws {
        if let e = ini.expr {
            if ini.type.isAggregate { throw CompileError("initializer element is not constant", at: e.loc) }
            if ini.type.kind == .pointer || ini.type.size == 4, let a = try evaluateAddress(e) {
                v.relocations.append((offset, a.label, a.addend))
                return
            }
            let value: Int64
            do { value = try evaluate(e) } catch { throw CompileError("initializer element is not constant", at: e.loc) }
            for k in 0..<ini.type.size { bytes[offset + k] = UInt8(truncatingIfNeeded: value >> (8 * Int64(k))) }
            return
        }
        for (i, c) in ini.children.enumerated() {
            let off = ini.type.kind == .array ? i * ini.type.base!.size : ini.type.members[i].offset
            try writeLeaves(c, offset: offset + off, into: &bytes, v)
        }
    }
}
