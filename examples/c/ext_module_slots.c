/*
 * The same extension written for the proposed module slots: Py_mod_global_init sets the library
 * up, Py_mod_global_exit tears it down, and the runtime (the module_slots family) counts module
 * instances and calls them on the first import and the last unload. The extension has no lock
 * and no count of its own.
 */
#include "interlock.h"

static int henv; /* the library's handle, 0 when not set up */

int IL_EXPORT(Py_mod_global_init)(void) {
  int h = il_library_init();
  if (h == 0) return -1;
  henv = h;
  return 0;
}

void IL_EXPORT(Py_mod_global_exit)(void) {
  il_library_fini(henv);
  henv = 0;
}

int IL_EXPORT(use_henv)(int interp) {
  (void)interp;
  return il_library_use(henv);
}
