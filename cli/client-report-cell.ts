/**
 * A scenario cell of a TypeScript client (the client contract, properties/scenarios/contract.ts) as
 * `verify --client` searches it and its reports show it:
 *   - every access a client hook makes (directly, or through the family's API and the wrapped
 *     library it calls) carries the hook's name as its `site`, so the report's swimlane says which
 *     hook of the client made each step (`— exec (Py_mod_exec)`);
 *   - a failure of the module under test (a hook that throws, yields a non-access, returns a
 *     malformed result) is a state, not an exception: the failing thread writes one extra word and
 *     the monitor stops there with the verdict "failed" — so the failure has a step, a schedule
 *     token and a swimlane, and `interlock replay` reproduces it like a counterexample.
 * The search is the matrix's (compare.ts `decideCell`): exhaustive with a state budget, then every
 * schedule with ≤ 2 preemptions.
 */
import { defaultConfig, type ModelConfig } from "../model/index.js";
import { store, type Access } from "../impl/memory.js";
import type { Program, Subject } from "../impl/subject.js";
import { wordNames as runtimeWordNames } from "../properties/judge/counterexample.js";
import { explore, type ExploreResult, type Hooks, type Strategy } from "../properties/explorer/index.js";
import { cellSubject } from "../properties/scenarios/cell.js";
import { ClientFailure, type ClientDefinition } from "../properties/scenarios/contract.js";
import { defaultMaxExhaustiveStates } from "../properties/scenarios/compare.js";
import { columnOf } from "../properties/scenarios/harness.js";
import { resources, type ClientWords, type ExtCall, type ExtResult } from "../properties/scenarios/library.js";
import type { Scenario } from "../properties/scenarios/scenarios.js";
import { oneLine } from "./impl-sandbox.js";

/** The "property" of a module failure in a report: not a hazard, the module under test itself failed. */
export const moduleFailed = "module-failed";
export const moduleFailedName = "the module under test runs to completion (no throw, no malformed result, no access outside its memory)";

/** Each hook's name in the swimlane: the client's name for it, then CPython's. */
const hookSites: Readonly<Record<string, string>> = {
  exec: "exec (Py_mod_exec)",
  free: "free (m_free)",
  globalInit: "globalInit (Py_mod_global_init)",
  globalExit: "globalExit (Py_mod_global_exit)",
  use: "use",
  acquire: "acquire",
  release: "release",
  library: "library",
};

/** Copies of `code`'s accesses that carry `site`, unless an inner hook named them already; `code` itself is passed through untouched. */
function sited(code: unknown, site: string): unknown {
  if (typeof code !== "object" || code === null || typeof (code as Iterator<unknown>).next !== "function") return code;
  const inner = code as Iterator<unknown, unknown, number>;
  return {
    next(v: number): IteratorResult<unknown, unknown> {
      const step = inner.next(v);
      if (step.done === true || typeof step.value !== "object" || step.value === null || "site" in step.value) return step;
      return { done: false, value: { ...step.value, site } };
    },
  };
}

/** The definition with every hook's accesses named by the hook (a hook that is not a generator is left for the harness to refuse). */
function withHookSites(d: ClientDefinition): ClientDefinition {
  const out: Record<string, unknown> = { ...d };
  for (const [hook, site] of Object.entries(hookSites)) {
    const fn = (d as unknown as Record<string, unknown>)[hook];
    if (typeof fn === "function") out[hook] = (...args: unknown[]) => sited((fn as (...a: unknown[]) => unknown).apply(d, args), site);
  }
  return out as unknown as ClientDefinition;
}

/** One scenario cell of a client, ready to search, replay and report. */
export interface ClientCell {
  readonly subject: Subject<ExtCall, ExtResult>;
  readonly programs: readonly Program<ExtCall>[];
  readonly hooks: Hooks<ExtCall, ExtResult>;
  readonly config: ModelConfig;
  /** A name per word of memory: the runtime's, the library's, the extension's statics. */
  readonly wordNames: readonly string[];
}

/** The message of a failure of the module under test, as `checkClient` words it. */
function failureText(e: unknown): string {
  if (e instanceof ClientFailure) return e.message;
  return oneLine(String((e as Error | undefined)?.message ?? e));
}

/** A thread's code whose throw becomes a write of failure `k` to `word` (then the call ends). */
function* failureAsState(code: Generator<Access, ExtResult, number>, word: number, record: (e: unknown) => number): Generator<Access, ExtResult, number> {
  let input = 0;
  for (;;) {
    let step: IteratorResult<Access, ExtResult>;
    try {
      step = code.next(input);
    } catch (e) {
      yield store(word, record(e));
      return { _tag: "Err", error: "ModuleFailed" };
    }
    if (step.done === true) return step.value;
    input = yield step.value;
  }
}

/** The names of the words a client cell adds after the family's own. */
function clientWordNames(w: ClientWords, names: string[]): void {
  const each = (what: string, at: readonly number[]): void => resources.forEach((r, k) => void (names[at[k] as number] = `${what}.${r}`));
  each("library", w.cur);
  each("library.allocations", w.allocs);
  each("client.count", w.count);
  each("client.handle", w.handle);
  Object.assign(names, { [w.inside]: "library.inside", [w.bad]: "library.misuse", [w.failsLeft]: "library.refusals", [w.lockLive]: "library.lock", [w.mutex.lock]: "client.mutex", [w.mutex.owner]: "client.mutex.owner" });
  for (const [n, at] of w.named) names[at] = `client.${n}`;
}

export function clientCell(d: ClientDefinition, scenario: Scenario): ClientCell {
  const c = cellSubject(columnOf(withHookSites(d)), scenario);
  const failWord = c.subject.words;
  const failures: string[] = [];
  const record = (e: unknown): number => {
    const text = failureText(e);
    if (!failures.includes(text)) failures.push(text);
    return failures.indexOf(text) + 1;
  };
  const subject: Subject<ExtCall, ExtResult> = { ...c.subject, words: failWord + 1, start: (interp, call, carry) => failureAsState(c.subject.start(interp, call, carry), failWord, record) };
  const failed = (mem: Int32Array) => {
    const k = mem[failWord] ?? 0;
    return k === 0 ? undefined : { property: moduleFailed, message: failures[k - 1] ?? "the module under test failed" };
  };
  // judged in every state, and at the end of every execution too (the word is sticky either way)
  const monitor: Hooks<ExtCall, ExtResult>["monitor"] = (s) => failed(s.mem) ?? c.hooks.monitor?.(s);
  const check: Hooks<ExtCall, ExtResult>["check"] = (e) => failed(e.memory) ?? c.hooks.check?.(e);
  const names = runtimeWordNames({ words: c.w.cur[0] as number, wordNames: () => c.impl.wordNames() });
  clientWordNames(c.w, names);
  names[failWord] = "interlock.moduleFailed";
  return { subject, programs: c.programs, hooks: { ...c.hooks, monitor, check }, config: defaultConfig, wordNames: names };
}

/** How a cell was decided: the deciding search, its strategy, and why the exhaustive one did not decide it. */
export interface CellSearch {
  readonly result: ExploreResult<ExtCall, ExtResult>;
  readonly strategy: "exhaustive" | "bounded";
  readonly fallback?: string;
  readonly maxStates: number;
}

const exhaustive: Strategy = { kind: "exhaustive", symmetry: "off" };
/** The bound of the fallback search: CHESS's observation that most bugs need ≤ 2 preemptions. */
const fallbackPreemptions = 2;

/** Decides a cell as the matrix does (see the file comment). */
export function searchCell(cell: ClientCell, maxStates = defaultMaxExhaustiveStates): CellSearch {
  const ex = explore(cell.subject, cell.programs, { ...cell.hooks, strategy: exhaustive, limits: { maxStates } });
  if (ex.verdict !== "unknown") return { result: ex, strategy: "exhaustive", maxStates };
  const bd = explore(cell.subject, cell.programs, { ...cell.hooks, strategy: { kind: "bounded", maxPreemptions: fallbackPreemptions } });
  return { result: bd, strategy: "bounded", fallback: `exhaustive search ${ex.limit?.message ?? "ran out of budget"}`, maxStates };
}
