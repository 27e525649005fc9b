import type { AnyCall, Result } from "../../model/index.js";
import { namesByAddress, readWords } from "../../impl/layout.js";
import type { Subject } from "../../impl/subject.js";
import { toPrograms } from "./agreement.js";
import { replay, type Execution, type FoundViolation, type Limits, type TraceRow } from "../explorer/index.js";
import type { Evidence, Judge } from "./judge.js";

/**
 * A counterexample as the run hands it to reports: the violation (its replay token), the failing
 * execution replayed once under the same judge with every access traced, the judge's evidence,
 * and the words of shared memory the Subject names (`Subject.wordNames`; nothing is probed). Reports render this; they judge nothing.
 */
export interface Counterexample {
  readonly violation: FoundViolation<AnyCall, Result>;
  readonly evidence: Evidence;
  readonly execution: Execution<AnyCall, Result>;
  /** Every access of the execution in order (empty if the token no longer replays). */
  readonly trace: readonly TraceRow[];
  /** Word i of shared memory → the name the Subject gives it ("word i" when it names none). */
  readonly wordNames: readonly string[];
  /** The Subject's named words at the end of the execution. */
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
    memory: namedMemory(judge.subject, execution.memory),
  };
}

/** Names of shared-memory words, as the Subject names them (word i → its name; "word i" when it names none). */
export function wordNames(subject: Pick<Subject<AnyCall, Result>, "words" | "wordNames">): string[] {
  return namesByAddress(subject.wordNames?.() ?? {}, subject.words);
}

/** The Subject's named words in `mem`, by name (nothing for a Subject that names none). */
export function namedMemory(subject: Pick<Subject<AnyCall, Result>, "wordNames">, mem: Int32Array): Record<string, number> {
  return readWords(subject.wordNames?.() ?? {}, mem);
}
