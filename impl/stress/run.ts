/**
 * Stress mode: the Subject's implementation code on real parallel hardware.
 *
 * `runStress` starts one worker_thread per interpreter (ids 1..N). The workers share one
 * SharedArrayBuffer: the subject's words, then the runner's own words (a logical clock, a start
 * barrier, one progress slot per interpreter; see protocol.ts). Each worker runs its program of
 * calls through AtomicsMemory and records, for each call, the logical time before it started
 * (invoke) and after it returned (respond), both from `Atomics.add` on the shared clock, so
 * timestamps are unique and respect real-time order across workers.
 *
 * A worker that throws, exits, or makes no progress is reported with its interpreter and its last
 * call; a call in flight stays in the history as *pending* (invoke, no respond), because it may or
 * may not have taken effect. A stuck worker is terminated — `worker.terminate()` interrupts a
 * pending `Atomics.wait` — so a run always ends within `timeoutMs` (plus a short drain).
 *
 * Workers run compiled JS only (Node 20 cannot start a .ts worker):
 *   - the worker script is `./worker.js` next to this module once compiled
 *     (dist/impl/stress/worker.js from `npm run build`); when this module runs from TS source
 *     (vitest), `impl/stress/` is mapped to `dist/impl/stress/`;
 *   - subject and program modules may be .js/.mjs files anywhere, or .ts files inside this
 *     repository, which are mapped to their dist/ counterparts (`impl/x.ts` → `dist/impl/x.js`).
 *     A mapped file older than its source is refused, so a forgotten build cannot run stale code.
 */
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { interpOf } from "../../model/common.js";
import {
  Go,
  type ModuleExportRef,
  type RunnerLayout,
  Slot,
  type WireEntry,
  type WorkerInit,
  type WorkerMessage,
  type WorkerProgram,
  importExport,
  loadSubject,
  runnerLayout,
  slotOf,
} from "./protocol.js";

/** A module and the name of one of its exports. `module` is a path (relative to cwd) or a file URL. */
export interface ModuleExport {
  readonly module: string | URL;
  readonly export: string;
}

/**
 * The program of one interpreter: explicit calls, or calls generated inside the worker by
 * `generate.export`, a function `(interp, seed, length, options) => Iterable<Call>` — so a run of
 * 10^6 calls does not post 10^6 objects. `generate.options` (structured-cloned to the worker) is
 * passed as it is, e.g. the family whose program to generate.
 */
export type StressProgram<Call> = (
  | { readonly calls: readonly Call[] }
  | { readonly generate: ModuleExport & { readonly options?: unknown }; readonly seed: number; readonly length: number }
) & {
  /**
   * The thread that runs it (model D18 `threadId`: thread k of interpreter i is i + 8·(k − 1));
   * absent: program i is thread 1 of interpreter i + 1. Two programs may run in one interpreter.
   */
  readonly thread?: number;
};

export interface StressOptions<Call> {
  /** The Subject: an exported Subject, or an exported function `(options) => Subject`. */
  readonly subject: ModuleExport & { readonly options?: unknown };
  /** programs[i] is run by interpreter i + 1. */
  readonly programs: readonly StressProgram<Call>[];
  /** Record a history entry per call (default true). Off: count calls and results only. */
  readonly recordHistory?: boolean;
  /** The whole run's deadline (default 60 000 ms); workers still running then are reported hung. */
  readonly timeoutMs?: number;
  /** A started worker whose progress slot has not changed for this long is hung (default 10 000 ms). */
  readonly stallMs?: number;
  /** Timeout of each `wait` access in the workers (default Infinity: block until notified). */
  readonly waitTimeoutMs?: number;
}

/** One call in the history. Pending: invoked, never returned (the worker threw, exited or hung). */
export type StressHistoryEntry<Call, Result> =
  | {
      readonly status: "ok";
      /** The interpreter (the worker's thread's, D18). */
      readonly interp: number;
      /** The worker's thread id (D18), when it is not its interpreter's first thread (whose id is `interp`). */
      readonly thread?: number;
      readonly index: number;
      readonly call: Call;
      readonly result: Result;
      readonly invoke: number;
      readonly respond: number;
    }
  | {
      readonly status: "pending";
      readonly interp: number;
      readonly thread?: number;
      readonly index: number;
      readonly call: Call;
      readonly invoke: number;
    };

/** How an interpreter's worker ended. */
/**
 * How a worker ended: its whole program ran; it threw or exited mid-program; it made no progress
 * for `stallMs` (hung: a finding); or the run's own timeout stopped it while it still had work
 * (stopped: the run was cut short, which is no finding about the code under test).
 */
export type InterpreterStatus = "completed" | "threw" | "exited" | "hung" | "stopped";

export interface InterpreterReport<Call> {
  /** The interpreter the worker's thread belongs to. */
  readonly interp: number;
  /** The worker's thread id (D18): `interp` for an interpreter's first thread. */
  readonly thread: number;
  readonly status: InterpreterStatus;
  /** Calls that returned. */
  readonly completed: number;
  /** For a worker that did not complete: its last call, pending if it was in flight. */
  readonly lastCall?: { readonly index: number; readonly call: Call; readonly pending: boolean };
  /** What went wrong: the error thrown, the exit code, or why it was judged hung. */
  readonly reason?: string;
  /**
   * Results counted by value (JSON for objects) when history is off — the first 32 distinct values,
   * the rest under "(other results)"; empty when history is on.
   */
  readonly resultCounts: Readonly<Record<string, number>>;
}

export interface StressResult<Call, Result> {
  /** "completed" when every interpreter ran its whole program. */
  readonly outcome: "completed" | "failed";
  readonly interpreters: readonly InterpreterReport<Call>[];
  /** Every call, ordered by invoke; present when recordHistory is on. */
  readonly history?: readonly StressHistoryEntry<Call, Result>[];
  /** A copy of the subject's words at the end of the run, for end-state checks (leaks, totals). */
  readonly memory: Int32Array;
  readonly totalCalls: number;
  readonly elapsedMs: number;
}

const HISTORY_CHUNK = 512;
const POLL_MS = 10;
/** How long to wait for a stuck worker's already-posted entries to arrive before terminating it. */
const DRAIN_MS = 500;

const here = path.dirname(fileURLToPath(import.meta.url));
/** Whether this module is the compiled one (dist/impl/stress) or the TS source (impl/stress). */
const compiled = here.split(path.sep).slice(-3).join("/") === "dist/impl/stress";
const repoRoot = path.resolve(here, compiled ? "../../.." : "../..");
const distRoot = path.join(repoRoot, "dist");

/**
 * Maps a module given by path or URL to the JS file a worker can import: .ts files inside the
 * repository map to dist/ (`impl/x.ts` → `dist/impl/x.js`); anything else must already be JS.
 */
export function workerModuleUrl(module: string | URL): URL {
  const file =
    module instanceof URL || module.startsWith("file:") ? fileURLToPath(module) : path.resolve(process.cwd(), module);
  let target = file;
  if (/\.[cm]?ts$/.test(file) && !file.endsWith(".d.ts")) {
    const rel = path.relative(repoRoot, file);
    if (rel.startsWith("..") || path.isAbsolute(rel) || rel.startsWith(`dist${path.sep}`)) {
      throw new Error(`worker modules must be JS: ${file} is a .ts file outside ${repoRoot}, which has no dist/ copy`);
    }
    target = path.join(distRoot, rel.replace(/\.([cm]?)ts$/, ".$1js"));
  }
  if (!existsSync(target)) {
    throw new Error(`worker module ${target} does not exist${target === file ? "" : ` (compiled from ${file}); run \`npm run build\``}`);
  }
  if (target !== file && statSync(target).mtimeMs < statSync(file).mtimeMs) {
    throw new Error(`${target} is older than ${file}; run \`npm run build\` so workers run the current code`);
  }
  return pathToFileURL(target);
}

/**
 * A module of this repository, named relative to the calling module (`moduleBeside(import.meta.url,
 * "../impl/module_slots")`), as a worker can start it: the compiled JS in dist/ whether the caller
 * runs from dist/ or from the TypeScript sources (under vitest).
 */
export function moduleBeside(callerUrl: string, relativeStem: string): URL {
  return workerModuleUrl(new URL(`${relativeStem}${callerUrl.endsWith(".ts") ? ".ts" : ".js"}`, callerUrl));
}

/** The worker script: ./worker.js beside the compiled module. */
function workerScriptUrl(): URL {
  return compiled ? new URL("./worker.js", import.meta.url) : workerModuleUrl(path.join(here, "worker.ts"));
}

function ref(m: ModuleExport): ModuleExportRef {
  return { url: workerModuleUrl(m.module).href, export: m.export };
}

function toWorkerProgram<Call>(p: StressProgram<Call>): WorkerProgram {
  return "calls" in p
    ? { kind: "calls", calls: p.calls }
    : { kind: "generated", generator: ref(p.generate), seed: p.seed, length: p.length, options: p.generate.options };
}

/** The call at `index` of a program (regenerated in this thread for a generated program). */
async function callAt(p: WorkerProgram, thread: number, index: number): Promise<unknown> {
  if (p.kind === "calls") return p.calls[index];
  const generate = (await importExport(p.generator)) as (i: number, s: number, l: number, options: unknown) => Iterable<unknown>;
  let i = 0;
  for (const call of generate(thread, p.seed, p.length, p.options)) if (i++ === index) return call;
  return undefined;
}

/** A history entry's `thread`, given only past an interpreter's first thread (D18). */
const threadField = (thread: number): { thread?: number } => (thread === interpOf(thread) ? {} : { thread });

/** Per-worker bookkeeping in the parent. */
interface Tracked {
  /** The worker's position, 1-based (its progress slot). */
  readonly interp: number;
  /** The worker's thread id (D18). */
  readonly thread: number;
  readonly worker: Worker;
  readonly entries: WireEntry[];
  settled: boolean;
  status: InterpreterStatus | undefined;
  reason: string | undefined;
  resultCounts: Record<string, number>;
  lastStarted: number;
  lastCompleted: number;
  lastProgressAt: number;
  exited: Promise<number>;
}

/** Runs the programs on N workers against the Subject; see the module comment. */
export async function runStress<Call = unknown, Result = unknown>(
  options: StressOptions<Call>,
): Promise<StressResult<Call, Result>> {
  const recordHistory = options.recordHistory ?? true;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const stallMs = options.stallMs ?? 10_000;
  const n = options.programs.length;
  if (n < 1) throw new RangeError("runStress needs at least one program");

  const subjectRef = { ...ref(options.subject), options: options.subject.options };
  const subject = await loadSubject(subjectRef);
  const programs = options.programs.map(toWorkerProgram);
  const script = workerScriptUrl();

  const layout = runnerLayout(subject.words, n);
  const buffer = new SharedArrayBuffer(layout.totalWords * 4);
  const words = new Int32Array(buffer);
  subject.init?.(words.subarray(0, subject.words));

  const started = performance.now();
  const tracked: Tracked[] = programs.map((program, i) => {
    const interp = i + 1;
    const thread = options.programs[i]?.thread ?? interp;
    const init: WorkerInit = {
      interp,
      thread,
      interpreters: n,
      buffer,
      layout,
      subject: subjectRef,
      program,
      recordHistory,
      historyChunk: HISTORY_CHUNK,
      waitTimeoutMs: options.waitTimeoutMs ?? Infinity,
    };
    const worker = new Worker(script, { workerData: init });
    const t: Tracked = {
      interp,
      thread,
      worker,
      entries: [],
      settled: false,
      status: undefined,
      reason: undefined,
      resultCounts: {},
      lastStarted: 0,
      lastCompleted: 0,
      lastProgressAt: started,
      exited: new Promise((resolve) => worker.once("exit", resolve)),
    };
    worker.on("message", (m: WorkerMessage) => {
      switch (m.type) {
        case "entries":
          for (const e of m.entries) t.entries.push(e);
          break;
        case "done":
          t.status ??= "completed";
          t.resultCounts = m.resultCounts;
          break;
        case "threw":
          t.status ??= "threw";
          t.reason ??= m.error;
          t.resultCounts = m.resultCounts;
          break;
      }
    });
    worker.on("error", (err) => {
      t.status ??= "threw";
      t.reason ??= `${err.name}: ${err.message}`;
    });
    return t;
  });

  /** A worker that failed before the barrier must not leave the others asleep at it. */
  const releaseBarrier = (): void => {
    Atomics.store(words, layout.go, Go.go);
    Atomics.notify(words, layout.go);
  };

  const settle = async (t: Tracked): Promise<void> => {
    const code = await t.exited;
    // Entries posted before the exit are delivered before 'exit'; wait a moment if some are not.
    await drain(t, words, layout, recordHistory, DRAIN_MS);
    if (t.status === undefined) {
      t.status = "exited";
      t.reason = `worker exited with code ${code} during its program`;
    }
    t.settled = true;
    if (t.status !== "completed") releaseBarrier();
  };
  const settledAll = Promise.all(tracked.map(settle));

  // The monitor: judges stuck workers hung and terminates them; ends with the run.
  const deadline = started + timeoutMs;
  const monitor = setInterval(() => {
    const now = performance.now();
    const running = Atomics.load(words, layout.go) === Go.go;
    for (const t of tracked) {
      if (t.settled || t.status !== undefined) continue;
      const s = slotOf(layout, t.interp);
      const st = Atomics.load(words, s + Slot.started);
      const co = Atomics.load(words, s + Slot.completed);
      if (st !== t.lastStarted || co !== t.lastCompleted || !running) {
        t.lastStarted = st;
        t.lastCompleted = co;
        t.lastProgressAt = now;
      }
      let reason: string | undefined;
      let status: InterpreterStatus = "hung";
      if (now >= deadline) {
        reason = `still running at the run timeout (${timeoutMs} ms)`;
        status = "stopped";
      } else if (running && now - t.lastProgressAt >= stallMs) reason = `no progress for ${stallMs} ms (stallMs)`;
      if (reason !== undefined) {
        t.status = status;
        t.reason = reason;
        void drain(t, words, layout, recordHistory, DRAIN_MS).then(() => t.worker.terminate());
      }
    }
  }, POLL_MS);
  try {
    await settledAll;
  } finally {
    clearInterval(monitor);
  }
  const elapsedMs = performance.now() - started;

  const reports: InterpreterReport<Call>[] = [];
  const history: StressHistoryEntry<Call, Result>[] = [];
  for (const t of tracked) {
    const s = slotOf(layout, t.interp);
    const st = Atomics.load(words, s + Slot.started);
    const co = Atomics.load(words, s + Slot.completed);
    const program = programs[t.interp - 1]!;
    for (const e of t.entries) {
      history.push({ status: "ok", interp: interpOf(t.thread), ...threadField(t.thread), index: e.index, call: e.call as Call, result: e.result as Result, invoke: e.invoke, respond: e.respond });
    }
    const inFlight = st > co;
    let lastCall: InterpreterReport<Call>["lastCall"];
    if (t.status !== "completed" && st > 0) {
      const index = st - 1;
      const call = (await callAt(program, t.thread, index)) as Call;
      lastCall = { index, call, pending: inFlight };
      if (inFlight && recordHistory) {
        history.push({ status: "pending", interp: interpOf(t.thread), ...threadField(t.thread), index, call, invoke: Atomics.load(words, s + Slot.invoke) });
      }
    }
    // Entries a worker completed but never delivered (it exited without flushing) are named here.
    const lost = recordHistory ? co - t.entries.length : 0;
    const reason = [t.reason, lost > 0 ? `history lost ${lost} completed entries` : undefined].filter(Boolean).join("; ");
    reports.push({
      interp: interpOf(t.thread),
      thread: t.thread,
      status: t.status ?? "exited",
      completed: co,
      ...(lastCall === undefined ? {} : { lastCall }),
      ...(reason === "" ? {} : { reason }),
      resultCounts: t.resultCounts,
    });
  }
  history.sort((a, b) => a.invoke - b.invoke);
  return {
    outcome: reports.every((r) => r.status === "completed") ? "completed" : "failed",
    interpreters: reports,
    ...(recordHistory ? { history } : {}),
    memory: words.slice(0, subject.words),
    totalCalls: reports.reduce((sum, r) => sum + r.completed, 0),
    elapsedMs,
  };
}

/** Waits (up to `ms`) until the parent has received every entry the worker says it completed. */
async function drain(
  t: Tracked,
  words: Int32Array,
  layout: RunnerLayout,
  recordHistory: boolean,
  ms: number,
): Promise<void> {
  if (!recordHistory) return;
  const until = performance.now() + ms;
  const s = slotOf(layout, t.interp);
  while (t.entries.length < Atomics.load(words, s + Slot.completed) && performance.now() < until) {
    await new Promise((r) => setTimeout(r, 2));
  }
}
