/**
 * The random pre-pass of the quiet-words reduction (engine/quietWords.ts): a few unjudged
 * executions of a session propose which words are stable or quiet bit masks. It runs sessions, so
 * it sits beside session.ts rather than in the engine the machine is built from.
 */
import { FOREIGN_WRITE, NOTIFIED, READ_WHOLE, QUIET_BITS, STABLE, UNWAITED, WAITED, WRITTEN } from "./engine/quietWords.js";
import { below, mulberry32 } from "./prng.js";
import type { Session } from "./session.js";

/** Executions of the random pre-pass that proposes the candidates. */
const PROBES = 64;

/**
 * The candidate quiet words of `session`'s programs: per word STABLE or QUIET_BITS or neither, with
 * UNWAITED when some step notified it and none waited on it, from what
 * `PROBES` random executions (unjudged) did. Any choice is sound; a good one saves reruns.
 */
export function quietWords<Call, Result>(session: Session<Call, Result>, seed = 1): Int8Array {
  const m = session.machine;
  const touched = new Uint8Array(m.words);
  const random = mulberry32(seed ^ 0x2545f491);
  m.recordAccesses(touched);
  try {
    for (let p = 0; p < PROBES; p++) session.runOne((enabled) => enabled[below(random, enabled.length)] as number, { judged: false });
  } catch {
    // The pre-pass only proposes: code that throws here proposes nothing, and the search proper
    // meets the same failure where it reports it.
    return new Int8Array(m.words);
  } finally {
    m.recordAccesses(null);
  }
  return Int8Array.from(touched, quietness);
}

/** A word's candidate quietness from what the pre-pass saw done to it. */
function quietness(seen: number): number {
  const words = (seen & WRITTEN) === 0 ? STABLE : (seen & (READ_WHOLE | FOREIGN_WRITE)) === 0 ? QUIET_BITS : 0;
  return words | ((seen & (NOTIFIED | WAITED)) === NOTIFIED ? UNWAITED : 0);
}
