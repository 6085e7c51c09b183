// The abstract syntax tree: typed nodes, variables and functions.
//
// As in chibicc, one node class covers every expression and statement; `kind` says which
// fields matter. The parser types each expression as it builds it (see Sema.swift), so
// code generation never has to guess a size or a signedness.

/// An object with storage: a local, a parameter, a global or a string literal.
final class Variable {
    let name: String
    var type: CType
    let isLocal: Bool
    /// Locals: offset from the frame pointer s0 (negative).
    var offset = 0
    /// Globals: `static` (file-local label) and whether this declaration defines storage.
    var isStatic = false
    var isDefinition = false
    var isFunction = false
    /// Globals: initial bytes (nil: zero, in .bss) and the addresses stored inside them.
    var initData: [UInt8]?
    var relocations: [(offset: Int, label: String, addend: Int)] = []
    /// Locals: `&v` appears somewhere (then v must live in memory), and how often v is named.
    var addressTaken = false
    var uses = 0
    /// Locals: the callee-saved register holding v, when the allocator gave it one.
    var register: String?

    init(name: String, type: CType, isLocal: Bool) { self.name = name; self.type = type; self.isLocal = isLocal }
}

/// A function definition with its parameters, locals and body.
final class Function {
    let name: String
    let type: CType
    var params: [Variable] = []
    var locals: [Variable] = []
    var body: Node
    var isStatic = false
    var frameSize = 0
    init(name: String, type: CType, body: Node) { self.name = name; self.type = type; self.body = body }
}

/// One expression or statement.
final class Node {
    enum Kind {
        // expressions
        case number, variable, function, add, sub, mul, div, mod, bitAnd, bitOr, bitXor, shl, shr
        case eq, ne, lt, le, logAnd, logOr, not, bitNot, neg, assign, comma, conditional
        case address, deref, member, call, cast, memZero, vaStart, vaArg
        // statements
        case block, exprStmt, ifStmt, forStmt, doStmt, switchStmt, caseLabel, breakStmt
        case continueStmt, returnStmt, gotoStmt, label, null
    }

    let kind: Kind
    let loc: SourceLocation
    var type: CType = .int
    /// The longest path to a leaf; the parser refuses trees too tall to walk recursively.
    var height = 1
    var lhs: Node? { didSet { grow(lhs) } }
    var rhs: Node? { didSet { grow(rhs) } }
    // if / for / while / do / conditional
    var cond: Node? { didSet { grow(cond) } }
    var then: Node? { didSet { grow(then) } }
    var els: Node? { didSet { grow(els) } }
    func grow(_ child: Node?) { if let c = child { height = max(height, c.height + 1) } }
    var initStmt: Node?
    var inc: Node?
    var body: [Node] = []            // block statements, call arguments
    var value: Int64 = 0             // number, case value
    var variable: Variable?
    var member: CType.Member?
    var name = ""                    // function name, goto/label name
    var uniqueLabel = ""             // goto/label: the assembly label; break/continue targets
    var cases: [Node] = []           // switch: its case labels
    var defaultCase: Node?
    var breakLabel = ""
    var continueLabel = ""
    var calleeType: CType?           // call: the function type
    var fixedArguments = 0           // call: how many of `body` are not variadic

    init(_ kind: Kind, at loc: SourceLocation) { self.kind = kind; self.loc = loc }
}
