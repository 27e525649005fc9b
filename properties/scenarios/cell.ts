/**
 * A cell of the matrix: one scenario run against one column's client code, as a Subject the
 * explorer drives, and its verdict.
 */
import { bit, defaultConfig, type AnyCall, type ModelConfig, type Result } from "../../model/index.js";
import { load, loopEnter, loopHead, wait } from "../../impl/memory.js";
import type { Program, Subject } from "../../impl/subject.js";
import type { Runtime } from "../../impl/runtime.js";
import { explore, replay, type ExploreResult, type Hooks, type Limits, type Strategy } from "../explorer/index.js";
import type { Client, Ctx } from "./column.js";
import { scenarioHooks } from "./cell-judge.js";
import { CARRY_IMPORTED, clientWords, countWordsKept, describeExtCall, emptyExtCarry, Library, type ClientWords, type ExtCall, type ExtResult } from "./library.js";
import type { Scenario } from "./scenarios.js";

export interface CellSubject {
  readonly subject: Subject<ExtCall, ExtResult>;
  readonly impl: Runtime<AnyCall>;
  readonly w: ClientWords;
  readonly programs: readonly Program<ExtCall>[];
  readonly hooks: Hooks<ExtCall, ExtResult>;
}

/** The operations that need a live module instance in the calling interpreter. */
const moduleCalls = new Set<ExtCall["_tag"]>(["unload", "use", "acquire", "release", "library"]);
const toExt = (r: Result, carry?: readonly number[]): ExtResult =>
  r._tag === "Ok" ? (carry === undefined ? { _tag: "Ok", value: r.value } : { _tag: "Ok", value: r.value, carry }) : { _tag: "Err", error: r.error };
const withImported = (carry: readonly number[], v: number): readonly number[] => carry.map((c, i) => (i === CARRY_IMPORTED ? v : c));

/**
 * The Subject of a cell. Its memory is the family's own, then the client words. Each extension
 * operation runs the column's client code; `end` and `finalize` run the instance's m_free first
 * where the family leaves m_free to the extension (registry families and the static baseline),
 * as CPython does when it frees an interpreter's modules.
 */
export function cellSubject(client: Client, scenario: Scenario, config: ModelConfig = defaultConfig): CellSubject {
  const statics = client.statics ?? [];
  const base = client.makeImpl(config, new Library(clientWords(0, statics)), clientWords(0, statics)).words;
  const w = clientWords(base, statics);
  const empty = client.carryLength === undefined ? emptyExtCarry : new Array<number>(client.carryLength).fill(0);
  const lib = new Library(w, scenario.failFirstInit === true);
  const impl = client.makeImpl(config, lib, w);
  const rules = new Map([...impl.disciplines(), ...client.disciplines(w)]);

  /** Subinterpreters whose program ends them: the embedding application's threads for them. */
  const ending = scenario.programs.reduce((m, calls, i) => (calls.some((c) => c._tag === "end") ? m | bit(i + 1) : m), 0);

  /**
   * An embedding application joins the threads running its subinterpreters before it calls
   * Py_FinalizeEx (as CPython's own wait_for_thread_shutdown joins the main interpreter's threads):
   * Py_FinalizeEx itself no longer waits for them, it ends the ones still alive (model/README.md D3).
   */
  function* joinSubinterpreters(): Generator<import("../../impl/memory.js").Access, void, number> {
    yield loopEnter(impl.rt.alive);
    for (;;) {
      yield loopHead(impl.rt.alive, 0);
      const alive = yield load(impl.rt.alive);
      if ((alive & ending) === 0) break;
      yield wait(impl.rt.alive, alive);
    }
    yield loopHead(impl.rt.alive, 1);
  }

  function* run(interp: number, call: ExtCall, given: readonly number[]): Generator<import("../../impl/memory.js").Access, ExtResult, number> {
    const carry = given.length === 0 ? empty : given;
    const x: Ctx = { interp, lib, w, carry, api: (c) => impl.call(interp, c) };
    // No module object, no module functions: an interpreter whose import failed (or never ran) gets an ImportError.
    if (moduleCalls.has(call._tag) && carry[CARRY_IMPORTED] !== 1) return { _tag: "Err", error: "NotImported" };
    switch (call._tag) {
      case "import": {
        // Python code that catches the ImportError and imports again: one retry.
        let r = yield* client.ops.import(x, call);
        if (r._tag === "Err" && lib.failing) r = yield* client.ops.import(x, call);
        return r._tag === "Ok" ? { ...r, carry: withImported(r.carry ?? carry, 1) } : r;
      }
      case "unload": {
        const r = yield* client.ops.unload(x, call);
        return r._tag === "Ok" ? { ...r, carry: withImported(r.carry ?? carry, 0) } : r;
      }
      case "end":
      case "finalize": {
        if (call._tag === "finalize") yield* joinSubinterpreters();
        if (!client.runtimeRunsUnload && carry[CARRY_IMPORTED] === 1) yield* client.ops.unload(x, { _tag: "unload" });
        const r = yield* impl.call(interp, { _tag: call._tag === "end" ? "Py_EndInterpreter" : "Py_FinalizeEx" });
        return toExt(r, withImported(carry, 0));
      }
      case "initialize":
        return toExt(yield* impl.call(interp, { _tag: "Py_Initialize" }));
      case "use":
        return yield* client.ops.use(x, call);
      case "acquire":
        return yield* client.ops.acquire(x, call);
      case "release":
        return yield* client.ops.release(x, call);
      case "library":
        return yield* client.ops.library(x, call);
    }
  }

  const subject: Subject<ExtCall, ExtResult> = {
    name: `${client.column}/${scenario.id}`,
    words: base + w.words,
    init: (mem) => {
      impl.initMemory(mem);
      mem[impl.rt.alive] = (1 << config.interpreters) - 1;
      if (lib.failing) mem[w.failsLeft] = 1;
    },
    start: (interp, call, carry) => run(interp, call, carry),
    after: (_interp, _call, result, carry) => (result._tag === "Ok" && result.carry !== undefined ? result.carry : carry),
    discipline: (addr) => rules.get(addr),
    describeCall: describeExtCall,
  };
  const programs = scenario.programs.map((calls, i) => ({ interp: i + 1, calls }));
  return { subject, impl, w, programs, hooks: scenarioHooks(scenario, client.family, impl, w, { refusesSubinterpreters: client.refusesSubinterpreters === true, ...keptCountsOf(client, w, subject, programs) }) };
}

/** Executions of the pre-pass that finds the count words a client keeps (library.ts `countWordsKept`). */
const KEPT_COUNT_PROBES = 16;

/** For a client run through the contract's harness: the count words its code touches in a few seeded random executions of the cell. */
function keptCountsOf(client: Client, w: ClientWords, subject: Subject<ExtCall, ExtResult>, programs: readonly Program<ExtCall>[]): { keptCounts?: ReadonlySet<number> } {
  if (client.observesAccesses !== true) return {};
  return { keptCounts: countWordsKept(w, () => explore(subject, programs, { strategy: { kind: "random", runs: KEPT_COUNT_PROBES, seed: 1 } })) };
}

/** The exhaustive search of a cell (symmetry off: every family's mutexes store interp ids into owner words). */
export const cellStrategy: Strategy = { kind: "exhaustive", symmetry: "off" };

export function exploreCell(client: Client, scenario: Scenario, limits?: Partial<Limits>): ExploreResult<ExtCall, ExtResult> {
  const c = cellSubject(client, scenario);
  return explore(c.subject, c.programs, { ...c.hooks, strategy: cellStrategy, ...(limits ? { limits } : {}) });
}

/** Replays a cell's counterexample token under the same hooks. */
export function replayCell(client: Client, scenario: Scenario, token: string) {
  const c = cellSubject(client, scenario);
  return replay(c.subject, c.programs, token, c.hooks);
}
