/**
 * Stable reads: a reduction for words that no step of these programs writes (in the families, the
 * runtime's `finalized` flag and `alive` mask, which only runtime calls change, read at the start of
 * every API call). A load of such a word returns the same value whenever it runs, so it needs no
 * scheduling point: the machine performs it as part of the thread's previous step — except a call's
 * first access, which stays a scheduling point, so that an invocation is never moved earlier (a
 * history must not gain overlaps the execution did not have).
 *
 * Which words are stable is *assumed, then checked*: the candidates are the words no step wrote in
 * a few random executions, and every write the search performs is checked against them. Folding
 * reads of a word that has not been written yet is exact (the read returns what it would have
 * returned later), so the search reaches the first write to a candidate if there is one; that write
 * throws `StabilityBroken` and the search is redone without that word.
 */
import { below, mulberry32 } from "../prng.js";
import type { Session } from "../session.js";

/** Thrown by the machine when a step writes a word assumed stable. */
export class StabilityBroken extends Error {
  constructor(readonly addr: number) {
    super(`word ${addr}, assumed stable, was written`);
  }
}

/** Executions of the random pre-pass that proposes the candidates. */
const PROBES = 64;

/**
 * The candidate stable words: per word, 1 when no step wrote it in `PROBES` random executions of
 * `session`'s programs (unjudged). Any choice is sound; a good one saves reruns.
 */
export function unwrittenWords<Call, Result>(session: Session<Call, Result>, seed = 1): Uint8Array {
  const m = session.machine;
  const written = new Uint8Array(m.words);
  const random = mulberry32(seed ^ 0x2545f491);
  m.recordWrites(written);
  try {
    for (let p = 0; p < PROBES; p++) session.runOne((enabled) => enabled[below(random, enabled.length)] as number, { judged: false });
  } finally {
    m.recordWrites(null);
  }
  return written.map((w) => (w === 0 ? 1 : 0));
}

/** The stable words as addresses, for the coverage sentence. */
export function stableAddresses(stable: Uint8Array): number[] {
  const out: number[] = [];
  stable.forEach((s, a) => {
    if (s === 1) out.push(a);
  });
  return out;
}
