import { isFamilyName, profiles, type AnyCall } from "../../model/index.js";

/**
 * Programs for stress runs, generated inside each worker (so a run of 10^6 calls posts nothing but
 * a seed, a length and a family name). `critical` has the stress runner's generator shape
 * `(thread, seed, length, options) => Iterable<Call>`: the thread id (model D18), which is the
 * interpreter id for an interpreter's first thread, and the family as its options.
 *
 * The *critical* programs (each family's profile, `usage.critical`) take a reference once, then
 * loop over a critical section — lock, one non-atomic library call, unlock — and never give the
 * reference back: runtime finalisation must then clean up after them (P7). The library counter
 * ends at exactly (workers × loops) only if the lock keeps mutual exclusion (P9).
 */

/**
 * The setup calls, then as many *whole* iterations of the body as fit in `length` calls: a program
 * never stops inside its critical section (it would leave the lock held and its peers blocked).
 */
function* loop(setup: readonly AnyCall[], body: readonly AnyCall[], length: number): Iterable<AnyCall> {
  if (length < setup.length) return;
  yield* setup;
  const iterations = Math.floor((length - setup.length) / body.length);
  for (let i = 0; i < iterations; i++) yield* body;
}

/** The family's critical program (its profile's `usage.critical`), or undefined for a family without one. */
function criticalOf(family: string): ((thread: number) => { readonly setup: readonly AnyCall[]; readonly body: readonly AnyCall[] }) | undefined {
  return isFamilyName(family) ? (profiles[family].usage.critical as ((thread: number) => { setup: readonly AnyCall[]; body: readonly AnyCall[] }) | undefined) : undefined;
}

/**
 * The critical program of `family` (the generator's options, as the stress runner passes them)
 * for thread `thread`: the stress runner's generator `(thread, seed, length, options)`, run inside
 * each worker.
 */
export function critical(thread: number, _seed: number, length: number, family: unknown): Iterable<AnyCall> {
  const program = typeof family === "string" ? criticalOf(family) : undefined;
  if (program === undefined) throw new Error(`no critical program for family ${String(family)}: its profile has no usage.critical`);
  const { setup, body } = program(thread);
  return loop(setup, body, length);
}

/** The fewest calls the critical program of `family` needs to run its setup and one whole body (undefined: it has none). */
export function criticalMinimum(family: string): number | undefined {
  const program = criticalOf(family)?.(1);
  return program === undefined ? undefined : program.setup.length + program.body.length;
}

/**
 * How many library calls the first `completed` calls of a critical program made (setup 1, then
 * bodies of lock / library call / unlock: the library call is the body's second call).
 */
export function libraryCallsDone(completed: number): number {
  return Math.floor(Math.max(0, completed) / 3);
}

/** How many library calls a critical program of `length` calls makes (setup 1, body of 3 with one library call). */
export function libraryCalls(length: number): number {
  return length < 1 ? 0 : Math.floor((length - 1) / 3);
}
