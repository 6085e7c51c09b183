// Chapter 4 compiles what chapters 1-3 run one op at a time. `compile(f)` captures the
// primitives `f` dispatches (Capture.swift) into an SSA graph (Graph.swift), optimises it
// (Passes.swift), lowers it to kernels (Schedule.swift) with movement ops folded into index
// expressions (Index.swift), writes C for them (Codegen.swift), compiles and loads it
// (Loader.swift) and runs it on every later call with the same shapes (Compile.swift).
@_exported import brrr
