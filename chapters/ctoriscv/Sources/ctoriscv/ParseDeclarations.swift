// Declarations: specifiers, declarators, struct/union/enum, type names.

struct DeclAttributes {
    var isTypedef = false, isStatic = false, isExtern = false
}

/// Array and function parameters become pointers.
func promotedParameter(_ t: CType) -> CType {
    if t.kind == .array { return .pointer(to: t.base!) }
    if t.kind == .function { return .pointer(to: t) }
    return t
}

extension Parser {
    // declspec = ("void" | "char" | "short" | "int" | "long" | "signed" | "unsigned"
    //            | struct-decl | union-decl | enum-specifier | typedef-name
    //            | "typedef" | "static" | "extern" | "auto" | "register" | "const" | "volatile")+
    func declspec(_ attr: inout DeclAttributes) throws -> CType {
        var counts: [String: Int] = [:]
        var other: CType?
        var isConst = false
        let start = current
        while isTypeName(current) {
            let tok = current
            pos += 1
            switch tok.text {
            case "typedef": attr.isTypedef = true
            case "static": attr.isStatic = true
            case "extern": attr.isExtern = true
            case "auto", "register", "volatile", "inline": break
            case "const": isConst = true
            case "float", "double": throw CompileError("floating-point types are not supported", at: tok.loc)
            case "struct", "union":
                if other != nil || !counts.isEmpty { throw CompileError("two or more data types in declaration specifiers", at: tok.loc) }
                other = try structDeclaration(isUnion: tok.text == "union")
            case "enum":
                if other != nil || !counts.isEmpty { throw CompileError("two or more data types in declaration specifiers", at: tok.loc) }
                other = try enumSpecifier()
            case "void", "char", "short", "int", "long", "signed", "unsigned":
                if other != nil { throw CompileError("two or more data types in declaration specifiers", at: tok.loc) }
                counts[tok.text, default: 0] += 1
            default:    // a typedef name, unless a type was already given (then it is the declared name)
                if other != nil || !counts.isEmpty { pos -= 1; return finish() }
                if case .typedef(let t) = lookup(tok.text) { other = t }
            }
        }
        return try finishSpecifiers()

        func finish() -> CType { (try? finishSpecifiers()) ?? .int }
        func finishSpecifiers() throws -> CType {
            var t: CType
            if let o = other { t = o } else {
                let c = { (k: String) in counts[k, default: 0] }
                let total = counts.values.reduce(0, +)
                if total == 0 {
                    if attr.isTypedef || attr.isStatic || attr.isExtern || isConst { t = .int }
                    else { throw CompileError("expected declaration specifiers" + (start.kind == .eof ? " at end of input" : " before '\(start.text)'"), at: start.loc) }
                } else if c("signed") + c("unsigned") > 1 || c("short") > 1 || c("long") > 2 || c("char") > 1 || c("int") > 1 || c("void") > 1
                            || (c("void") > 0 && total > 1) || (c("char") > 0 && c("short") + c("long") + c("int") > 0)
                            || (c("short") > 0 && c("long") > 0) {
                    throw CompileError("invalid combination of type specifiers", at: start.loc)
                } else if c("void") > 0 { t = .void }
                else if c("char") > 0 { t = .char; if c("signed") > 0 { t.isUnsigned = false } }
                else if c("short") > 0 { t = CType(.short, size: 2, align: 2) }
                else if c("long") == 2 { t = .longLong }
                else if c("long") == 1 { t = .long }
                else { t = .int }
                if c("unsigned") > 0 { t.isUnsigned = true }
            }
            if isConst { t = t.copy(); t.isConst = true }
            return t
        }
    }

    // declarator = ("*" ("const" | "volatile")*)* ("(" declarator ")" | identifier?) type-suffix
    func declarator(_ base: CType) throws -> (CType, Token?) {
        try enter(); defer { leave() }
        // BEGIN SOLUTION ctoriscv.3: parse a declarator: pointers (with qualifiers), then a name or a parenthesized declarator (parsed twice), then the type suffix
        var t = base
        while accept("*") {
            t = .pointer(to: t)
            while current.is("const") || current.is("volatile") || current.is("restrict") {
                if current.is("const") { t = t.copy(); t.isConst = true }
                pos += 1
            }
        }
        if current.is("(") && !peek(1).is(")") && !isTypeName(peek(1)) {
            let start = pos
            pos += 1
            _ = try declarator(.int)            // skip the nested declarator
            try expect(")")
            let outer = try typeSuffix(t)
            let end = pos
            pos = start + 1
            let (inner, name) = try declarator(outer)
            try expect(")")
            pos = end
            return (inner, name)
        }
        var name: Token?
        if current.kind == .identifier && !keywords.contains(current.text) { name = current; pos += 1 }
        return (try typeSuffix(t), name)
        // END SOLUTION ctoriscv.3
    }

    // type-suffix = "(" function-parameters | "[" const-expr? "]" type-suffix | ε
    func typeSuffix(_ base: CType) throws -> CType {
        try enter(); defer { leave() }
        if accept("(") { return try functionParameters(base) }
        if current.is("[") {
            let at = current.loc
            pos += 1
            var count = -1
            while ["static", "const", "volatile", "restrict"].contains(where: { current.is($0) }) {   // C99: int x[const 5]
                if !inParameter { throw CompileError("static or type qualifiers in non-parameter array declarator", at: current.loc) }
                pos += 1
            }
            if !current.is("]") {
                let v = try constExpr()
                if v < 0 || v > 0x7fff_ffff { throw CompileError("size of array is negative or too large", at: at) }
                count = Int(v)
            }
            try expect("]")
            let element = try typeSuffix(base)
            if element.kind == .void || element.kind == .function { throw CompileError("declaration of array of \(element)", at: at) }
            if !element.isComplete || (element.kind == .array && element.count < 0) { throw CompileError("array has incomplete element type", at: at) }
            if element.size * max(count, 0) > 0x1000_0000 { throw CompileError("array is too large", at: at) }
            return .array(of: element, count: count)
        }
        return base
    }

    // function-parameters = ("void" | parameter ("," parameter)* ("," "...")? | identifier-list)? ")"
    // parameter = declspec declarator
    func functionParameters(_ ret: CType) throws -> CType {
        let f = CType.function(returning: ret)
        if ret.kind == .function || ret.kind == .array { throw CompileError("function cannot return \(ret.kind == .array ? "an array" : "a function")", at: current.loc) }
        if accept(")") { f.hasPrototype = false; return f }
        if current.is("void") && peek(1).is(")") { pos += 2; return f }
        if current.kind == .identifier && !isTypeName(current) {          // K&R identifier list
            f.isKandR = true; f.hasPrototype = false
            repeat {
                let n = try identifier()
                f.paramNames.append(n); f.params.append(.int)
            } while accept(",")
            try expect(")")
            return f
        }
        repeat {
            if accept("...") { f.isVariadic = true; break }
            var attr = DeclAttributes()
            let base = try declspec(&attr)
            inParameter = true
            let (t, name) = try declarator(base)
            inParameter = false
            if t.kind == .void { throw CompileError("parameter has void type", at: current.loc) }
            f.params.append(promotedParameter(t)); f.paramNames.append(name)
        } while accept(",")
        try expect(")")
        return f
    }

    // type-name = declspec abstract-declarator
    func typeName() throws -> CType {
        var attr = DeclAttributes()
        let base = try declspec(&attr)
        let (t, name) = try declarator(base)
        if let n = name { throw CompileError("unexpected identifier '\(n.text)' in type name", at: n.loc) }
        return t
    }

    // struct-decl = ("struct" | "union") identifier? ("{" (declspec declarator ("," declarator)* ";")* "}")?
    func structDeclaration(isUnion: Bool) throws -> CType {
        var tag: Token?
        if current.kind == .identifier && !keywords.contains(current.text) { tag = current; pos += 1 }
        let kind: CType.Kind = isUnion ? .union : .structure
        if !current.is("{") {
            guard let tag else { throw CompileError("expected '{' or a tag name", at: current.loc) }
            if let t = lookupTag(tag.text) {
                if t.kind != kind { throw CompileError("'\(tag.text)' defined as wrong kind of tag", at: tag.loc) }
                return t
            }
            let t = CType(kind, size: 0, align: 1)
            t.isComplete = false; t.tag = tag.text
            scopes[scopes.count - 1].tags[tag.text] = t
            return t
        }
        pos += 1
        var t = CType(kind, size: 0, align: 1)
        if let tag {
            if let old = scopes[scopes.count - 1].tags[tag.text] {
                if old.isComplete || old.kind != kind { throw CompileError("redefinition of '\(isUnion ? "union" : "struct") \(tag.text)'", at: tag.loc) }
                t = old
            }
            t.tag = tag.text
            scopes[scopes.count - 1].tags[tag.text] = t
        }
        var members: [CType.Member] = []
        var offset = 0, align = 1, size = 0
        while !accept("}") {
            if current.kind == .eof { throw CompileError("expected '}' at end of input", at: current.loc) }
            var attr = DeclAttributes()
            let base = try declspec(&attr)
            repeat {
                let (mt, name) = try declarator(base)
                guard let name else {
                    if current.is(";") && (base.kind == .structure || base.kind == .union) {
                        throw CompileError("anonymous structs and unions (C11) are not supported", at: current.loc)
                    }
                    throw CompileError("expected member name", at: current.loc)
                }
                if current.is(":") { throw CompileError("bit-fields are not supported", at: current.loc) }
                if !mt.isComplete || mt.kind == .void || mt.kind == .function || (mt.kind == .array && mt.count < 0) {
                    throw CompileError("member '\(name.text)' has incomplete type", at: name.loc)
                }
                if members.contains(where: { $0.name == name.text }) { throw CompileError("duplicate member '\(name.text)'", at: name.loc) }
                let at = isUnion ? 0 : (offset + mt.align - 1) / mt.align * mt.align
                members.append(.init(name: name.text, type: mt, offset: at))
                offset = at + mt.size
                size = max(size, isUnion ? mt.size : offset)
                align = max(align, mt.align)
            } while accept(",")
            try expect(";")
        }
        t.members = members; t.align = align
        t.size = (size + align - 1) / align * align
        t.isComplete = true
        return t
    }

    // enum-specifier = "enum" identifier? ("{" identifier ("=" const-expr)? ("," identifier ("=" const-expr)?)* ","? "}")?
    func enumSpecifier() throws -> CType {
        var tag: Token?
        if current.kind == .identifier && !keywords.contains(current.text) { tag = current; pos += 1 }
        if !current.is("{") {
            guard let tag else { throw CompileError("expected '{' or a tag name", at: current.loc) }
            if let t = lookupTag(tag.text) { return t }
            throw CompileError("unknown enum '\(tag.text)'", at: tag.loc)
        }
        pos += 1
        let t = CType(.enumeration, size: 4, align: 4)
        t.tag = tag?.text ?? ""
        var value: Int64 = 0
        while !accept("}") {
            let name = try identifier()
            if accept("=") { value = try constExpr() }
            declare(name.text, .enumConstant(value))
            value &+= 1
            if !accept(",") { try expect("}"); break }
        }
        if let tag { scopes[scopes.count - 1].tags[tag.text] = t }
        return t
    }
}
