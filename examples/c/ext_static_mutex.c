/*
 * An extension that keeps process-global state the way CPython's _interpqueues module does since
 * its fix: a static PyMutex, a count of module instances, and a handle of the wrapped C library
 * (the ODBC henv) set up by the first instance and freed by the last — every step under the lock.
 *
 * interlock runs it in the scenarios (every interpreter imports, uses henv, unloads; interpreters
 * end; the runtime finalises and re-initialises) and judges the library's monitor: safe. Built
 * with IL_BUG_COUNT_OUTSIDE_LOCK (ext_unlocked_count.c) it has the bug, and interlock catches it.
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
#ifdef IL_BUG_COUNT_OUTSIDE_LOCK
  PyMutex_Unlock(&mutex);
  module_count++; /* BUG: a plain increment outside the lock (ext_unlocked_count.c) */
#else
  module_count++;
  PyMutex_Unlock(&mutex);
#endif
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

void IL_EXPORT(call_library)(int interp) {
  (void)interp;
  PyMutex_Lock(&mutex);
  il_library_call();
  PyMutex_Unlock(&mutex);
}
