#if DEBUG
let dfdxFigures: [Figure] = []
#endif
