// Registration on import. A constructor runs while the program loads, before main, even
// though no Swift code of brrr has run yet: it hands dfdx's registry the Swift function that
// registers brrr's backends (CPUBackend.swift), and dfdx calls it on its first lookup.
#include "brrr.h"
#include <stdio.h>
#include <stdlib.h>

extern void picograd_register_installer(void (*installer)(void));  // dfdx (DfdxHooks)
extern void brrr_install_backends(void);                            // brrr, in Swift (@_cdecl)

__attribute__((constructor)) static void brrr_on_load(void) {
    picograd_register_installer(brrr_install_backends);
}

_Noreturn void picograd_todo(const char *id, const char *instruction) {
    fprintf(stderr, "CBrrr: Fatal error: TODO(%s): %s\n", id, instruction);
    fflush(stderr);
    abort();
}
