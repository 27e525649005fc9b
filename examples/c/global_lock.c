/*
 * Eric Snow's named runtime-global locks (model/global_lock.ts) in C, as a runtime would write
 * them: a registry of `capacity` slots, each free or holding one (def, name) lock with the set of
 * module instances that ensured it, its holder and the library calls made under it; an index is
 * (slot, generation), so an index from before a free never reaches the lock that reuses the slot
 * (P8). PyThread_GetGlobalLock verifies module and name; PyThread_acquire_lock is not recursive
 * (Reentrant) and waits while another interpreter holds the lock; an ending interpreter's locks
 * are let go (abandoned, D7a). Every call is one critical section under the runtime lock; a call
 * that must wait lets go of it and sleeps on `changes` until the state moves.
 *
 *   npx interlock verify --impl examples/c/global_lock.c --family global_lock
 */
#include "interlock.h"

#define MAX_SLOTS 16
#define RADIX 256 /* model/common.ts INDEX_SLOT_RADIX: index = generation * RADIX + slot + 1 */

static PyMutex runtime_lock;
static int alive;                 /* bit i-1: interpreter i is alive */
static int finalized;             /* only Py_Initialize is allowed */
static int capacity;              /* slots in use (the model's capacity, from il_init) */
static int changes;               /* bumped (and woken) whenever a waiting call may now proceed */
static int live[MAX_SLOTS];       /* the slot holds a lock */
static int key_def[MAX_SLOTS];    /* the lock's (def, name) */
static int key_name[MAX_SLOTS];
static int refs[MAX_SLOTS];       /* module instances that ensured the lock, one bit each */
static int generation[MAX_SLOTS]; /* grows on every free of the slot */
static int holder[MAX_SLOTS];     /* the interpreter holding the lock, 0 if none */
static int calls[MAX_SLOTS];      /* library calls made under the lock */
/* Ghost counters the judge compares with the model's. */
static int ghost_leaks;           /* locks still live at runtime finalisation */
static int ghost_abandoned;       /* locks let go because their holder's interpreter ended */

IL_INTERP_MASK(alive);
IL_INSTANCE_MASK(refs);
IL_INTERP_IDS(holder);

#define MUST_WAIT (-1000)

static int bit(int interp) { return 1 << (interp - 1); }
static int user_bit(int interp, int instance) { return 1 << ((interp - 1) * IL_INSTANCES + (instance - 1)); }
static int users_of(int interp) { return ((1 << IL_INSTANCES) - 1) << ((interp - 1) * IL_INSTANCES); }
static int index_of(int slot) { return generation[slot] * RADIX + slot + 1; }

/* Something a waiter may be waiting for happened. */
static void changed(void) {
  changes = changes + 1;
  il_futex_wake(&changes, 0x7fffffff);
}

static void free_slot(int slot) {
  live[slot] = 0;
  refs[slot] = 0;
  holder[slot] = 0;
  calls[slot] = 0;
  generation[slot] = generation[slot] + 1;
}

/* The module instances `users` drop their ensures of the lock in `slot`; the last one frees it. */
static void drop(int slot, int users) {
  refs[slot] = refs[slot] & ~users;
  if (refs[slot] == 0) free_slot(slot);
}

/* PyThread_EnsureGlobalLock: the live lock for (def, name), or the lowest free slot (D5). */
static int ensure(int def, int name, int user) {
  for (int s = 0; s < capacity; s++) {
    if (live[s] && key_def[s] == def && key_name[s] == name) {
      refs[s] = refs[s] | user;
      return index_of(s);
    }
  }
  for (int s = 0; s < capacity; s++) {
    if (!live[s]) {
      live[s] = 1;
      key_def[s] = def;
      key_name[s] = name;
      refs[s] = user;
      holder[s] = 0;
      calls[s] = 0;
      return index_of(s);
    }
  }
  return IL_ERR(IL_CapacityExhausted);
}

/* The slot an index names, verified as PyThread_GetGlobalLock does, or IL_ERR(StaleIndex / NameMismatch / NotEnsured). */
static int resolve(int index, int user, int def, int name) {
  if (index <= 0) return IL_ERR(IL_StaleIndex);
  int slot = (index - 1) % RADIX;
  if (slot >= capacity || !live[slot] || generation[slot] != (index - 1) / RADIX) return IL_ERR(IL_StaleIndex);
  if (key_def[slot] != def || key_name[slot] != name) return IL_ERR(IL_NameMismatch);
  if (!(refs[slot] & user)) return IL_ERR(IL_NotEnsured);
  return slot;
}

/* An ending interpreter lets go of the locks it holds (abandoned) and drops its ensures. */
static void end_interpreter(int interp) {
  int mine = users_of(interp);
  for (int s = 0; s < capacity; s++) {
    if (!live[s] || !(refs[s] & mine)) continue;
    if (holder[s] == interp) {
      ghost_abandoned = ghost_abandoned + 1;
      holder[s] = 0;
    }
    drop(s, mine);
  }
  alive = alive & ~bit(interp);
  changed();
}

/* A call on a lock (after the gate). */
static int lock_call(int interp, int tag, int def, int flags, int name, int index) {
  int user = user_bit(interp, (flags & IL_INSTANCE_2) ? 2 : 1);
  if (tag == IL_PyThread_EnsureGlobalLock) return ensure(def, name, user);
  int slot = resolve(index, user, def, name);
  if (slot < 0) return slot;
  switch (tag) {
    case IL_PyThread_GetGlobalLock:
      return index;
    case IL_PyThread_ReleaseGlobalLock:
      if (holder[slot] == interp) return IL_ERR(IL_LockHeld);
      drop(slot, user);
      return 0;
    case IL_PyThread_acquire_lock:
      if (holder[slot] == interp) return IL_ERR(IL_Reentrant);
      if (holder[slot] != 0) return MUST_WAIT;
      holder[slot] = interp;
      return 0;
    case IL_PyThread_release_lock:
      if (holder[slot] != interp) return IL_ERR(IL_NotHeld);
      holder[slot] = 0;
      changed();
      return 0;
  }
  /* call_unsafe_library */
  if (holder[slot] != interp) return IL_ERR(IL_NotHeld);
  calls[slot] = calls[slot] + 1;
  return calls[slot];
}

/* One call, under the runtime lock: the gate, the runtime calls, then the key calls. */
static int call(int interp, int tag, int def, int flags, int interpreters, int name, int index, int v) {
  if (finalized) {
    if (tag != IL_Py_Initialize) return IL_ERR(IL_RuntimeFinalized);
    if (interp != 1) return IL_ERR(IL_NotMainInterpreter);
    alive = (1 << interpreters) - 1;
    finalized = 0;
    return 0;
  }
  if (tag == IL_Py_Initialize) return IL_ERR(IL_RuntimeInitialized);
  int me = alive & bit(interp);
  if (tag == IL_Py_NewInterpreter) {
    if (me) return IL_ERR(IL_InterpreterAlive);
    alive = alive | bit(interp);
    return 0;
  }
  if (!me) return IL_ERR(IL_InterpreterFinalized);
  if (tag == IL_Py_EndInterpreter) {
    if (interp == 1) return IL_ERR(IL_MainInterpreter);
    end_interpreter(interp);
    return 0;
  }
  if (tag == IL_Py_FinalizeEx) {
    if (interp != 1) return IL_ERR(IL_NotMainInterpreter);
    if (alive & ~bit(1)) return MUST_WAIT;
    end_interpreter(1);
    for (int s = 0; s < capacity; s++) {
      if (!live[s]) continue;
      ghost_leaks = ghost_leaks + 1;
      free_slot(s);
    }
    alive = 0;
    finalized = 1;
    return 0;
  }
  (void)v;
  return lock_call(interp, tag, def, flags, name, index);
}

void IL_EXPORT(il_init)(int interpreters, int slots) {
  alive = (1 << interpreters) - 1;
  if (slots > MAX_SLOTS) __builtin_trap(); /* raise MAX_SLOTS */
  capacity = slots;
}

int IL_EXPORT(il_global_lock)(int interp, int tag, int def, int flags, int interpreters, int name, int index, int v) {
  PyMutex_Lock(&runtime_lock);
  int r = call(interp, tag, def, flags, interpreters, name, index, v);
  while (r == MUST_WAIT) {
    int seen = changes;
    PyMutex_Unlock(&runtime_lock);
    il_futex_wait(&changes, seen);
    PyMutex_Lock(&runtime_lock);
    r = call(interp, tag, def, flags, interpreters, name, index, v);
  }
  PyMutex_Unlock(&runtime_lock);
  return r;
}
