/**
 * A schedule token is the compact string form of one execution's schedule. Each step is named by
 * *where* it happens — (interp, call index, access index within the call) — not by a global step
 * number, so a token keeps replaying after changes that do not touch the steps it names, and a
 * change that does is reported at the first step that no longer matches.
 *
 * Format (version 1): `il1:` then comma-separated runs `interp@call.access*count` — interp runs
 * `count` consecutive steps of one call, at accesses access … access+count−1. A run never spans
 * two calls, so every step's position is known and checked. Example: `il1:1@0.0*3,2@0.0*5,1@0.3*2`.
 *
 * Threads (D18): the number before `@` is the thread id (model `threadId`), which for an
 * interpreter's first thread is the interpreter id — so every token made before threads existed
 * replays unchanged, and `1@…` / `9@…` name threads 1 and 2 of interpreter 1.
 */

export interface TokenRun {
  /** The thread id of the run (the interpreter id for an interpreter's first thread). */
  readonly interp: number;
  readonly callIndex: number;
  readonly accessIndex: number;
  readonly count: number;
}

const PREFIX = "il1:";
const RUN = /^(\d+)@(\d+)\.(\d+)\*(\d+)$/;

/** A step as the engine records it. */
export interface TokenStep {
  /** The thread id (the interpreter id for an interpreter's first thread). */
  readonly interp: number;
  readonly callIndex: number;
  readonly accessIndex: number;
}

export function encodeToken(steps: readonly TokenStep[]): string {
  const runs: string[] = [];
  let i = 0;
  while (i < steps.length) {
    const first = steps[i] as TokenStep;
    let j = i + 1;
    while (j < steps.length && (steps[j] as TokenStep).interp === first.interp && (steps[j] as TokenStep).callIndex === first.callIndex) j++;
    runs.push(`${first.interp}@${first.callIndex}.${first.accessIndex}*${j - i}`);
    i = j;
  }
  return PREFIX + runs.join(",");
}

/** Decodes a token; a malformed token is one clear error naming what is wrong. */
export function decodeToken(token: string): TokenRun[] {
  if (!token.startsWith(PREFIX)) {
    throw new TypeError(`not a schedule token: expected it to start with "${PREFIX}", got "${token.slice(0, 12)}"`);
  }
  const body = token.slice(PREFIX.length);
  if (body === "") return [];
  return body.split(",").map((text, i) => {
    const m = RUN.exec(text);
    if (m === null) throw new TypeError(`schedule token run ${i + 1} "${text}" is not interp@call.access*count`);
    const run = { interp: Number(m[1]), callIndex: Number(m[2]), accessIndex: Number(m[3]), count: Number(m[4]) };
    if (run.count < 1 || run.interp < 1) throw new TypeError(`schedule token run ${i + 1} "${text}" needs interp ≥ 1 and count ≥ 1`);
    return run;
  });
}
