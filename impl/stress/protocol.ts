/**
 * What the stress runner's parent and its workers share: the words the runner adds after the
 * subject's memory, and the messages a worker posts. Internal to impl/stress.
 */
import type { Subject } from "../subject.js";

/** Words per cache line (64 bytes): runner words that different threads write live on separate lines. */
const LINE = 16;

/** Fields of a worker's progress slot, one cache line per interpreter. */
export const Slot = {
  /** How many calls have started (index of the in-flight call + 1 while one runs). */
  started: 0,
  /** How many calls have returned (and had their history entry buffered). */
  completed: 1,
  /** The in-flight call's invoke timestamp (valid while started > completed and history is on). */
  invoke: 2,
} as const;

/** The start barrier's `go` word: workers sleep on it until every worker has loaded. */
export const Go = { waiting: 0, go: 1 } as const;

/**
 * The runner's own words, placed after the subject's words (rounded up to a cache line):
 * the logical clock, the start barrier, and one progress slot per interpreter.
 */
export interface RunnerLayout {
  readonly subjectWords: number;
  /** Logical clock: `Atomics.add(clock, 1)` hands out unique, increasing timestamps. */
  readonly clock: number;
  /** Count of workers that loaded their subject and program and reached the barrier. */
  readonly arrived: number;
  /** Go.waiting until the last worker arrives (or the parent releases the barrier). */
  readonly go: number;
  /** First word of the progress slot of interpreter 1; interpreter i's slot is at slots + (i-1)·LINE. */
  readonly slots: number;
  /** Total words of the shared buffer. */
  readonly totalWords: number;
}

export function runnerLayout(subjectWords: number, interpreters: number): RunnerLayout {
  const base = Math.ceil(subjectWords / LINE) * LINE;
  return {
    subjectWords,
    clock: base,
    arrived: base + LINE,
    go: base + LINE + 1,
    slots: base + 2 * LINE,
    totalWords: base + 2 * LINE + interpreters * LINE,
  };
}

export function slotOf(layout: RunnerLayout, interp: number): number {
  return layout.slots + (interp - 1) * LINE;
}

/** A module export named by a file URL (always a JS file by the time a worker sees it). */
export interface ModuleExportRef {
  readonly url: string;
  readonly export: string;
}

export type WorkerProgram =
  | { readonly kind: "calls"; readonly calls: readonly unknown[] }
  | { readonly kind: "generated"; readonly generator: ModuleExportRef; readonly seed: number; readonly length: number; readonly options?: unknown };

/** Everything a worker is started with (`workerData`). */
export interface WorkerInit {
  /** The worker's position, 1-based: it names the worker's progress slot. */
  readonly interp: number;
  /**
   * The thread the worker is (model D18 `threadId`): what the Subject and a generator are told.
   * The worker at position i runs thread i unless its program names another thread.
   */
  readonly thread: number;
  readonly interpreters: number;
  readonly buffer: SharedArrayBuffer;
  readonly layout: RunnerLayout;
  readonly subject: ModuleExportRef & { readonly options: unknown };
  readonly program: WorkerProgram;
  readonly recordHistory: boolean;
  /** Entries buffered before a post; the buffer is also flushed before every `wait` access. */
  readonly historyChunk: number;
  readonly waitTimeoutMs: number;
}

/** One completed call as it travels from worker to parent. */
export interface WireEntry {
  readonly index: number;
  readonly call: unknown;
  readonly result: unknown;
  readonly invoke: number;
  readonly respond: number;
}

export type WorkerMessage =
  | { readonly type: "entries"; readonly entries: readonly WireEntry[] }
  | { readonly type: "done"; readonly completed: number; readonly resultCounts: Record<string, number> }
  | {
      readonly type: "threw";
      readonly error: string;
      readonly completed: number;
      readonly resultCounts: Record<string, number>;
    };

/**
 * With history off, results are counted by value; a worker keeps at most 32 distinct values and
 * counts the rest under this key (a counter's results are all distinct and would grow without bound).
 */
export const OTHER_RESULTS = "(other results)";

/** The key under which a result is counted when history is off. */
export function resultKey(result: unknown): string {
  return typeof result === "object" && result !== null ? JSON.stringify(result) : String(result);
}

/** Imports `ref.export` from `ref.url`, with an error that names both when it is missing. */
export async function importExport(ref: ModuleExportRef): Promise<unknown> {
  const ns = (await import(ref.url)) as Record<string, unknown>;
  if (!(ref.export in ns)) throw new Error(`${ref.url} has no export named "${ref.export}"`);
  return ns[ref.export];
}

/**
 * Loads a Subject: the export is either a Subject or a function `(options) => Subject`.
 * Rejects anything without a positive integer `words` and a `start` function.
 */
export async function loadSubject(ref: ModuleExportRef & { readonly options: unknown }): Promise<Subject<unknown, unknown>> {
  const exported = await importExport(ref);
  const subject: unknown = typeof exported === "function" ? (exported as (o: unknown) => unknown)(ref.options) : exported;
  const s = subject as Partial<Subject<unknown, unknown>> | null;
  if (
    typeof s !== "object" ||
    s === null ||
    typeof s.start !== "function" ||
    typeof s.words !== "number" ||
    !Number.isInteger(s.words) ||
    s.words < 0
  ) {
    throw new TypeError(`${ref.url}#${ref.export} is not a Subject (needs integer words ≥ 0 and a start function)`);
  }
  return s as Subject<unknown, unknown>;
}
