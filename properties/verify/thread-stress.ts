import { threadOf } from "../../model/thread.js";
import { defaultConfig, models, sizeOfThreads, withThreads, type AnyCall, type FamilyName, type ModelConfig, type Result } from "../../model/index.js";
import { implementations, implProfiles } from "../../impl/index.js";
import { AtomicsMemory } from "../../impl/memory.js";
import { moduleBeside, runStress, type InterpreterReport, type StressHistoryEntry } from "../../impl/stress/run.js";
import { checkHistory, type Operation, type Verdict } from "../checker/index.js";
import { checkerModel } from "../judge/checker-model.js";
import { criticalMinimum, libraryCallsDone } from "../workload/critical-programs.js";

/**
 * Stress mode for a family: N worker threads, each an interpreter running the family's critical
 * program on the real backend (Atomics over one SharedArrayBuffer), then three judgements:
 *   - mutual exclusion: the library counter, incremented by a non-atomic load-then-store under the
 *     lock, ends at exactly the number of library calls (no lost update, P9);
 *   - finalisation: every subinterpreter ends and the main one finalises the runtime, on the memory
 *     the workers left; nothing may leak (P7);
 *   - agreement: when the history is recorded, it must be linearizable with respect to the model.
 */
export interface FamilyStressOptions {
  readonly family: FamilyName;
  readonly workers: number;
  /**
   * The thread each worker is (model D18 `threadId`, one per worker): worker i runs thread
   * `threads[i]`, so two workers can be two threads of one interpreter. Absent: worker i is the
   * only thread of interpreter i + 1.
   */
  readonly threads?: readonly number[];
  readonly callsPerWorker: number;
  /** Record the history and check it for linearizability (keep runs small then). */
  readonly recordHistory?: boolean;
  readonly config?: ModelConfig;
  /** The module and export of the Subject factory; default: interlock's implementation of the family. */
  readonly subject?: { readonly module: string | URL; readonly export: string };
  /** The run's time limit (a safety net: a run it stops is cut short, judged only on what was done). */
  readonly timeoutMs?: number;
  /** Wall-clock safety net of the linearizability check; its budget is counted in memo entries. */
  readonly checkBudgetMs?: number;
}

export interface FamilyStressResult {
  /** Every worker ran its whole program. */
  readonly completed: boolean;
  /**
   * The run's own time limit stopped a worker that still had work: the run was cut short, so
   * everything below judges only what was done, and what cannot be judged then is null.
   */
  readonly cutShort: boolean;
  readonly interpreters: readonly InterpreterReport<unknown>[];
  readonly totalCalls: number;
  readonly elapsedMs: number;
  /**
   * Library calls counted by the implementation vs made by the calls that returned (families with a
   * library counter); `inFlight` library calls were cut off mid-call and may or may not have counted.
   */
  readonly library: { readonly expected: number; readonly inFlight: number; readonly counted: number } | null;
  /** What runtime finalisation found after the run; null when the run was cut short (workers were stopped mid-call). */
  readonly finalization: { readonly results: readonly string[]; readonly leaks: number } | null;
  readonly verdict: Verdict<AnyCall, Result> | null;
  readonly operations: readonly Operation<AnyCall, Result>[];
}

const ownModule = (family: FamilyName): URL => moduleBeside(import.meta.url, `../../impl/${family}`);
const programsModule = (): URL => moduleBeside(import.meta.url, "../workload/critical-programs");
/** Converts a stress history into checker operations (pending entries stay pending). */
export function toOperations(history: readonly StressHistoryEntry<AnyCall, Result>[]): Operation<AnyCall, Result>[] {
  return history.map((h, id) =>
    h.status === "ok"
      ? { id, interp: threadOf(h), call: h.call, invoke: h.invoke, respond: h.respond, result: h.result }
      : { id, interp: threadOf(h), call: h.call, invoke: h.invoke },
  );
}

export async function stressFamily(o: FamilyStressOptions): Promise<FamilyStressResult> {
  if (criticalMinimum(o.family) === undefined) throw new Error(`${o.family} has no critical program to stress (its profile's usage.critical)`);
  // Validated as a program set's threads are (distinct, valid ids, one per worker).
  const threads = o.threads === undefined ? undefined : withThreads(Array.from({ length: o.workers }), o.threads).threads;
  const config = o.config ?? (threads === undefined ? { ...defaultConfig, interpreters: o.workers } : { ...defaultConfig, ...sizeOfThreads(threads) });
  const subjectRef = o.subject ?? { module: ownModule(o.family), export: o.family };
  const programs = Array.from({ length: o.workers }, (_, i) => ({
    generate: { module: programsModule(), export: "critical", options: o.family },
    seed: i + 1,
    length: o.callsPerWorker,
    ...(threads === undefined ? {} : { thread: threads[i] as number }),
  }));
  const run = await runStress<AnyCall, Result>({
    subject: { module: subjectRef.module, export: subjectRef.export, options: config },
    programs,
    recordHistory: o.recordHistory ?? false,
    timeoutMs: o.timeoutMs ?? 120_000,
  });
  const subject = implementations[o.family](config);
  const decoded = subject.decode?.(run.memory) ?? {};
  const libraryField = implProfiles[o.family].libraryCounter;
  const cutShort = run.interpreters.some((i) => i.status === "stopped");
  // Judge what was done: the library calls among the calls that returned, plus any cut off mid-call.
  const expected = run.interpreters.reduce((sum, i) => sum + libraryCallsDone(i.completed), 0);
  const inFlight = run.interpreters.filter((i) => i.lastCall?.pending === true && (i.lastCall.call as AnyCall)._tag === "call_unsafe_library").length;
  const library = libraryField === undefined ? null : { expected, inFlight, counted: decoded[libraryField] ?? Number.NaN };
  return { cutShort, library, finalization: cutShort ? null : finalise(subject, config, run.memory), ...runOutcome(o, config, run) };
}

/** Runtime finalisation on the memory the workers left: subinterpreters end themselves, then the main one. */
function finalise(subject: ReturnType<(typeof implementations)[FamilyName]>, config: ModelConfig, memory: Int32Array): { results: string[]; leaks: number } {
  const mem = AtomicsMemory.allocate(subject.words);
  mem.words.set(memory);
  const results: string[] = [];
  const order = [...Array.from({ length: config.interpreters - 1 }, (_, i) => i + 2), 1];
  for (const interp of order) {
    const call: AnyCall = interp === 1 ? { _tag: "Py_FinalizeEx" } : { _tag: "Py_EndInterpreter" };
    const r = mem.run(subject.start(interp, call, []));
    results.push(`${call._tag} in interp ${interp}: ${r._tag === "Ok" ? "ok" : r.error}`);
  }
  return { results, leaks: subject.decode?.(mem.words)["ghost.leaks"] ?? Number.NaN };
}

/** What the run did, and the linearizability verdict of its recorded history (when one was recorded). */
function runOutcome(
  o: FamilyStressOptions,
  config: ModelConfig,
  run: Awaited<ReturnType<typeof runStress<AnyCall, Result>>>,
): Pick<FamilyStressResult, "completed" | "interpreters" | "totalCalls" | "elapsedMs" | "verdict" | "operations"> {
  const operations = run.history ? toOperations(run.history) : [];
  const verdict = run.history
    ? checkHistory(checkerModel(models[o.family], config), operations, { maxMemoEntries: 2_000_000, timeMs: o.checkBudgetMs ?? 600_000 })
    : null;
  return {
    completed: run.outcome === "completed",
    interpreters: run.interpreters as readonly InterpreterReport<unknown>[],
    totalCalls: run.totalCalls,
    elapsedMs: run.elapsedMs,
    verdict,
    operations,
  };
}
