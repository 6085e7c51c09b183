// See include/picograd_hooks.h. Constructors run one at a time before main, and dfdx takes
// the installers under its registry lock, so a plain array is enough.
#include "picograd_hooks.h"

static picograd_installer installers[16];
static int installer_count = 0;

void picograd_register_installer(picograd_installer installer) {
    if (installer_count < 16) installers[installer_count++] = installer;
}

int picograd_take_installers(picograd_installer *out, int capacity) {
    int n = installer_count < capacity ? installer_count : capacity;
    for (int i = 0; i < n; i++) out[i] = installers[i];
    installer_count = 0;
    return n;
}
