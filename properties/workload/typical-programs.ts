import { familyNames, profiles, threadId, withThreads, type AnyCall, type FamilyName, type Threaded } from "../../model/index.js";

/**
 * Each family's typical program (its profile's `usage.typical`): what one interpreter running an
 * extension does with the API in one import/use/unload cycle. The verification job runs it in
 * every interpreter at once and explores all interleavings; `cycles` repeats it (import/unload
 * churn through 1→0→1).
 */

/** The typical program of a family, repeated `cycles` times. */
export function typicalProgram(family: FamilyName, cycles = 1): AnyCall[] {
  const one = profiles[family].usage.typical;
  const out: AnyCall[] = [];
  for (let c = 0; c < cycles; c++) out.push(...one);
  return out;
}

/** The same typical program in each of `interpreters` interpreters. */
export function typicalPrograms(family: FamilyName, interpreters: number, cycles = 1): AnyCall[][] {
  return Array.from({ length: interpreters }, () => typicalProgram(family, cycles));
}

/**
 * The families whose locks have holders, the ones where a thread is not an interpreter (D18): those
 * whose usage has a lock holder's program.
 */
export const lockFamilies: readonly FamilyName[] = familyNames.filter((f) => profiles[f].usage.lockHolder !== undefined);
/** A family with a lock an extension takes (one of `lockFamilies`). */
export type LockFamily = FamilyName;

/**
 * What the second thread of the same interpreter does: the same library call under the same lock.
 * The registry family's thread ensures too — a second ensure by the same module instance counts
 * once (D4) — because an index is what a thread *received*. In the lifecycle families it imports
 * the interpreter's second module instance first, so that its lock call never runs before an
 * import: a program cannot test a result, and without an import its library call would be the
 * unlocked call that the shipped PyMutex, having no owner, cannot refuse while the holder is
 * inside (the P9 hazard D14 already shows with two interpreters).
 */
const asInstance2 = (calls: readonly AnyCall[]): AnyCall[] => calls.map((c) => ({ ...c, instance: 2 }) as AnyCall);

/** What the first thread does (its usage's `lockHolder`: set up, then the library call under the lock), and what its sibling does. */
function holderAndSibling(family: FamilyName): [AnyCall[], AnyCall[]] {
  const profile = profiles[family];
  const holder = profile.usage.lockHolder as readonly AnyCall[] | undefined;
  if (holder === undefined) throw new Error(`${family} has no lock an extension takes: no two-thread programs`);
  return [[...holder], profile.globalState === "registry" ? [...holder] : asInstance2(holder)];
}

/**
 * Two threads in one interpreter (D18): thread 1 of interpreter 1 sets up and calls the
 * thread-unsafe library under the family's lock while thread 2 of interpreter 1 does the same —
 * a sibling must block on the holder's lock, not pass for it (`Reentrant`, or a second caller in
 * the library). The explorer runs it with symmetry off and the implementation in a config with two
 * threads per interpreter (properties/judge/agreement.ts `configFor`).
 */
export function siblingThreadPrograms(family: LockFamily): Threaded<AnyCall[][]> {
  return withThreads(holderAndSibling(family), [threadId(1, 1), threadId(1, 2)]);
}
