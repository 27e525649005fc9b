/*
 * Eric Snow's runtime store keys (model/runtime_store.ts) in C, as a runtime would write them: a
 * registry of `capacity` slots, each free or holding one (def, name) key with the set of module
 * instances that ensured it and one stored value; an index is (slot, generation), the generation
 * growing every time a slot is freed, so a key from before a free never reaches the key that reuses
 * the slot (P8). PyRuntime_store_release returns 1 to the last user: the key and its storage are
 * gone, free what the value pointed to (decision D8). Every call is one critical section under the
 * runtime lock; Py_FinalizeEx waits (lock released) until every subinterpreter has ended.
 *
 *   npx interlock verify --impl examples/c/runtime_store.c --family runtime_store
 */
#include "interlock.h"

#define MAX_SLOTS 16
#define RADIX 256 /* model/common.ts INDEX_SLOT_RADIX: index = generation * RADIX + slot + 1 */

static PyMutex runtime_lock;
static int alive;                 /* bit i-1: interpreter i is alive */
static int finalized;             /* only Py_Initialize is allowed */
static int capacity;              /* slots in use (the model's capacity, from il_init) */
static int live[MAX_SLOTS];       /* the slot holds a key */
static int key_def[MAX_SLOTS];    /* the key's (def, name) */
static int key_name[MAX_SLOTS];
static int refs[MAX_SLOTS];       /* module instances that ensured the key, one bit each */
static int generation[MAX_SLOTS]; /* grows on every free of the slot */
static int is_set[MAX_SLOTS];     /* a value is stored (even 0) */
static int value[MAX_SLOTS];
static int owner[MAX_SLOTS];      /* the interpreter owning the value, 0 for raw memory */
/* Ghost counters the judge compares with the model's. */
static int ghost_leaks;           /* keys still live at runtime finalisation */
static int ghost_dangling;        /* interpreter-owned values left reachable when their owner died */
static int ghost_dropped;         /* values still set when their storage went away unseen */

IL_INTERP_MASK(alive);
IL_INSTANCE_MASK(refs);
IL_INTERP_IDS(owner);

#define MUST_WAIT (-1000)

static int bit(int interp) { return 1 << (interp - 1); }
static int user_bit(int interp, int instance) { return 1 << ((interp - 1) * IL_INSTANCES + (instance - 1)); }
static int users_of(int interp) { return ((1 << IL_INSTANCES) - 1) << ((interp - 1) * IL_INSTANCES); }
static int index_of(int slot) { return generation[slot] * RADIX + slot + 1; }

static void clear_value(int slot) {
  is_set[slot] = 0;
  value[slot] = 0;
  owner[slot] = 0;
}

static void free_slot(int slot) {
  live[slot] = 0;
  refs[slot] = 0;
  clear_value(slot);
#ifndef IL_BUG_NO_GENERATION
  generation[slot] = generation[slot] + 1;
#endif
}

/* PyRuntime_store_ensure: the live key for (def, name), or the lowest free slot (D5). */
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
      clear_value(s);
      return index_of(s);
    }
  }
  return IL_ERR(IL_CapacityExhausted);
}

/* The slot a key names for `user`, or IL_ERR(StaleIndex / NotEnsured). */
static int resolve(int index, int user) {
  if (index <= 0) return IL_ERR(IL_StaleIndex);
  int slot = (index - 1) % RADIX;
  if (slot >= capacity || !live[slot] || generation[slot] != (index - 1) / RADIX) return IL_ERR(IL_StaleIndex);
  if (!(refs[slot] & user)) return IL_ERR(IL_NotEnsured);
  return slot;
}

/* An ending interpreter drops its ensures: its values left to others dangle, values going away with it are dropped. */
static void end_interpreter(int interp) {
  int mine = users_of(interp);
  for (int s = 0; s < capacity; s++) {
    if (!live[s]) continue;
    if ((refs[s] & ~mine) == 0) {
      if (is_set[s]) ghost_dropped = ghost_dropped + 1;
    } else if (is_set[s] && owner[s] == interp) {
      ghost_dangling = ghost_dangling + 1;
      owner[s] = 0;
    }
    if (refs[s] & mine) {
      refs[s] = refs[s] & ~mine;
      if (refs[s] == 0) free_slot(s);
    }
  }
  alive = alive & ~bit(interp);
}

/* A call on a key (after the gate). */
static int key_call(int interp, int tag, int def, int flags, int name, int index, int v) {
  int user = user_bit(interp, (flags & IL_INSTANCE_2) ? 2 : 1);
  if (tag == IL_PyRuntime_store_ensure) return ensure(def, name, user);
  int slot = resolve(index, user);
  if (slot < 0) return slot;
  switch (tag) {
    case IL_PyRuntime_store_release:
      refs[slot] = refs[slot] & ~user;
      if (refs[slot] != 0) return 0;
      free_slot(slot);
      return 1;
    case IL_PyRuntime_store_is_set:
      return is_set[slot];
    case IL_PyRuntime_store_get:
      return is_set[slot] ? value[slot] : 0;
    case IL_PyRuntime_store_set:
      is_set[slot] = 1;
      value[slot] = v;
      owner[slot] = (flags & IL_OWNER_INTERP) ? interp : 0;
      return 0;
  }
  /* PyRuntime_store_delete */
  if (is_set[slot]) clear_value(slot);
  return 0;
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
    il_futex_wake(&alive, 1);
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
  return key_call(interp, tag, def, flags, name, index, v);
}

void IL_EXPORT(il_init)(int interpreters, int slots) {
  alive = (1 << interpreters) - 1;
  if (slots > MAX_SLOTS) __builtin_trap(); /* raise MAX_SLOTS */
  capacity = slots;
}

int IL_EXPORT(il_runtime_store)(int interp, int tag, int def, int flags, int interpreters, int name, int index, int v) {
  PyMutex_Lock(&runtime_lock);
  int r = call(interp, tag, def, flags, interpreters, name, index, v);
  while (r == MUST_WAIT) {
    int seen = alive;
    PyMutex_Unlock(&runtime_lock);
    il_futex_wait(&alive, seen);
    PyMutex_Lock(&runtime_lock);
    r = call(interp, tag, def, flags, interpreters, name, index, v);
  }
  PyMutex_Unlock(&runtime_lock);
  return r;
}
