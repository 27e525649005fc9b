/**
 * Quiet words: a reduction for words whose accesses by one thread nobody else can tell apart in
 * time, so that they need no scheduling point. Two kinds:
 *   - *stable* words, which no step of these programs writes (in the families, the runtime's
 *     `finalized` flag and `alive` mask, which only runtime calls change, read at the start of every
 *     API call): a load returns the same value whenever it runs;
 *   - *quiet bit masks*: words with the self-bits discipline (bit i changes only by interpreter i)
 *     that no step reads whole (in the families, the importers masks, read whole only by runtime
 *     finalisation): a thread's own-bit write whose old value it does not use commutes with every
 *     other access to the word — the others' own-bit reads and writes.
 * Such an access is performed as part of the thread's previous step — except a call's first access,
 * which stays a scheduling point, so that an invocation is never moved earlier (a history must not
 * gain overlaps the execution did not have).
 *
 * Which words are quiet is *assumed, then checked*: the candidates come from a few random
 * executions, and every access the search performs is checked against them. Folding is exact until
 * the first access that breaks the assumption (a write to a stable word, a whole read of a quiet
 * mask), so the search reaches that access if there is one; it throws `QuietnessBroken` and the
 * search is redone without that word. The pre-pass that proposes the candidates runs whole
 * executions, so it lives above the machine, in properties/explorer/quietProbe.ts.
 */
import { AccessOp, LoadMode, type Access } from "../../../impl/memory.js";

/** No step writes the word: its loads are folded. */
export const STABLE = 1;
/** A self-bits mask no step reads whole: own-bit writes with unused results are folded. */
export const QUIET_BITS = 2;

/** What the pre-pass saw done to a word. */
export const WRITTEN = 1;
export const READ_WHOLE = 2;

/** Thrown by the machine when an access breaks a word's assumed quietness. */
export class QuietnessBroken extends Error {
  constructor(readonly addr: number) {
    super(`word ${addr}, assumed quiet, was accessed otherwise`);
  }
}

/**
 * Whether `a` by interpreter `interp` is quiet under `quiet` (when it is not its call's first
 * access): a load of a stable word, or an own-bit write whose old value is unused to a quiet mask.
 */
export function quietAccess(quiet: Int8Array, a: Access, interp: number): boolean {
  const q = quiet[a.addr] as number;
  if (q === STABLE) return a.op === AccessOp.load;
  if (q !== QUIET_BITS) return false;
  const own = 1 << (interp - 1);
  return a.b === 1 && ((a.op === AccessOp.or && a.a === own) || (a.op === AccessOp.and && a.a === ~own));
}

/**
 * Before interpreter `interp` performs `a`: marks in `touched` (the pre-pass) what it does to its
 * word; throws QuietnessBroken if it breaks the word's assumed quietness (a write to a stable word,
 * a read of a quiet mask other than of one's own bit).
 */
export function watchAccess(quiet: Int8Array | null, touched: Uint8Array | null, a: Access, interp: number): void {
  const whole = a.op === AccessOp.load && !(a.b === LoadMode.bits && a.a === 1 << (interp - 1));
  if (touched !== null) touched[a.addr] = (touched[a.addr] as number) | (a.op !== AccessOp.load ? WRITTEN : whole ? READ_WHOLE : 0);
  const q = quiet === null ? 0 : (quiet[a.addr] as number);
  if ((q === STABLE && a.op !== AccessOp.load) || (q === QUIET_BITS && whole)) throw new QuietnessBroken(a.addr);
}

/** How many words of each kind, for the coverage sentence. */
export function quietCounts(quiet: Int8Array): { stable: number; masks: number } {
  let stable = 0;
  let masks = 0;
  for (const q of quiet) {
    if (q === STABLE) stable++;
    else if (q === QUIET_BITS) masks++;
  }
  return { stable, masks };
}
