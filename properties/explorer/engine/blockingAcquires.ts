/**
 * Blocking acquires (README "Blocking acquires"): the contended path of a trusted PyMutex replaced
 * by blocking. A Subject names, in `trustedMutexes`, the lock words of mutexes it takes and releases
 * only with impl/pymutex.ts's code (Drepper's futex mutex). For those words the search never lets a
 * thread try to acquire a word that is held: a thread whose next access is the winning attempt,
 * `cas(word, 0 → 1)`, is not enabled while the word is non-zero. Its failing cas, the exchange to
 * 2, the futex wait and the wake-up are never explored; the holder's releases find the word 1 and
 * need no notify.
 *
 * Why that is exact for a correct futex mutex. Every execution of the search is an execution of the
 * real mutex (the cas simply ran when it would win). Conversely, map a real execution by erasing a
 * blocked locker's slow path (its failed cas, its exchanges that found the word held, its waits) and
 * turning the exchange that finally wins into the cas: what remains is an execution of the search,
 * with every other access, every call's invocation and response, and every memory word but the lock
 * word's 1-or-2 the same. Any order in which waiters win is reachable both ways (a locker that is
 * slow to reach its exchange may win before one woken first), and a locker blocked for ever is
 * blocked in both: a correct mutex never loses a wake-up. What this trusts, then, is the mutex:
 * mutual exclusion and no lost wake-up — the premise properties/explorer/sections.test.ts checks by
 * searching PyMutex's contended paths exhaustively with no reduction at all.
 *
 * What is checked here. At each thread-local node where a locker is first held back: that the cas,
 * had it failed, would go on to the slow path's exchange to 2 — the code is the blocking acquire,
 * not a try-lock (the node's successor for the value 1 is computed, not run). And at every access to
 * a trusted word: that whatever hands a held word back to 0 could not have lost a sleeper's
 * wake-up. A sleeper sets the word to 2 before it sleeps, and the word leaves 2 only through a
 * release; so a release from 1 by fetch-sub or compare-and-swap (PyMutex_Unlock's and
 * ShippedPyMutex_Unlock's uncontended release) is safe, and any other release to 0 — a store, or a
 * release from 2 — must be followed by the same thread's notify of the word. A try-lock, or a
 * release that is neither, breaks the trust: the search is redone with that word's contended path
 * explored as it is (properties/explorer/explore.ts), as with quiet words.
 */
import { AccessOp, type Access } from "../../../impl/memory.js";

/** A trusted mutex word was used in a way a correct PyMutex never is; the search drops the word's trust and starts again. */
export class MutexTrustBroken extends Error {
  constructor(
    readonly addr: number,
    why = "was handed back to 0 without a notify that a sleeper on it would need",
  ) {
    super(`word ${addr}, declared a trusted PyMutex, ${why}`);
  }
}

/**
 * Whether a locker at `acquire` (a trusted word's `cas(word, 0 → 1)`) goes on, when the cas finds the
 * word held (1), to `next`: the exchange to 2 of Drepper's slow path. A try-lock returns instead —
 * and blocking it would hide its failure — so anything else breaks the trust.
 */
export function checkSlowPath(acquire: Access, next: Access | null): void {
  if (next !== null && next.op === AccessOp.exchange && next.addr === acquire.addr && next.a === 2) return;
  throw new MutexTrustBroken(acquire.addr, "has a compare-and-swap 0 → 1 whose failure does not lead to the futex slow path (an exchange to 2): a try-lock, whose failure blocking would hide");
}

/** Whether `access` is the winning attempt on a trusted word that is held now: the locker blocks instead. */
export function blockedAcquire(mask: Uint8Array, mem: Int32Array, access: Access | null): boolean {
  return access !== null && access.op === AccessOp.cas && mask[access.addr] === 1 && access.a === 0 && access.b === 1 && mem[access.addr] !== 0;
}

/**
 * After `access` took a trusted word from `before` to its value in `mem`: throws MutexTrustBroken
 * when it released the word (non-zero to 0) other than from 1 by fetch-sub or compare-and-swap, and
 * the thread's next access (`next`) is not a notify of the word.
 */
export function checkRelease(mem: Int32Array, access: Access, before: number, next: Access | null): void {
  if (before === 0 || mem[access.addr] !== 0) return;
  if (before === 1 && (access.op === AccessOp.sub || access.op === AccessOp.cas)) return;
  if (next !== null && next.op === AccessOp.notify && next.addr === access.addr && next.a >= 1) return;
  throw new MutexTrustBroken(access.addr);
}
