/*
 * An extension that shares the wrapped library's handle (the ODBC henv) between interpreters with
 * the proposed runtime-global named lock (the global_lock family, thread.txt
 * "PyThread_EnsureGlobalLock"): each module instance ensures the lock named "henv" of its def and
 * keeps the index it got; the first instance sets the library up and the last one frees it — the
 * check of henv, the count and the handle all under that lock. m_free gives its reference to the
 * lock back with PyThread_ReleaseGlobalLock.
 *
 *   interlock client examples/c/ext_global_lock.c --family global_lock     (IL_FAMILY says it too)
 *
 * It is safe in every scenario it runs. Built with IL_BUG_CHECK_OUTSIDE_LOCK
 * (ext_global_lock_check_outside_lock.c) it checks henv before taking the lock: two interpreters
 * importing at once both see 0 and both initialise the library, a double init (P1).
 */
#include "interlock.h"

IL_FAMILY(global_lock);

static PyModuleDef odbc_def = {"odbc", 0, 0, 0, 0};
static int henv;          /* the library's handle, 0 when not set up */
static int count;         /* module instances using henv, across interpreters */
static int held_lock[4];  /* per interpreter: the lock's index + 1 while its instance lives, else 0 */

int IL_EXPORT(Py_mod_exec)(int interp) {
  int lock = PyThread_EnsureGlobalLock(&odbc_def, "henv");
  if (lock < 0) return -1;
#ifdef IL_BUG_CHECK_OUTSIDE_LOCK
  if (henv == 0) { /* BUG: "is henv set?" asked before taking the lock */
    int h = il_library_init();
    if (h == 0) {
      PyThread_ReleaseGlobalLock(&odbc_def, "henv", lock);
      return -1;
    }
    PyThread_acquire_lock(lock, 1);
    henv = h;
  } else {
    PyThread_acquire_lock(lock, 1);
  }
#else
  PyThread_acquire_lock(lock, 1);
  if (count == 0) {
    int h = il_library_init();
    if (h == 0) {
      PyThread_release_lock(lock);
      PyThread_ReleaseGlobalLock(&odbc_def, "henv", lock);
      return -1;
    }
    henv = h;
  }
#endif
  count++;
  PyThread_release_lock(lock);
  held_lock[interp] = lock + 1;
  return 0;
}

void IL_EXPORT(m_free)(int interp) {
  int lock = held_lock[interp] - 1;
  if (lock < 0) return; /* the exec failed: this instance holds nothing */
  held_lock[interp] = 0;
  PyThread_acquire_lock(lock, 1);
  if (--count == 0) {
    il_library_fini(henv);
    henv = 0;
  }
  PyThread_release_lock(lock);
  PyThread_ReleaseGlobalLock(&odbc_def, "henv", lock);
}

int IL_EXPORT(use_henv)(int interp) {
  (void)interp;
  return il_library_use(henv);
}

void IL_EXPORT(call_library)(int interp) {
  int lock = held_lock[interp] - 1;
  PyThread_acquire_lock(lock, 1);
  il_library_call();
  PyThread_release_lock(lock);
}
