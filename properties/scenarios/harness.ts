/**
 * The harness side of the client contract (contract.ts): turns a `ClientDefinition` into a column
 * of the scenario matrix — the family's implementation with the client's init/exit callbacks, and
 * the extension operations (import, unload, use, acquire, release, library) as the client's hooks
 * run the way CPython runs them:
 *   - an import makes a new module instance with zeroed state; Py_mod_multiple_interpreters
 *     "not-supported" refuses it in a subinterpreter; after a failed exec CPython frees the module,
 *     so m_free runs (multi-phase init) unless the client says single-phase ("no-module");
 *   - every hook is guarded: what it yields must be an access, what it returns `ok(…)`/`fail(…)`;
 *     anything else, or a throw, is a `ClientFailure` naming the hook and the interpreter.
 * cell.ts adds the rest: module functions only on a live instance, m_free at interpreter end and
 * runtime finalisation, the library's refusal and the import retry, the monitor.
 */
import { implProfiles } from "../../impl/index.js";
import type { Runtime } from "../../impl/runtime.js";
import { AccessOp, type Access, type Code } from "../../impl/memory.js";
import { PyMutex_Unlock, StaticPyMutex_Lock } from "../../impl/pymutex.js";
import type { Discipline } from "../../impl/subject.js";
import { profiles, type AnyCall, type Def, type FamilyName, type ModelConfig, type Result } from "../../model/index.js";
import { isInt32, showValue } from "../io/module-values.js";
import type { ImportOpLike } from "./client_support.js";
import type { Client, Ctx } from "./column.js";
import { ClientFailure, type ClientApi, type ClientDefinition, type FamilyCalls, type HookResult, type InstanceState, type Statics } from "./contract.js";
import { CARRY_IMPORTED, noteClientAccess, resIndex, resources, type ClientWords, type ExtResult, type Library, type Res } from "./library.js";

/** What the matrix shows about a column besides its code. */
export interface ColumnInfo {
  readonly column?: string;
  readonly naive?: boolean;
  readonly mistake?: string;
}

/** The error a refused subinterpreter import returns (Py_mod_multiple_interpreters not supported). */
export const NOT_IN_SUBINTERPRETERS = "ImportError: not supported in subinterpreters";

const accessOps = new Set<number>(Object.values(AccessOp));

/** Runs a hook's code, checking each yielded access and (when `check` is given) the returned value. */
function* guarded<R>(where: string, w: ClientWords, start: () => unknown, check?: (r: unknown) => string | undefined): Code<R> {
  let code: Iterator<unknown, unknown, number>;
  try {
    code = start() as Iterator<unknown, unknown, number>;
  } catch (e) {
    throw failure(where, e);
  }
  if (typeof code !== "object" || code === null || typeof code.next !== "function") throw new ClientFailure(`${where} returned ${showValue(code)}, not a generator (write it as function*)`);
  let input = 0;
  for (;;) {
    let step: IteratorResult<unknown, unknown>;
    try {
      step = code.next(input);
    } catch (e) {
      throw failure(where, e);
    }
    if (step.done === true) {
      const problem = check?.(step.value);
      if (problem !== undefined) throw new ClientFailure(`${where} returned ${showValue(step.value)}: ${problem}`);
      return step.value as R;
    }
    const a = step.value as Partial<Access> | null;
    if (typeof a !== "object" || a === null || !accessOps.has(a.op as number) || !Number.isInteger(a.addr) || !isInt32(a.a) || !isInt32(a.b)) {
      throw new ClientFailure(`${where} yielded ${showValue(step.value)}, which is not a memory access (yield* the API's calls; yield load/store/… from interlock/impl)`);
    }
    if ((a.addr as number) < 0 || (a.addr as number) >= w.end) {
      throw new ClientFailure(`${where} accessed word ${a.addr as number}, outside the ${w.end} words of memory (use the addresses x.statics gives)`);
    }
    noteClientAccess(w, a.addr as number);
    input = yield a as Access;
  }
}

function failure(where: string, e: unknown): ClientFailure {
  if (e instanceof ClientFailure) return e;
  return new ClientFailure(`${where} threw: ${(e instanceof Error ? e.message : String(e)).split("\n")[0]}`);
}

const checkResult = (r: unknown): string | undefined => {
  const o = r as Partial<{ _tag: string; value: unknown; error: unknown }> | null;
  if (typeof o !== "object" || o === null) return "a hook must return ok(value) or fail(error)";
  if (o._tag === "Ok" && isInt32(o.value)) return undefined;
  if (o._tag === "Err" && typeof o.error === "string" && o.error !== "") return undefined;
  return "a hook must return ok(value) with an int32 value, or fail(error) with a non-empty message";
};
const checkBoolean = (r: unknown): string | undefined => (r === true || r === false || r === undefined ? undefined : "globalInit must return true, false or nothing");

/** The carry (thread-local module state) layout: per resource an index or key, IMPORTED, then the client's `state` words. */
export function carryLength(d: ClientDefinition): number {
  return CARRY_IMPORTED + 1 + (d.state?.length ?? 0);
}

function staticsOf(d: ClientDefinition, w: ClientWords): Statics {
  return {
    mutex: w.mutex,
    count: (r) => w.count[resIndex(r)] as number,
    handle: (r) => w.handle[resIndex(r)] as number,
    word: (name) => {
      const at = w.named.get(name);
      if (at === undefined) throw new ClientFailure(`the client uses static "${name}", which its definition's "statics" does not declare (${d.statics?.join(", ") || "none"})`);
      return at;
    },
  };
}

/** An instance state over a copy of the carry; `carry()` is what to keep when the hook returns. */
function instanceState(d: ClientDefinition, from: readonly number[]): InstanceState & { carry(): readonly number[] } {
  const words = [...from];
  const slot = (name: string): number => {
    const r = resources.indexOf(name as Res);
    if (r >= 0) return r;
    const k = d.state?.indexOf(name) ?? -1;
    if (k < 0) throw new ClientFailure(`the client uses module state "${name}", which is neither a resource (${resources.join(", ")}) nor declared in "state"`);
    return CARRY_IMPORTED + 1 + k;
  };
  return {
    get: (name) => words[slot(name)] ?? 0,
    set: (name, value) => {
      if (!isInt32(value)) throw new ClientFailure(`module state "${name}" set to ${showValue(value)}, not an int32`);
      words[slot(name)] = value;
    },
    carry: () => words,
  };
}

const noState: InstanceState = {
  get: (name) => {
    throw new ClientFailure(`global_init/global_exit read module state "${name}": the family's callbacks run for the def, not for an instance`);
  },
  set: (name) => {
    throw new ClientFailure(`global_init/global_exit wrote module state "${name}": the family's callbacks run for the def, not for an instance`);
  },
};

function apiOf<F extends FamilyName>(d: ClientDefinition<F>, interp: number, lib: Library, w: ClientWords, state: InstanceState, call: (c: AnyCall) => Code<Result>): ClientApi<F> {
  return {
    interp,
    isMain: interp === 1,
    call: (c: FamilyCalls[F]) => call(c),
    lib,
    statics: staticsOf(d, w),
    state,
    *lock() {
      yield* StaticPyMutex_Lock(w.mutex.lock, w.mutex.owner, interp);
    },
    *unlock() {
      yield* PyMutex_Unlock(w.mutex.lock, w.mutex.owner, interp);
    },
  };
}

/** The family's implementation with the client's global_init / global_exit (setup / teardown) run by the runtime. */
function familyRuntime(d: ClientDefinition, config: ModelConfig, lib: Library, w: ClientWords): Runtime<AnyCall> {
  const hooks = { d, lib, w };
  const runtime = implProfiles[d.family].runtime;
  if (runtime === undefined) throw new ClientFailure(`${d.family} has no runtime for scenario clients (its implementation profile gives none)`);
  return runtime(config, {
    globalInit: (interp, o, base) => runGlobalInit(hooks, interp, o, base),
    globalExit: (def, base) => runGlobalExit(hooks, def, base),
  });
}

type Hooks = { readonly d: ClientDefinition; readonly lib: Library; readonly w: ClientWords };
/** The family's API is not for its own callbacks (the runtime holds its locks around them). */
const noCalls = (what: string) => (c: AnyCall): Code<Result> => {
  throw new ClientFailure(`${what} called ${c._tag}: the family's callbacks run under the runtime's locks and may not call its API`);
};

/** global_init: the client's callback first (false = it failed, and the runtime's part never runs), then the runtime's own. */
function* runGlobalInit(h: Hooks, interp: number, o: ImportOpLike, base: (i: number, op: ImportOpLike) => Code<string | undefined>): Code<"InitFailed" | undefined> {
  if (h.d.globalInit !== undefined) {
    const x = apiOf(h.d, interp, h.lib, h.w, noState, noCalls("globalInit"));
    const fn = h.d.globalInit;
    const done = yield* guarded<boolean | undefined>(`${h.d.name ?? "client"} globalInit in interp ${interp}`, h.w, () => fn.call(h.d, x), checkBoolean);
    if (done === false) return "InitFailed";
  }
  return (yield* base(interp, { ...o, initFails: false })) === undefined ? undefined : "InitFailed";
}

/** global_exit: the client's callback, then the runtime's own. Runs in whichever interpreter drops the last instance (its id is not known here: 0). */
function* runGlobalExit(h: Hooks, def: Def, base: (def: Def) => Code<void>): Code<void> {
  if (h.d.globalExit !== undefined) {
    const x = apiOf(h.d, 0, h.lib, h.w, noState, noCalls("globalExit"));
    const fn = h.d.globalExit;
    yield* guarded<void>(`${h.d.name ?? "client"} globalExit`, h.w, () => fn.call(h.d, x));
  }
  yield* base(def);
}

type OpName = "exec" | "free" | "use" | "acquire" | "release" | "library";

/** Runs one hook in `x`'s interpreter over a copy of its module state; returns the result with the state to keep. */
function* runHook(d: ClientDefinition, op: OpName, x: Ctx, from: readonly number[], res?: Res): Code<ExtResult> {
  const state = instanceState(d, from);
  const api = apiOf(d, x.interp, x.lib, x.w, state, x.api);
  const where = `${d.name ?? "client"} ${op === "exec" ? "exec" : op === "free" ? "free (m_free)" : `${op}${res === undefined ? "" : `(${res})`}`} in interp ${x.interp}`;
  const fn = d[op] as ((x: ClientApi, r?: Res) => Code<HookResult>) | undefined;
  if (fn === undefined) throw new ClientFailure(`${where}: the client has no "${op}" hook, and the workload calls it`);
  const r = yield* guarded<HookResult>(where, x.w, () => fn.call(d, api, res), checkResult);
  return r._tag === "Ok" ? { _tag: "Ok", value: r.value, carry: state.carry() } : r;
}

/** An import: refused in a subinterpreter when the module says so; a new instance (zeroed state) runs exec; a failed exec is freed. */
function* runImport(d: ClientDefinition, x: Ctx): Code<ExtResult> {
  if (d.multipleInterpreters === "not-supported" && x.interp !== 1) return { _tag: "Err", error: NOT_IN_SUBINTERPRETERS };
  const fresh = new Array<number>(carryLength(d)).fill(0);
  const state = instanceState(d, fresh);
  const api = apiOf(d, x.interp, x.lib, x.w, state, x.api);
  const where = `${d.name ?? "client"} exec in interp ${x.interp}`;
  const r = yield* guarded<HookResult>(where, x.w, () => d.exec.call(d, api), checkResult);
  if (r._tag === "Ok") return { _tag: "Ok", value: r.value, carry: state.carry() };
  if (d.failedExec !== "no-module") yield* runHook(d, "free", x, state.carry());
  return r;
}

/** The column a client definition becomes: its family's implementation, its hooks as the extension operations. */
export function columnOf(d: ClientDefinition, info: ColumnInfo = {}): Client {
  const disciplines = (w: ClientWords): ReadonlyMap<number, Discipline> => {
    const rules = new Map<number, Discipline>([[w.mutex.owner, "owner"]]);
    for (const [addr, rule] of d.disciplines?.call(d, staticsOf(d, w)) ?? []) rules.set(addr, rule);
    return rules;
  };
  return {
    column: info.column ?? d.name ?? "client",
    family: d.family,
    naive: info.naive ?? false,
    mistake: info.mistake ?? "",
    statics: d.statics ?? [],
    carryLength: carryLength(d),
    refusesSubinterpreters: d.multipleInterpreters === "not-supported",
    observesAccesses: true,
    makeImpl: (config, lib, w) => familyRuntime(d, config, lib, w),
    runtimeRunsUnload: profiles[d.family].extensionCallbacks !== undefined,
    provides: (op) => op === "import" || op === "unload" || d[op] !== undefined,
    ops: {
      import: (x) => runImport(d, x),
      unload: (x) => runHook(d, "free", x, x.carry),
      use: (x, c) => runHook(d, "use", x, x.carry, c.res),
      acquire: (x, c) => runHook(d, "acquire", x, x.carry, c.res),
      release: (x, c) => runHook(d, "release", x, x.carry, c.res),
      library: (x) => runHook(d, "library", x, x.carry),
    },
    disciplines,
  };
}
