import { Worker } from "node:worker_threads";
import { Schema } from "effect";
import { Result, type AnyCall, type FamilyName, type ModelConfig } from "../model/index.js";
import { AccessOp, type Access, type Code } from "../impl/memory.js";
import { moduleBeside } from "../impl/stress/run.js";
import type { Subject } from "../impl/subject.js";
import { isInt32, showValue } from "../properties/io/module-values.js";
import type { SubjectFactory } from "../properties/verify/jobs.js";
import { UsageError } from "./errors.js";

/**
 * Where a user's `--impl` module runs: never in the CLI's own thread. Its code is the code under
 * test, so it may throw, loop without yielding, hog memory or never finish loading; interlock must
 * stop it and say so, never hang or crash with it. So:
 *   - the module is loaded and its Subjects checked against the contract in a probe worker, with a
 *     deadline and a heap limit (a top-level await that never settles, a factory that loops);
 *   - jobs run on worker threads with the same heap limit and a deadline per job (the job's
 *     wall-clock safety net plus a grace period): a call that never yields is stopped there;
 *   - every Subject is wrapped in a guard that checks, at every step, that the code yields real
 *     accesses to its own memory and returns a result of the model's vocabulary.
 * What the module does wrong is its failure ("the module under test failed", exit 4), never a
 * property counterexample and never a crash of interlock.
 */

/**
 * How long a module may take to load and build its Subjects: 30 s by default (loading TypeScript
 * through tsx on a busy machine takes seconds), 180 s for a C file (a cold compile loads Clang as
 * WebAssembly: about 20 s on an idle machine), or INTERLOCK_LOAD_TIMEOUT_MS for either.
 */
export const IMPL_LOAD_TIMEOUT_MS = 30_000;
export const C_LOAD_TIMEOUT_MS = 180_000;
export function loadTimeoutMs(path: string, env: Readonly<Record<string, string | undefined>> = process.env): number {
  const text = env["INTERLOCK_LOAD_TIMEOUT_MS"];
  if (text === undefined || text === "") return /\.c$/i.test(path) ? C_LOAD_TIMEOUT_MS : IMPL_LOAD_TIMEOUT_MS;
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`INTERLOCK_LOAD_TIMEOUT_MS must be a positive whole number, got ${JSON.stringify(text)}; fix or unset it`);
  return Number(text);
}

/** Heap limit of a worker running user code (MB): a memory hog fails there, not in interlock. */
export const IMPL_HEAP_MB = 1_536;
/** How far past its safety net a job may run before its worker is stopped. */
export const JOB_GRACE_MS = 10_000;

/** The resource limits every worker that runs user code gets. */
export const implResourceLimits = { maxOldGenerationSizeMb: IMPL_HEAP_MB, maxYoungGenerationSizeMb: 64 } as const;

/** A failure of the module under test, with the sentence that says what it did. */
export class ModuleFailure extends Error {
  override readonly name = "ModuleFailure";
}

/**
 * Loads `path` in a probe worker and checks the Subjects the run needs in `config`; returns the
 * families it provides. Anything wrong — missing file, load error, a load that never finishes, a
 * heap blown while loading, a contract break — is a one-line UsageError.
 */
export async function probeImplModule(
  path: string,
  config: ModelConfig,
  timeoutMs: number = IMPL_LOAD_TIMEOUT_MS,
  /** The families the run needs (each must be provided and meet the contract); default every one provided. */
  families?: readonly FamilyName[],
): Promise<FamilyName[]> {
  const script = moduleBeside(import.meta.url, "./impl-probe-worker");
  const worker = new Worker(script, { workerData: { path, config, families }, resourceLimits: implResourceLimits, stdout: true, stderr: true });
  worker.stdout.resume();
  worker.stderr.resume();
  try {
    return await new Promise<FamilyName[]>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new UsageError(`--impl ${path}: the module did not finish loading within ${timeoutMs / 1000} s (a top-level await that never settles, or a loop at load time?)`)),
        timeoutMs,
      );
      worker.on("message", (m: { provided?: FamilyName[]; usage?: string }) => {
        clearTimeout(timer);
        if (m.usage !== undefined) reject(new UsageError(m.usage));
        else resolve(m.provided ?? []);
      });
      worker.on("error", (e: Error & { code?: string }) => {
        clearTimeout(timer);
        reject(new UsageError(`--impl ${path}: ${e.code === "ERR_WORKER_OUT_OF_MEMORY" ? `the module ran out of memory while loading (heap limit ${IMPL_HEAP_MB} MB)` : `the module failed to load (${oneLine(e.message)})`}`));
      });
      worker.on("exit", (code) => {
        clearTimeout(timer);
        reject(new UsageError(`--impl ${path}: the module ended its worker while loading (exit code ${code})`));
      });
    });
  } finally {
    await worker.terminate();
  }
}

/** The first line of a message, so every error stays one line. */
export function oneLine(text: string): string {
  return (text.split("\n")[0] ?? "").slice(0, 300);
}

/** Wraps each factory so that every Subject it makes is guarded (see `guardSubject`). */
export function guardFactories(path: string, factories: Partial<Record<FamilyName, SubjectFactory>>): Partial<Record<FamilyName, SubjectFactory>> {
  const out: Partial<Record<FamilyName, SubjectFactory>> = {};
  for (const [family, factory] of Object.entries(factories) as [FamilyName, SubjectFactory][]) {
    out[family] = (config) => guardSubject(path, family, factory(config));
  }
  return out;
}

const isResult = Schema.is(Result);
const accessOps = new Set<number>(Object.values(AccessOp));

/**
 * A Subject whose code is checked as it runs: every yielded value must be an access to a word of
 * its memory, every returned value a result of the model's vocabulary, and `after` must return a
 * carry of int32 values. A break is a ModuleFailure naming the call and what it did.
 */
export function guardSubject(path: string, family: FamilyName, s: Subject<AnyCall, Result>): Subject<AnyCall, Result> {
  const where = (interp: number, call: AnyCall): string => `--impl ${path}: ${family} ${call._tag} in interp ${interp}`;
  function* guarded(interp: number, call: AnyCall, code: Code<Result>): Code<Result> {
    let input = 0;
    for (;;) {
      const step = code.next(input);
      if (step.done === true) {
        if (!isResult(step.value)) throw new ModuleFailure(`${where(interp, call)} returned ${showValue(step.value)}, which is not a result ({ _tag: "Ok", value } or { _tag: "Err", error })`);
        return step.value;
      }
      const a = step.value as Partial<Access> | null;
      if (typeof a !== "object" || a === null || !accessOps.has(a.op as number) || !Number.isInteger(a.addr) || (a.addr as number) < 0 || (a.addr as number) >= s.words || !isInt32(a.a) || !isInt32(a.b)) {
        throw new ModuleFailure(`${where(interp, call)} yielded ${showValue(step.value)}, which is not an access to one of its ${s.words} words (use the builders in interlock's memory module)`);
      }
      input = yield a as Access;
    }
  }
  // Methods are bound, not spread: a Subject may be a class instance whose methods live on its prototype.
  const guardedSubject: Subject<AnyCall, Result> = {
    name: s.name,
    words: s.words,
    start: (interp, call, carry) => {
      const code = s.start(interp, call, carry);
      if (typeof code !== "object" || code === null || typeof (code as { next?: unknown }).next !== "function") {
        throw new ModuleFailure(`${where(interp, call)}: start returned ${showValue(code)}, not a generator`);
      }
      return guarded(interp, call, code);
    },
  };
  const optional = guardedSubject as { -readonly [K in keyof Subject<AnyCall, Result>]?: Subject<AnyCall, Result>[K] };
  if (s.init) optional.init = s.init.bind(s);
  if (s.resolve) optional.resolve = s.resolve.bind(s);
  if (s.discipline) optional.discipline = s.discipline.bind(s);
  if (s.decode) optional.decode = s.decode.bind(s);
  if (s.wordNames) optional.wordNames = s.wordNames.bind(s);
  if (s.interpWords) optional.interpWords = s.interpWords;
  if (s.describeCall) optional.describeCall = s.describeCall.bind(s);
  if (s.after) {
    const after = s.after.bind(s);
    optional.after = (interp, call, result, carry) => {
      const next = after(interp, call, result, carry);
      if (!Array.isArray(next) || !next.every(isInt32)) throw new ModuleFailure(`${where(interp, call)}: after returned ${showValue(next)}, not an array of int32`);
      return next;
    };
  }
  return guardedSubject;
}


import { packOperations, type CheckRequest } from "./model-module.js";

/**
 * Runs `check-history --model` in a worker (model-check-worker.ts) with the limits of `--impl`
 * code: the user's model is code too, and may throw, loop or hog memory. Loading gets
 * `loadTimeoutMs`, the check its own safety net plus `JOB_GRACE_MS`. A module that cannot be
 * loaded or exports no model is a UsageError (exit 2); a model that throws, never returns from a
 * call or runs out of memory while checking is a ModuleFailure (exit 4, "the module under test
 * failed").
 */
export async function runModelCheck<T>(
  request: CheckRequest,
  loadMs: number,
  /** Stops the worker early (its promise then rejects with the signal's reason). */
  signal?: AbortSignal,
): Promise<T> {
  const path = request.modelPath;
  const script = moduleBeside(import.meta.url, "./model-check-worker");
  const packed = request.operations instanceof SharedArrayBuffer ? request : { ...request, operations: packOperations(request.operations) };
  const worker = new Worker(script, { workerData: packed, resourceLimits: implResourceLimits, stdout: true, stderr: true });
  worker.stdout.resume();
  worker.stderr.resume();
  try {
    return await new Promise<T>((resolve, reject) => {
      let timer = setTimeout(() => reject(new UsageError(`--model ${path}: the module did not finish loading within ${loadMs / 1000} s (a top-level await that never settles, or a loop at load time?)`)), loadMs);
      const checkMs = request.budget.timeMs + JOB_GRACE_MS;
      signal?.addEventListener("abort", () => reject(signal.reason));
      worker.on("message", (m: { loaded?: true; output?: T; usage?: string; failure?: string }) => {
        clearTimeout(timer);
        if (m.loaded) timer = setTimeout(() => reject(new ModuleFailure(`--model ${path}: the check did not finish within ${checkMs / 1000} s, its safety net plus ${JOB_GRACE_MS / 1000} s (a model call that never returns?); the worker was stopped`)), checkMs);
        else if (m.output !== undefined) resolve(m.output);
        else if (m.usage !== undefined) reject(new UsageError(m.usage));
        else reject(new ModuleFailure(m.failure ?? `--model ${path}: the worker answered nothing`));
      });
      worker.on("error", (e: Error & { code?: string }) => {
        clearTimeout(timer);
        reject(new ModuleFailure(`--model ${path}: ${e.code === "ERR_WORKER_OUT_OF_MEMORY" ? `the model ran out of memory (heap limit ${IMPL_HEAP_MB} MB)` : `the model failed (${oneLine(e.message)})`}`));
      });
      worker.on("exit", (code) => {
        clearTimeout(timer);
        reject(new ModuleFailure(`--model ${path}: the model ended its worker (exit code ${code})`));
      });
    });
  } finally {
    await worker.terminate();
  }
}
