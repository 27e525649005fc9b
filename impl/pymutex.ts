/**
 * PyMutex: a runtime-global mutex in the shape CPython 3.13 shipped (`static PyMutex m;` — zero
 * is "unlocked", so a static needs no allocation and the "lock to create the lock" problem does not
 * arise), written over the memory protocol of `impl/memory.ts` so the explorer and the stress
 * runner drive this very code.
 *
 * A PyMutex is two int32 words in shared memory:
 *   - the *lock word*, Drepper's futex mutex ("Futexes Are Tricky", mutex3):
 *     0 = unlocked, 1 = locked, 2 = locked and there may be waiters.
 *     Lock: cas 0→1; if that fails, exchange(2) and `wait(lock, 2)` until the exchange returns 0.
 *     Unlock: sub 1; if the previous value was not 1 (somebody may wait), store 0 and notify 1.
 *     A blocked locker waits on the word (futex wait); it never spins without bound.
 *   - the *owner word*: the holder's interpreter id (1-based), 0 when unlocked. CPython's PyMutex
 *     keeps no owner; the model does, because releasing a lock one does not hold is an error there
 *     (P9), and locking a lock one already holds must be reported rather than deadlock (P6: an
 *     import cycle re-entering init). The owner is written right after the lock word is won and
 *     cleared right before it is given up, so `owner == me` holds exactly while I hold the lock:
 *     no other interpreter ever writes my id, and I am one sequential thread.
 * Three lock operations over the same futex protocol: `PyMutex_Lock` (the runtime's own mutexes,
 * re-entry reported), `StaticPyMutex_Lock` (an extension's `static PyMutex` in the scenario
 * clients: re-entry waits for itself, as shipped, with the owner word kept for the checker) and
 * `ShippedPyMutex_Lock` (the static_mutex family's own, with no owner word at all).
 */
import { type Code, cas, exchange, load, loopEnter, loopHead, notify, store, sub, testEquals, wait } from "./memory.js";

/** Values of the lock word. Zero is the static, zero-initialised state. */
export const PyMutexState = { unlocked: 0, locked: 1, lockedWithWaiters: 2 } as const;
export type PyMutexState = (typeof PyMutexState)[keyof typeof PyMutexState];

/** How many int32 words one PyMutex occupies: the lock word and the owner word. */
export const PyMutex_WORDS = 2;

/** The owner word's value while nobody holds the mutex. */
export const PyMutex_NO_OWNER = 0;

/**
 * Acquires the mutex for interpreter `interp` (1-based), blocking while another holds it.
 * Returns "acquired", or "reentrant" — without blocking and without changing anything — when
 * `interp` already holds it (PyMutex is not recursive; re-entry would deadlock).
 */
export function* PyMutex_Lock(lockAddr: number, ownerAddr: number, interp: number): Code<"acquired" | "reentrant"> {
  // Explorer checkpoints (impl/memory.ts): nothing observed inside the lock outlives it, so the
  // caller's state after "acquired" does not depend on how the mutex was won.
  yield loopEnter(lockAddr);
  if ((yield testEquals(ownerAddr, interp)) === 1) return "reentrant";
  yield* acquireLockWord(lockAddr);
  yield store(ownerAddr, interp);
  yield loopHead(lockAddr, 0);
  return "acquired";
}

/**
 * `PyMutex_Lock` of an extension's own `static PyMutex` (the scenario clients' `x.lock()`): the
 * shipped lock — a holder's re-lock waits for itself, a self-deadlock the explorer reports (P6),
 * as CPython's `_PyMutex_LockTimed` spins and parks on a mutex it can never get — with the owner
 * word kept beside it only so that the checker can see who holds it (a discipline's
 * `protectedBy`, `PyMutex_Unlock`'s refusal of a non-holder). Unlike `PyMutex_Lock` it never
 * answers "reentrant": CPython's PyMutex is not recursive and does not know its owner, so an
 * extension whose error path forgets to unlock hangs its next lock rather than getting an error.
 */
export function* StaticPyMutex_Lock(lockAddr: number, ownerAddr: number, interp: number): Code<void> {
  yield loopEnter(lockAddr);
  // No owner test first: the holder falls into the futex wait below, on a word only its own
  // unlock would change.
  yield* acquireLockWord(lockAddr);
  yield store(ownerAddr, interp);
  yield loopHead(lockAddr, 0);
}

/**
 * Drepper's lock of the word itself (inside a caller's `loopEnter(lockAddr)`): cas 0→1; if that
 * fails, mark "maybe waiters" so the holder's unlock notifies, and sleep on the word until an
 * exchange finds it unlocked.
 */
function* acquireLockWord(lockAddr: number): Code<void> {
  let c = yield cas(lockAddr, PyMutexState.unlocked, PyMutexState.locked);
  if (c === PyMutexState.unlocked) return;
  if (c !== PyMutexState.lockedWithWaiters) c = yield exchange(lockAddr, PyMutexState.lockedWithWaiters);
  while (c !== PyMutexState.unlocked) {
    // Everything the rest of the lock depends on is the arguments and c (always 2 here).
    yield loopHead(lockAddr, c);
    // Every wait outcome (woken, not-equal, timed-out) is followed by one more exchange, so the
    // wait's result is not needed: the exchange decides whether we now hold the mutex.
    yield wait(lockAddr, PyMutexState.lockedWithWaiters);
    c = yield exchange(lockAddr, PyMutexState.lockedWithWaiters);
  }
}

/**
 * Releases the mutex held by interpreter `interp`. Returns true, or false — changing nothing — when
 * `interp` is not the holder (unlocked, or held by another interpreter).
 */
export function* PyMutex_Unlock(lockAddr: number, ownerAddr: number, interp: number): Code<boolean> {
  yield loopEnter(lockAddr);
  if ((yield testEquals(ownerAddr, interp)) === 0) return false;
  yield store(ownerAddr, PyMutex_NO_OWNER);
  if ((yield sub(lockAddr, 1)) !== PyMutexState.locked) {
    // The word was 2: somebody may be waiting. Hand the mutex back to "unlocked" and wake one.
    yield store(lockAddr, PyMutexState.unlocked);
    yield notify(lockAddr, 1);
  }
  // Whether there were waiters, and how many woke, is dead once the mutex is released.
  yield loopHead(lockAddr, 0);
  return true;
}

/** Whether anybody holds the mutex at the moment of the load (a snapshot, as in CPython). */
export function* PyMutex_IsLocked(lockAddr: number): Code<boolean> {
  return (yield load(lockAddr)) !== PyMutexState.unlocked;
}

/**
 * `PyMutex_Lock` as CPython shipped it: the same futex protocol with no owner word at all, so a
 * second lock by the holder waits for itself (a self-deadlock) like a lock by anybody else.
 */
export function* ShippedPyMutex_Lock(lockAddr: number): Code<void> {
  yield loopEnter(lockAddr);
  yield* acquireLockWord(lockAddr);
  yield loopHead(lockAddr, 0);
}

/**
 * `PyMutex_Unlock` as CPython shipped it (`_PyMutex_TryUnlock` checks only the locked bit): any
 * thread may unlock a locked mutex. Returns false — changing nothing — when it is not locked, where
 * CPython calls `Py_FatalError("unlocking mutex that is not locked")`. One compare-and-swap decides,
 * so two threads unlocking at once cannot both succeed.
 */
export function* ShippedPyMutex_Unlock(lockAddr: number): Code<boolean> {
  yield loopEnter(lockAddr);
  for (;;) {
    // The head's value (1) tells the loop apart from the unlock's end (0) for the explorer.
    yield loopHead(lockAddr, 1);
    const c = yield load(lockAddr);
    if (c === PyMutexState.unlocked) return false;
    if ((yield cas(lockAddr, c, PyMutexState.unlocked)) !== c) continue;
    if (c === PyMutexState.lockedWithWaiters) yield notify(lockAddr, 1);
    break;
  }
  yield loopHead(lockAddr, 0);
  return true;
}
