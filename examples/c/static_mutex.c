/*
 * The shipped baseline in C: what an extension and CPython do today with a static PyMutex
 * (model/static_mutex.ts). Per module def the extension keeps, in C statics that survive runtime
 * finalisation, a PyMutex its users lock around the thread-unsafe library, a count of module
 * instances and the global state's handle; mod_exec sets the state up on 0→1 and mod_free (m_free)
 * tears it down on 1→0. CPython's PyMutex has no owner: any thread may unlock it, unlocking it
 * unlocked is Py_FatalError, a holder's second lock waits for itself, and Py_EndInterpreter, which
 * runs the extension's m_free, waits while anybody holds the mutex of a def it imported.
 *
 *   npx interlock verify --impl examples/c/static_mutex.c --family static_mutex
 *
 * judges it against the model exactly as the TypeScript implementation is judged. One lock,
 * `state_lock`, keeps every call one critical section; a call that must wait (a PyMutex somebody
 * holds, subinterpreters still alive) lets go of it and sleeps on `changes` until the state moves.
 * With IL_OWNED_LOCK defined the same code is Petr Viktorin's refcounted lock (refcounted_lock.c).
 */
#include "interlock.h"

static PyMutex state_lock;
static int alive;              /* bit i-1: interpreter i is alive */
static int finalized;          /* the runtime is finalised: only Py_Initialize is allowed */
static int changes;            /* bumped (and woken) whenever a waiting call may now proceed */
static int importers[IL_DEFS]; /* per def: live module instances, one bit each; the refcount */
static int handle[IL_DEFS];    /* per def: the global state (the ODBC henv), 0 if none */
static int holder[IL_DEFS];    /* per def: the interpreter that locked the def's mutex, 0 if unlocked */
static int calls[IL_DEFS];     /* per def: calls into the thread-unsafe library */
/* Ghost counters the judge compares with the model's. */
static int epoch[IL_DEFS];     /* setups per def: also the source of handles */
static int exits[IL_DEFS];     /* teardowns per def */
static int ghost_leaks;        /* defs still imported after runtime finalisation */
static int ghost_abandoned;    /* locks let go because their holder's interpreter ended */

/* Which globals hold interpreter identities (symmetry, include/interlock.h). */
IL_INTERP_MASK(alive);
IL_INSTANCE_MASK(importers);
IL_INTERP_IDS(holder);

/* A call that cannot proceed yet: the entry sleeps until `changes` moves, then tries again. */
#define MUST_WAIT (-1000)

static int bit(int interp) { return 1 << (interp - 1); }
/* The importers bit of module instance `instance` of `interp` (model/common.ts userBit). */
static int user_bit(int interp, int instance) { return 1 << ((interp - 1) * IL_INSTANCES + (instance - 1)); }
static int users_of(int interp) { return ((1 << IL_INSTANCES) - 1) << ((interp - 1) * IL_INSTANCES); }

/* Something a waiter may be waiting for happened. */
static void changed(void) {
  changes = changes + 1;
  il_futex_wake(&changes, 0x7fffffff);
}

/* The module instances `users` go away (m_free); teardown on the last one. Returns 1 if it ran. */
static int release(int def, int users) {
  importers[def] = importers[def] & ~users;
  if (importers[def] != 0) return 0;
  exits[def] = exits[def] + 1;
  handle[def] = 0;
  return 1;
}

/* Whether an ending interpreter must wait: its m_free would lock a mutex somebody holds. */
static int end_blocked(int interp) {
#ifdef IL_OWNED_LOCK
  (void)interp;
  return 0;
#else
  for (int def = 0; def < IL_DEFS; def++)
    if (holder[def] != 0 && (importers[def] & users_of(interp))) return 1;
  return 0;
#endif
}

/* An ending interpreter lets go of the locks it holds (abandoned) and unloads its instances. */
static void end_interpreter(int interp) {
  for (int def = 0; def < IL_DEFS; def++) {
    if (holder[def] == interp) {
      holder[def] = 0;
      ghost_abandoned = ghost_abandoned + 1;
    }
    if (importers[def] & users_of(interp)) release(def, users_of(interp));
  }
  alive = alive & ~bit(interp);
  changed();
}

/* Py_NewInterpreter, Py_EndInterpreter, Py_FinalizeEx, Py_Initialize (after the gate). */
static int runtime_call(int interp, int tag, int interpreters) {
  switch (tag) {
    case IL_Py_Initialize:
      alive = (1 << interpreters) - 1;
      finalized = 0;
      return 0;
    case IL_Py_NewInterpreter:
      alive = alive | bit(interp);
      return 0;
    case IL_Py_EndInterpreter:
      if (end_blocked(interp)) return MUST_WAIT;
      end_interpreter(interp);
      return 0;
  }
  /* Py_FinalizeEx: waits for subinterpreters (D3) and for its own m_free's mutexes */
  if ((alive & ~bit(1)) || end_blocked(1)) return MUST_WAIT;
  end_interpreter(1);
  for (int d = 0; d < IL_DEFS; d++)
    if (importers[d] != 0) ghost_leaks = ghost_leaks + 1;
  alive = 0;
  finalized = 1;
  return 0;
}

/* mod_exec / mod_init: count the instance; set the global state up on 0→1. */
static int import_def(int interp, int def, int user, int flags) {
  if (importers[def] & user) return IL_ERR(IL_AlreadyImported);
#ifdef IL_OWNED_LOCK
  if (holder[def] == interp) return IL_ERR(IL_Reentrant);
#endif
  if (holder[def] != 0) return MUST_WAIT; /* a PyMutex holder's own import waits for itself */
  int ran_init = 0;
  if (importers[def] == 0) {
    if (flags & IL_INIT_FAILS) return IL_ERR(IL_InitFailed);
    epoch[def] = epoch[def] + 1;
    handle[def] = epoch[def];
    ran_init = 1;
  }
  importers[def] = importers[def] | user;
  return ran_init;
}

/* The calls on a def's lock: lock, unlock, and the library call that needs it held. */
static int lock_call(int interp, int tag, int def) {
  int locking = tag == IL_PyMutex_Lock || tag == IL_PyThread_acquire_lock;
  int unlocking = tag == IL_PyMutex_Unlock || tag == IL_PyThread_release_lock;
#ifdef IL_OWNED_LOCK
  if (locking && holder[def] == interp) return IL_ERR(IL_Reentrant);
  if (unlocking && holder[def] != interp) return IL_ERR(IL_NotHeld);
  if (tag == IL_call_unsafe_library && holder[def] != interp) return IL_ERR(IL_NotHeld);
#else
  /* no owner: any thread may unlock, and the library call only knows the mutex is locked */
  if (unlocking && holder[def] == 0) return IL_ERR(IL_FatalError);
  if (tag == IL_call_unsafe_library && holder[def] == 0) return IL_ERR(IL_NotHeld);
#endif
  if (locking) {
    if (holder[def] != 0) return MUST_WAIT;
    holder[def] = interp;
    return 0;
  }
  if (unlocking) {
    holder[def] = 0;
#ifndef IL_BUG_UNLOCK_WAKES_NOBODY
    changed();
#endif
    return 0;
  }
  calls[def] = calls[def] + 1;
  return calls[def];
}

/* A call on a def by the module instance `user` of `interp`. */
static int def_call(int interp, int tag, int def, int flags) {
  int user = user_bit(interp, (flags & IL_INSTANCE_2) ? 2 : 1);
  if (tag == IL_mod_exec || tag == IL_mod_init) return import_def(interp, def, user, flags);
  if (!(importers[def] & user)) return IL_ERR(IL_NotImported);
  if (tag == IL_use_global_state) return handle[def];
  if (tag != IL_mod_free) return lock_call(interp, tag, def);
#ifdef IL_OWNED_LOCK
  if (holder[def] == interp) return IL_ERR(IL_LockHeld);
#endif
  if (holder[def] != 0) return MUST_WAIT; /* m_free locks the mutex */
  return release(def, user);
}

/* One call, under state_lock: the runtime's gate, then the call. */
static int call(int interp, int tag, int def, int flags, int interpreters) {
  if (finalized) {
    if (tag != IL_Py_Initialize) return IL_ERR(IL_RuntimeFinalized);
    if (interp != 1) return IL_ERR(IL_NotMainInterpreter);
    return runtime_call(interp, tag, interpreters);
  }
  if (tag == IL_Py_Initialize) return IL_ERR(IL_RuntimeInitialized);
  int me = alive & bit(interp);
  if (tag == IL_Py_NewInterpreter) return me ? IL_ERR(IL_InterpreterAlive) : runtime_call(interp, tag, interpreters);
  if (!me) return IL_ERR(IL_InterpreterFinalized);
  if (tag == IL_Py_FinalizeEx && interp != 1) return IL_ERR(IL_NotMainInterpreter);
  if (tag == IL_Py_EndInterpreter && interp == 1) return IL_ERR(IL_MainInterpreter);
  if (tag == IL_Py_FinalizeEx || tag == IL_Py_EndInterpreter) return runtime_call(interp, tag, interpreters);
  return def_call(interp, tag, def, flags);
}

void IL_EXPORT(il_init)(int interpreters) { alive = (1 << interpreters) - 1; }

/* The family entry: one critical section per call; a call that must wait sleeps on `changes`. */
static int entry(int interp, int tag, int def, int flags, int interpreters) {
  PyMutex_Lock(&state_lock);
  int r = call(interp, tag, def, flags, interpreters);
  while (r == MUST_WAIT) {
    int seen = changes;
    PyMutex_Unlock(&state_lock);
    il_futex_wait(&changes, seen);
    PyMutex_Lock(&state_lock);
    r = call(interp, tag, def, flags, interpreters);
  }
  PyMutex_Unlock(&state_lock);
  return r;
}

#ifdef IL_OWNED_LOCK
int IL_EXPORT(il_refcounted_lock)(int interp, int tag, int def, int flags, int interpreters) { return entry(interp, tag, def, flags, interpreters); }
#else
int IL_EXPORT(il_static_mutex)(int interp, int tag, int def, int flags, int interpreters) { return entry(interp, tag, def, flags, interpreters); }
#endif
