#if DEBUG
let ctoriscvFigures: [Figure] = []
#endif
