/*
 * Petr Viktorin's refcounted lock (model/refcounted_lock.ts) in C: the same lifecycle as
 * static_mutex.c — the first mod_init sets the global state up under the def's lock, the last
 * mod_free tears it down — with a lock that has an owner: it is not recursive (a second acquire by
 * the holder is Reentrant), only its holder may release it (NotHeld), mod_free while holding it is
 * LockHeld, and an ending interpreter's lock is let go (abandoned, D7a) instead of blocking the end.
 *
 *   npx interlock verify --impl examples/c/refcounted_lock.c --family refcounted_lock
 */
#define IL_OWNED_LOCK 1
#include "static_mutex.c"
