// C types for ILP32: char 1 (unsigned, as the RISC-V psABI says), short 2, int 4, long 4,
// long long 8, pointers 4. Structs and unions are classes so that a forward-declared tag
// can be completed later and every pointer to it sees the members.

/// A C type. Reference semantics: `struct s` is one object however often it is named.
final class CType: CustomStringConvertible {
    enum Kind { case void, char, short, int, long, longLong, enumeration, pointer, array, structure, union, function }
    struct Member { var name: String; var type: CType; var offset: Int }

    var kind: Kind
    var size: Int
    var align: Int
    var isUnsigned = false
    var isConst = false
    /// Pointer, array: the element type. Function: the return type.
    var base: CType?
    /// Array: the number of elements (-1 while unknown, e.g. `int a[] = {...}`).
    var count = 0
    var members: [Member] = []
    var isComplete = true
    var tag = ""
    var params: [CType] = []
    /// Function: the parameter names of the declarator (for definitions), K&R-style or not.
    var paramNames: [Token?] = []
    var isKandR = false
    var isVariadic = false
    var hasPrototype = true

    init(_ kind: Kind, size: Int, align: Int, unsigned: Bool = false) {
        self.kind = kind; self.size = size; self.align = align; self.isUnsigned = unsigned
    }

    static var void: CType { CType(.void, size: 1, align: 1) }
    static var int: CType { CType(.int, size: 4, align: 4) }
    static var uint: CType { CType(.int, size: 4, align: 4, unsigned: true) }
    static var char: CType { CType(.char, size: 1, align: 1, unsigned: true) }
    static var long: CType { CType(.long, size: 4, align: 4) }
    static var ulong: CType { CType(.long, size: 4, align: 4, unsigned: true) }
    static var longLong: CType { CType(.longLong, size: 8, align: 8) }

    static func pointer(to base: CType) -> CType {
        let t = CType(.pointer, size: 4, align: 4, unsigned: true)
        t.base = base
        return t
    }

    static func array(of base: CType, count: Int) -> CType {
        let t = CType(.array, size: base.size * max(count, 0), align: base.align)
        t.base = base; t.count = count
        return t
    }

    static func function(returning ret: CType) -> CType {
        let t = CType(.function, size: 1, align: 1)
        t.base = ret
        return t
    }

    var isInteger: Bool { [.char, .short, .int, .long, .longLong, .enumeration].contains(kind) }
    var isPointerLike: Bool { kind == .pointer || kind == .array || kind == .function }
    var isScalar: Bool { isInteger || kind == .pointer }
    var isAggregate: Bool { kind == .structure || kind == .union || kind == .array }
    var is64: Bool { kind == .longLong }

    /// A copy that may differ in qualifiers without touching the original.
    func copy() -> CType {
        let t = CType(kind, size: size, align: align, unsigned: isUnsigned)
        t.isConst = isConst; t.base = base; t.count = count; t.members = members
        t.isComplete = isComplete; t.tag = tag; t.params = params; t.isVariadic = isVariadic
        t.hasPrototype = hasPrototype; t.paramNames = paramNames; t.isKandR = isKandR
        return t
    }

    /// Same type for assignment and redeclaration purposes (qualifiers ignored).
    func isCompatible(with other: CType) -> Bool {
        if self === other { return true }
        if kind != other.kind { return (isInteger && other.isInteger && kind != .longLong && other.kind != .longLong && size == other.size && isUnsigned == other.isUnsigned && (kind == .enumeration || other.kind == .enumeration)) }
        switch kind {
        case .pointer: return base!.kind == .void || other.base!.kind == .void || base!.isCompatible(with: other.base!)
        case .array: return base!.isCompatible(with: other.base!)
        case .structure, .union: return self === other || (!tag.isEmpty && tag == other.tag && members.count == other.members.count)
        case .function: return base!.isCompatible(with: other.base!)
        default: return size == other.size && isUnsigned == other.isUnsigned
        }
    }

    var description: String {
        let u = isUnsigned ? "unsigned " : ""
        switch kind {
        case .void: return "void"
        case .char: return "char"
        case .short: return u + "short"
        case .int: return u + "int"
        case .long: return u + "long"
        case .longLong: return u + "long long"
        case .enumeration: return "enum " + tag
        case .pointer: return base!.kind == .function ? "function pointer" : "\(base!) *"
        case .array: return "\(base!)[\(count < 0 ? "" : String(count))]"
        case .structure: return "struct " + tag
        case .union: return "union " + tag
        case .function: return "function returning \(base!)"
        }
    }
}

/// Integer promotion: char, short and enum become int.
func promoted(_ t: CType) -> CType {
    if t.kind == .char || t.kind == .short || t.kind == .enumeration { return .int }
    if t.kind == .array || t.kind == .function { return .pointer(to: t.kind == .array ? t.base! : t) }
    return t
}

/// The usual arithmetic conversions: the common type of a binary operator's integer operands.
func commonType(_ a: CType, _ b: CType) -> CType {
    // BEGIN SOLUTION ctoriscv.5: apply the usual arithmetic conversions (promote, then long long, then unsigned wins at equal size)
    let x = promoted(a), y = promoted(b)
    if x.is64 || y.is64 {
        let t = CType.longLong
        t.isUnsigned = (x.is64 && x.isUnsigned) || (y.is64 && y.isUnsigned)
        return t
    }
    // int and long have the same size here, so any unsigned operand makes the result unsigned.
    let t = (x.kind == .long || y.kind == .long) ? CType.long : CType.int
    t.isUnsigned = x.isUnsigned || y.isUnsigned
    return t
    // END SOLUTION ctoriscv.5
}
