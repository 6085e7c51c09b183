// Register allocation by linear scan (Poletto and Sarkar, 1999).
//
// Number the instructions in layout order, giving each one a position for its reads and the
// next for its write, so that an instruction's result may take the register of an operand
// read there for the last time. A vreg's live interval runs from its first to its last
// position, stretched over every block where it is live on entry or exit (liveness), so one
// interval covers a loop that carries the value around. Then walk the intervals by start,
// keeping the active ones: an interval that has ended gives its register back; a new one
// takes a free register. An interval that crosses a call must survive it, so it gets a
// callee-saved s register (the prologue saves the ones used); any other takes a caller-saved
// t or a register first, which costs no save at all. When none is free, the interval that
// ends last (the new one or an active one) is spilled to a stack slot for its whole life.
// t5 and t6 are never allocated: the emitter needs them for spilled operands and moves.

/// Where a vreg lives: a register, or spill slot k (at sp + 4 * (saved s registers + k)).
enum Location: Equatable {
    case register(String)
    case spill(Int)
}

struct Allocation {
    var location: [VReg: Location] = [:]
    var calleeSaved: [String] = []
    var spillSlots = 0
    var hasCalls = false
}

struct LiveInterval {
    let vreg: VReg
    var start: Int
    var end: Int
}

/// Live intervals from liveness, and the positions of the calls.
func liveIntervals(_ f: IRFunction, _ live: Liveness) -> (intervals: [LiveInterval], calls: [Int]) {
    var range: [VReg: (Int, Int)] = [:]
    func touch(_ v: VReg, _ p: Int) {
        guard v > 1 else { return }
        if let (s, e) = range[v] { range[v] = (min(s, p), max(e, p)) } else { range[v] = (p, p) }
    }
    var calls: [Int] = [], pos = 0
    for b in f.layout {
        for v in live.liveIn[b] { touch(v, pos) }
        pos += 2
        for i in f.blocks[b].instructions {
            for s in i.srcs { touch(s, pos) }
            if let d = i.dst { touch(d, pos + 1) }
            if case .call = i.op { calls.append(pos) }
            pos += 2
        }
        for s in f.blocks[b].terminator.uses { touch(s, pos) }
        for v in live.liveOut[b] { touch(v, pos + 1) }
        pos += 2
    }
    let intervals = range.map { LiveInterval(vreg: $0.key, start: $0.value.0, end: $0.value.1) }
    return (intervals.sorted { $0.start != $1.start ? $0.start < $1.start : $0.vreg < $1.vreg }, calls)
}

let callerSavedPool = ["t0", "t1", "t2", "t3", "t4", "a7", "a6", "a5", "a4", "a3", "a2", "a1", "a0"]

/// Register hints: each parameter's argument register, a0 for a call's result and a return value.
func registerHints(_ f: IRFunction) -> [VReg: String] {
    var hints: [VReg: String] = [:]
    for (w, p) in f.parameters.enumerated() { if let p { hints[p] = "a\(w)" } }
    for b in f.layout {
        for i in f.blocks[b].instructions { if case .call = i.op, let d = i.dst { hints[d] = "a0" } }
        if case .ret(let v?) = f.blocks[b].terminator, hints[v] == nil { hints[v] = "a0" }
    }
    return hints
}
let calleeSavedPool = ["s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11"]

/// Gives every interval a register or a spill slot. `hints` name the register a vreg would
/// like (a parameter the one it arrives in, a call's result a0): taken when free, a move saved.
func linearScan(_ intervals: [LiveInterval], calls: [Int], hints: [VReg: String] = [:]) -> Allocation {
    // BEGIN SOLUTION ctoriscv.18: linear scan: expire ended intervals, give a caller-saved register unless the interval crosses a call, else an s register, else spill the one that ends last
    var a = Allocation()
    a.hasCalls = !calls.isEmpty
    var freeCaller = callerSavedPool, freeCallee = calleeSavedPool
    var active: [(end: Int, vreg: VReg, register: String)] = []
    var usedCallee = Set<String>()
    for iv in intervals {
        active.removeAll { old in
            guard old.end < iv.start else { return false }
            if old.register.hasPrefix("s") { freeCallee.append(old.register) } else { freeCaller.append(old.register) }
            return true
        }
        let crossesCall = calls.contains { iv.start < $0 && iv.end > $0 + 1 }
        var register: String?
        if !crossesCall, let h = hints[iv.vreg], let k = freeCaller.firstIndex(of: h) { register = freeCaller.remove(at: k) }
        else if !crossesCall, !freeCaller.isEmpty { register = freeCaller.removeFirst() }
        else if !freeCallee.isEmpty { register = freeCallee.removeFirst() }
        if let r = register {
            a.location[iv.vreg] = .register(r)
            active.append((iv.end, iv.vreg, r))
            if r.hasPrefix("s") { usedCallee.insert(r) }
            continue
        }
        // Spill: the candidate ending last among those whose register this interval may use.
        let candidates = active.indices.filter { !crossesCall || active[$0].register.hasPrefix("s") }
        if let k = candidates.max(by: { active[$0].end < active[$1].end }), active[k].end > iv.end {
            a.location[active[k].vreg] = .spill(a.spillSlots)
            a.location[iv.vreg] = .register(active[k].register)
            active[k] = (iv.end, iv.vreg, active[k].register)
        } else {
            a.location[iv.vreg] = .spill(a.spillSlots)
        }
        a.spillSlots += 1
    }
    a.calleeSaved = calleeSavedPool.filter { usedCallee.contains($0) }
    return a
    // END SOLUTION ctoriscv.18
}
