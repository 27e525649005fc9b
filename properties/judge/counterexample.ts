import type { AnyCall, Result } from "../../model/index.js";
import type { Subject } from "../../impl/subject.js";
import { toPrograms } from "../agreement.js";
import { replay, type Execution, type FoundViolation, type Limits, type TraceRow } from "../explorer/index.js";
import type { Evidence, Judge } from "./judge.js";

/**
 * A counterexample as the run hands it to reports: the violation (its replay token), the failing
 * execution replayed once under the same judge with every access traced, the judge's evidence,
 * and the shared memory decoded into named words. Reports render this; they judge nothing.
 */
export interface Counterexample {
  readonly violation: FoundViolation<AnyCall, Result>;
  readonly evidence: Evidence;
  readonly execution: Execution<AnyCall, Result>;
  /** Every access of the execution in order (empty if the token no longer replays). */
  readonly trace: readonly TraceRow[];
  /** Word i of shared memory → its name in the Subject's decoding ("word i" when it names none). */
  readonly wordNames: readonly string[];
  /** Shared memory at the end of the execution, decoded into named fields. */
  readonly memory: Readonly<Record<string, number>>;
}

export function traceCounterexample(
  judge: Judge,
  programs: readonly (readonly AnyCall[])[],
  found: FoundViolation<AnyCall, Result>,
  /** The limits the run used (a livelock is an execution that reached maxSteps). */
  limits: Partial<Limits> = {},
): Counterexample {
  const replayed = replay(judge.subject, toPrograms(programs), found.token, { ...judge.hooks, limits, trace: true });
  const ok = replayed.status === "replayed";
  const violation = ok && replayed.violation !== null ? replayed.violation : found;
  const execution = ok ? replayed.execution : found.execution;
  return {
    violation,
    evidence: judge.evidence(violation),
    execution,
    trace: ok && replayed.trace ? replayed.trace : [],
    wordNames: wordNames(judge.subject),
    memory: judge.subject.decode ? judge.subject.decode(execution.memory) : {},
  };
}

/** Names of shared-memory words, from the Subject's own decoding (word i → field name). */
export function wordNames(subject: Subject<AnyCall, Result>): string[] {
  const names: string[] = [];
  if (!subject.decode) return names;
  for (let a = 0; a < subject.words; a++) {
    const probe = new Int32Array(subject.words);
    probe[a] = 0x5a5a5a5;
    const hit = Object.entries(subject.decode(probe)).find(([, v]) => v === 0x5a5a5a5);
    names[a] = hit ? hit[0] : `word ${a}`;
  }
  return names;
}
