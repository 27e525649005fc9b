/**
 * Quiet words: a reduction for words whose accesses by one thread nobody else can tell apart in
 * time, so that they need no scheduling point. Two kinds:
 *   - *stable* words, which no step of these programs writes (in the families, the runtime's
 *     `finalized` flag and `alive` mask, which only runtime calls change, read at the start of every
 *     API call): a load returns the same value whenever it runs;
 *   - *quiet bit masks*: bit masks whose every write sets or clears the writer's own bit (bit i
 *     changes only by interpreter i: the self-bits discipline, or simply what these programs do)
 *     and that no step reads whole (in the families, the importers and BUSY masks, read whole only
 *     by runtime finalisation): a thread's read of its own bit has one answer whenever it runs, and
 *     its own-bit write whose old value it does not use commutes with every other access to the
 *     word — the others' own-bit reads and writes.
 *   - *unwaited words*: words no step waits on (in the families, the BUSY mask, waited on only by
 *     Py_FinalizeEx, notified at the end of every family call): a notify there wakes nobody and
 *     returns 0 whenever it runs, and changes no word — it commutes with every access but a wait.
 * Such an access is performed as part of the thread's previous step — except a call's first access,
 * which stays a scheduling point, so that an invocation is never moved earlier (a history must not
 * gain overlaps the execution did not have).
 *
 * Which words are quiet is *assumed, then checked*: the candidates come from a few random
 * executions, and every access the search performs is checked against them. Folding is exact until
 * the first access that breaks the assumption (a write to a stable word, a whole read of a quiet
 * mask, a write of a quiet mask other than of one's own bit, a wait on an unwaited word), so the search reaches that access if there is one; it throws `QuietnessBroken` and the
 * search is redone without that word. The pre-pass that proposes the candidates runs whole
 * executions, so it lives above the machine, in properties/explorer/quietProbe.ts.
 */
import { AccessOp, LoadMode, type Access } from "../../../impl/memory.js";

/** A word's quietness is a set of these flags (STABLE and QUIET_BITS exclude each other). */
/** No step writes the word: its loads are folded. */
export const STABLE = 1;
/** A self-bits mask no step reads whole: own-bit writes with unused results are folded. */
export const QUIET_BITS = 2;
/** No step waits on the word: its notifies are folded. */
export const UNWAITED = 4;

/** What the pre-pass saw done to a word. */
export const WRITTEN = 1;
export const READ_WHOLE = 2;
export const WAITED = 4;
export const NOTIFIED = 8;
/** A write that is not an own-bit set or clear. */
export const FOREIGN_WRITE = 16;

/** Thrown by the machine when an access breaks a word's assumed quietness (`flag`: the assumption broken). */
export class QuietnessBroken extends Error {
  constructor(
    readonly addr: number,
    readonly flag: number = STABLE | QUIET_BITS | UNWAITED,
  ) {
    super(`word ${addr}, assumed quiet, was accessed otherwise`);
  }
}

/**
 * Whether `a` by interpreter `interp` is quiet under `quiet` (when it is not its call's first
 * access): a load of a stable word, or an own-bit write whose old value is unused to a quiet mask.
 */
export function quietAccess(quiet: Int8Array, a: Access, interp: number): boolean {
  const q = quiet[a.addr] as number;
  if (a.op === AccessOp.notify) return (q & UNWAITED) !== 0;
  if ((q & STABLE) !== 0) return a.op === AccessOp.load;
  if ((q & QUIET_BITS) === 0) return false;
  const own = 1 << (interp - 1);
  if (a.op === AccessOp.load) return a.b === LoadMode.bits && a.a === own;
  return a.b === 1 && ownBitWrite(a, own);
}

/** Whether `a` sets or clears bit `own` and nothing else. */
function ownBitWrite(a: Access, own: number): boolean {
  return (a.op === AccessOp.or && a.a === own) || (a.op === AccessOp.and && a.a === ~own);
}

/**
 * Before interpreter `interp` performs `a`: marks in `touched` (the pre-pass) what it does to its
 * word; throws QuietnessBroken if it breaks the word's assumed quietness (a write to a stable word,
 * an access to a quiet mask other than to one's own bit, a wait on an unwaited word).
 */
export function watchAccess(quiet: Int8Array | null, touched: Uint8Array | null, a: Access, interp: number): void {
  if (a.op === AccessOp.wait || a.op === AccessOp.notify) {
    // a wait or notify changes no word; a wait breaks the word's unwaitedness
    if (touched !== null) touched[a.addr] = (touched[a.addr] as number) | (a.op === AccessOp.wait ? WAITED : NOTIFIED);
    if (a.op === AccessOp.notify) return;
    if (quiet !== null && ((quiet[a.addr] as number) & UNWAITED) !== 0) throw new QuietnessBroken(a.addr, UNWAITED);
    return;
  }
  const own = 1 << (interp - 1);
  const load = a.op === AccessOp.load;
  const whole = load && !(a.b === LoadMode.bits && a.a === own);
  const foreign = !load && !ownBitWrite(a, own);
  if (touched !== null) touched[a.addr] = (touched[a.addr] as number) | (!load ? WRITTEN : whole ? READ_WHOLE : 0) | (foreign ? FOREIGN_WRITE : 0);
  const q = quiet === null ? 0 : (quiet[a.addr] as number);
  if ((q & STABLE) !== 0 && !load) throw new QuietnessBroken(a.addr, STABLE);
  if ((q & QUIET_BITS) !== 0 && (whole || foreign)) throw new QuietnessBroken(a.addr, QUIET_BITS);
}

/** How many words of each kind, for the coverage sentence. */
export function quietCounts(quiet: Int8Array): { stable: number; masks: number; unwaited: number } {
  let stable = 0;
  let masks = 0;
  let unwaited = 0;
  for (const q of quiet) {
    if ((q & STABLE) !== 0) stable++;
    else if ((q & QUIET_BITS) !== 0) masks++;
    if ((q & UNWAITED) !== 0) unwaited++;
  }
  return { stable, masks, unwaited };
}

