#if DEBUG
let legoFigures: [Figure] = []
#endif
