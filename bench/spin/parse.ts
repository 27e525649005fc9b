/**
 * The parser of SPIN's verifier output: what `./pan` (SPIN 6.5.2, compiled with -DSAFETY) prints
 * at the end of a run, reduced to the figures a benchmark compares.
 *
 * pan prints counts with `%9.8g` and the elapsed time with `%.3g`, so a count of 10^8 or more, or
 * a time of 1000 s or more, comes out in exponent form (`1.2e+08 transitions`); `Number()` reads
 * both forms. Lines this parser relies on (pan.c of SPIN 6.5.2):
 *   `State-vector 40 byte, depth reached 45, errors: 0`
 *   `      568 states, stored`
 *   `      913 transitions (= stored+matched)`
 *   `pan: elapsed time 0.01 seconds`
 * and the markers of a search that did not cover the whole state space:
 *   `error: max search depth too small`  the DFS stack (-m) was too shallow: states were cut off;
 *   `pan: reached -DMEMLIM bound` / `pan: out of memory`  the memory bound stopped the search;
 *   `Warning: Search not completed`  pan stopped early, e.g. at the first error (-c1, the default).
 */

/** A PanResult is the summary of one pan run. */
export interface PanResult {
  /** Distinct states stored. */
  readonly states: number;
  /** Transitions taken (stored + matched). */
  readonly transitions: number;
  /** Search time as pan measured it, in seconds (pan rounds it to 3 significant digits). */
  readonly seconds: number;
  /** Errors found (assertion violations, invalid end states); pan stops at the first by default. */
  readonly errors: number;
  /**
   * True when the search covered the whole reachable state space: no depth cut-off, no memory
   * bound, no early stop. A run that found an error is not complete (pan stopped at it), but its
   * verdict is still definite: the error is real.
   */
  readonly complete: boolean;
  /** pan printed `error: max search depth too small`: raise -m. */
  readonly depthLimitHit: boolean;
  /** pan stopped on its memory bound (-DMEMLIM) or ran out of memory. */
  readonly memoryLimitHit: boolean;
  /** The first error line, e.g. `pan:1: assertion violated  !(alive) (at depth 27)`, or null. */
  readonly firstError: string | null;
}

/** A PanOutputError is raised when the text is not the end-of-run report of a pan verifier. */
export class PanOutputError extends Error {
  override readonly name = "PanOutputError";
}

/** A decimal number as printf's %g writes it: 568, 0.01, 1.2e+08. */
const NUMBER = String.raw`(\d+(?:\.\d*)?(?:e[+-]?\d+)?)`;

const STATES = new RegExp(String.raw`^\s*${NUMBER} states, stored`, "m");
const TRANSITIONS = new RegExp(String.raw`^\s*${NUMBER} transitions \(=`, "m");
const ELAPSED = new RegExp(String.raw`^pan: elapsed time ${NUMBER} seconds`, "m");
const ERRORS = new RegExp(String.raw`, errors: (\d+)\s*$`, "m");
const FIRST_ERROR = /^pan:\d+: .*$/m;

function readNumber(text: string, pattern: RegExp, what: string): number {
  const match = pattern.exec(text);
  const value = match?.[1] === undefined ? Number.NaN : Number(match[1]);
  if (!Number.isFinite(value)) {
    throw new PanOutputError(`pan output has no "${what}" line; was the verifier run to the end?`);
  }
  return value;
}

/** Reads the summary of one pan run from its standard output. Throws PanOutputError if absent. */
export function parsePanOutput(text: string): PanResult {
  const states = readNumber(text, STATES, "N states, stored");
  const transitions = readNumber(text, TRANSITIONS, "N transitions");
  const seconds = readNumber(text, ELAPSED, "pan: elapsed time S seconds");
  const errors = readNumber(text, ERRORS, "errors: N");
  const depthLimitHit = text.includes("error: max search depth too small");
  const memoryLimitHit = text.includes("pan: reached -DMEMLIM bound") || text.includes("out of memory");
  const stoppedEarly = text.includes("Warning: Search not completed");
  return {
    states,
    transitions,
    seconds,
    errors,
    complete: !depthLimitHit && !memoryLimitHit && !stoppedEarly && errors === 0,
    depthLimitHit,
    memoryLimitHit,
    firstError: FIRST_ERROR.exec(text)?.[0] ?? null,
  };
}
