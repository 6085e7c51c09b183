// Load-time hooks: how a chapter registers its backends on import.
//
// Swift has no module initialisers and its globals are lazy, so `import brrr` alone cannot run
// code. A C constructor can: brrr's C target has one that calls
// `picograd_register_installer(f)` while the program loads. dfdx's registry calls every
// installer once, on its first lookup (Backends.swift), and `f` registers the backends.
#ifndef PICOGRAD_HOOKS_H
#define PICOGRAD_HOOKS_H

typedef void (*picograd_installer)(void);

/// Called from load-time constructors; keeps up to 16 installers.
void picograd_register_installer(picograd_installer installer);

/// Hands back the installers registered so far (at most `capacity`) and forgets them, so
/// each runs once.
int picograd_take_installers(picograd_installer *out, int capacity);

#endif
