// Liveness analysis: which vregs hold a value that some later instruction will read.
//
// The classic backward dataflow problem over the CFG. For each block, `use` is the set of
// vregs it reads before writing them and `def` the set it writes; then, to a fixed point,
//   liveOut(b) = union of liveIn(s) over the successors s of b
//   liveIn(b)  = use(b) + (liveOut(b) - def(b)).
// Visiting the blocks in reverse layout order makes loops converge in a few rounds. The
// fixed vregs 0 (zero) and 1 (s0) are never tracked.

struct Liveness {
    var liveIn: [Set<VReg>]
    var liveOut: [Set<VReg>]

    init(_ f: IRFunction) {
        let n = f.blocks.count
        var use = [Set<VReg>](repeating: [], count: n), def = use
        for b in f.layout {
            for i in f.blocks[b].instructions {
                for s in i.srcs where s > 1 && !def[b].contains(s) { use[b].insert(s) }
                if let d = i.dst { def[b].insert(d) }
            }
            for s in f.blocks[b].terminator.uses where s > 1 && !def[b].contains(s) { use[b].insert(s) }
        }
        liveIn = [Set<VReg>](repeating: [], count: n)
        liveOut = liveIn
        // BEGIN SOLUTION ctoriscv.17: iterate liveOut = union of the successors' liveIn, liveIn = use + (liveOut - def) to a fixed point
        var changed = true
        while changed {
            changed = false
            for b in f.layout.reversed() {
                var out = Set<VReg>()
                for s in f.blocks[b].terminator.successors { out.formUnion(liveIn[s]) }
                let inSet = use[b].union(out.subtracting(def[b]))
                if inSet != liveIn[b] || out != liveOut[b] { changed = true }
                liveIn[b] = inSet
                liveOut[b] = out
            }
        }
        // END SOLUTION ctoriscv.17
    }
}
