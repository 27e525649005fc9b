/*
 * The same extension with the bug CPython's _interpqueues module once had: the count of module
 * instances is changed outside the lock (`module_count++` after PyMutex_Unlock). Two interpreters
 * importing at once both find the count 0 under the lock and both set the library up: interlock
 * reports a double init (P1) with the C line of every step.
 */
#include "interlock.h"

static PyMutex mutex;
static int module_count; /* module instances alive, across interpreters */
static int henv;         /* the library's handle, 0 when not set up */

int IL_EXPORT(Py_mod_exec)(int interp) {
  (void)interp;
  PyMutex_Lock(&mutex);
  if (module_count == 0) {
    int h = il_library_init();
    if (h == 0) {
      PyMutex_Unlock(&mutex);
      return -1;
    }
    henv = h;
  }
  PyMutex_Unlock(&mutex);
  module_count++; /* BUG: a plain increment outside the lock */
  return 0;
}

void IL_EXPORT(m_free)(int interp) {
  (void)interp;
  PyMutex_Lock(&mutex);
  module_count--;
  if (module_count == 0) {
    il_library_fini(henv);
    henv = 0;
  }
  PyMutex_Unlock(&mutex);
}

int IL_EXPORT(use_henv)(int interp) {
  (void)interp;
  return il_library_use(henv);
}
