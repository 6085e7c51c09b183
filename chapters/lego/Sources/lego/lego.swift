// Chapter 2 builds models from dfdx's public API only; `import lego` gives dfdx too.
@_exported import dfdx
