// The umbrella module: `import picograd` gives every chapter (each re-exports the one before).
@_exported import dfdx
@_exported import lego
@_exported import brrr
@_exported import pt2
@_exported import az1use1
