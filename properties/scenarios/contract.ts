/**
 * THE CLIENT CONTRACT — how an extension author states *their own* extension code so interlock can
 * check it: the extension's hooks (module exec, m_free, the family's init/exit callbacks, module
 * functions), written as generators against a narrow API (the family's C calls, the wrapped C
 * library, the extension's statics and per-instance module state). interlock provides the CPython
 * around them (harness.ts): interpreters, several module instances, m_free after a failed exec,
 * interpreter end, runtime finalise and re-initialise, and the library monitor (library.ts).
 *
 * ```ts
 * import { defineClient, ok, fail, load, store } from "interlock";
 * export default defineClient({
 *   family: "static_mutex",
 *   *exec(x) { … yield* x.lock(); … return ok(); },
 *   *free(x) { … return ok(); },
 * });
 * ```
 * then `interlock verify --client my_ext.ts --family static_mutex`.
 *
 * Every hook yields the accesses of the memory protocol (`load`, `store`, `cas`, … from
 * `interlock/impl`) and returns `ok(value?)` or `fail(error)`. A hook that throws, yields something
 * that is not an access to the cell's memory, or returns anything else is a failure of the module
 * under test (`ClientFailure`), never a property counterexample.
 *
 * The contract is language-neutral on purpose: a hook is only "a generator of memory accesses that
 * returns ok/fail", and every service it uses (family calls, library, statics, module state, the
 * static mutex) is a call on `ClientApi`. A C client (cfront) can therefore be routed through the
 * same harness by compiling its `exec`, `m_free`, `global_init`/`global_exit` and module functions
 * to such generators and binding the C API it calls to `x.call`, `x.lib` and `x.statics`.
 */
import type { FamilyCall, FamilyName, Result } from "../../model/index.js";
import type { RuntimeCall } from "../../model/common.js";
import type { Code } from "../../impl/memory.js";
import type { Discipline } from "../../impl/subject.js";
import { extErr, extOk, resources, type ExtResult, type Res } from "./library.js";

/** A resource the extension manages through the wrapped library: the ODBC environment `henv`, two library extensions, a shared cache. */
export type Resource = Res;
/** The resources, in order. */
export const clientResources: readonly Resource[] = resources;

/** What a hook returns: `ok(value)` or `fail(error)`. */
export type HookResult = ExtResult;
/** A hook succeeded (a module function's return value, default 0). */
export const ok = (value = 0): HookResult => extOk(value);
/** A hook failed with `error` (an exec that fails is an ImportError; CPython then runs m_free, see `failedExec`). */
export const fail = (error: string): HookResult => extErr(error);

/** The value of a C call's result, or 0 when it failed (e.g. the key `PyRuntime_store_ensure` returned). */
export const okValue = (r: Result): number => (r._tag === "Ok" ? r.value : 0);

/** Each family's own C calls (the runtime calls — ending interpreters, finalising — are the harness's). */
export type FamilyCalls = { readonly [F in FamilyName]: Exclude<FamilyCall<F>, RuntimeCall> };

/**
 * The thread-unsafe C library the extension wraps (ODBC-like), watched by the monitor: `alloc`
 * while a handle is live is a double init (P1), `use` of an unset handle P1, of a freed one P2,
 * `free` of a stale handle P2, two interpreters inside `call` at once P9, a use of a destroyed lock P9.
 */
export interface WrappedLibrary {
  /** SQLAllocHandle: a fresh handle for resource r, or 0 when the library refuses (the init-failure workload). */
  alloc(r: Resource): Code<number>;
  /** SQLFreeHandle: frees handle h of r (it must be the live one). */
  free(r: Resource, h: number): Code<void>;
  /** A call using handle h of r (it must be set and live); returns h. */
  use(r: Resource, h: number): Code<number>;
  /** The thread-unsafe call: nobody else may be inside. */
  call(): Code<void>;
  /** PyThread_allocate_lock for a lock of the extension's own (module_slots' recipe: in global_init). */
  allocLock(): Code<void>;
  /** PyThread_free_lock of that lock. */
  destroyLock(): Code<void>;
  /** A use of that lock: it must exist. */
  useLock(): Code<void>;
}

/** The extension's per-instance module state (PyModule_GetState): int32 words its own interpreter reads and writes, zero in a new instance. */
export interface InstanceState {
  /** A word: a resource name (where registry families keep the index or key they got) or a name from `state`. */
  get(name: string): number;
  set(name: string, value: number): void;
}

/** The extension's statics as word addresses: its `static PyMutex`, a refcount and a handle per resource, and the words named in `statics`. */
export interface Statics {
  readonly mutex: { readonly lock: number; readonly owner: number };
  count(r: Resource): number;
  handle(r: Resource): number;
  /** A word named in the definition's `statics` (zero at process start; it survives runtime finalisation, as C statics do). */
  word(name: string): number;
}

/** What a hook can reach: its interpreter, the family's C API, the wrapped library, the statics, its instance's state. */
export interface ClientApi<F extends FamilyName = FamilyName> {
  /** The interpreter running the hook (1 is the main interpreter). */
  readonly interp: number;
  readonly isMain: boolean;
  /** A call of the family's C API, e.g. `PyThread_EnsureGlobalLock`. */
  call(c: FamilyCalls[F]): Code<Result>;
  readonly lib: WrappedLibrary;
  readonly statics: Statics;
  readonly state: InstanceState;
  /** PyMutex_Lock / PyMutex_Unlock of the extension's `static PyMutex`, as CPython shipped it: not recursive, so a holder's second lock waits for itself forever (a deadlock, P6). */
  lock(): Code<void>;
  unlock(): Code<void>;
}

/** The extension's hooks. `exec` and `free` are required; a module function left out is a workload the client cannot run. */
export interface ClientHooks<F extends FamilyName = FamilyName> {
  /** Py_mod_exec (for module_slots / refcounted_lock: including the import call the family makes, e.g. `PyModule_ExecDef`). */
  exec(x: ClientApi<F>): Code<HookResult>;
  /**
   * m_free: run by `unload`, by Py_EndInterpreter and Py_FinalizeEx for a live instance, and after a
   * failed exec (see `failedExec`). For module_slots and refcounted_lock — whose m_free makes the
   * family's `unload_module` / `mod_free` call — the runtime releases the instance itself at
   * interpreter end and finalisation, calling `globalExit` on the last one; there this hook runs on
   * `unload` and after a failed exec only.
   */
  free(x: ClientApi<F>): Code<HookResult>;
  /** module_slots' Py_mod_global_init, refcounted_lock's setup: run by the runtime on 0→1, under its lock (no family calls from here). Return false to fail it. */
  globalInit?(x: ClientApi<F>): Code<boolean>;
  /**
   * module_slots' Py_mod_global_exit, refcounted_lock's teardown: run by the runtime on 1→0, in
   * whichever interpreter dropped the last instance (`x.interp` is 0 there: the runtime does not say
   * which). Like globalInit it runs under the runtime's lock and may not call the family's API.
   */
  globalExit?(x: ClientApi<F>): Code<void>;
  /** A module function using resource r's handle. */
  use?(x: ClientApi<F>, r: Resource): Code<HookResult>;
  /** A module function that starts this instance's use of resource r (get-or-create). */
  acquire?(x: ClientApi<F>, r: Resource): Code<HookResult>;
  /** A module function that ends it. */
  release?(x: ClientApi<F>, r: Resource): Code<HookResult>;
  /** A module function calling into the thread-unsafe library. */
  library?(x: ClientApi<F>): Code<HookResult>;
}

/** A client: the family it is written against, its hooks, and what CPython must know about the module. */
export interface ClientDefinition<F extends FamilyName = FamilyName> extends ClientHooks<F> {
  readonly family: F;
  /** A name for reports (default `client`). */
  readonly name?: string;
  /** Names of the extension's own static words (flags, counters, pointers): `x.statics.word(name)`. */
  readonly statics?: readonly string[];
  /** Names of per-instance module-state words: `x.state.get(name)`. */
  readonly state?: readonly string[];
  /** Py_mod_multiple_interpreters: "not-supported" makes CPython refuse the import in a subinterpreter (default "supported"). */
  readonly multipleInterpreters?: "supported" | "not-supported";
  /**
   * What CPython does after a failed exec: "m_free" (multi-phase init, the default: the module
   * object is freed, so m_free runs on it) or "no-module" (single-phase init: no module object
   * exists, m_free never runs).
   */
  readonly failedExec?: "m_free" | "no-module";
  /** Sharing disciplines the code follows (e.g. a count only touched under the static mutex); the explorer checks them. */
  disciplines?(s: Statics): Iterable<readonly [number, Discipline]>;
}

/** A failure of the client under test: a hook threw, yielded a non-access, returned a malformed result, or the definition is malformed. */
export class ClientFailure extends Error {
  override readonly name = "ClientFailure";
}

const hookNames = ["exec", "free", "globalInit", "globalExit", "use", "acquire", "release", "library", "disciplines"] as const;
const wordName = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The problems of a client definition that can be seen without the family registry (empty when
 * none): hooks, word names, options. `definitionProblems` (definition.ts) adds the family's own —
 * it loads the models, which this module (in the package entry's light part) does not.
 */
export function shapeProblems(d: unknown): string[] {
  if (typeof d !== "object" || d === null) return [`a client definition must be an object, got ${d === null ? "null" : typeof d}`];
  const o = d as Record<string, unknown>;
  const out: string[] = [];
  for (const h of hookNames) {
    if (o[h] !== undefined && typeof o[h] !== "function") out.push(`"${h}" must be a generator function`);
  }
  if (typeof o["exec"] !== "function") out.push(`"exec" (Py_mod_exec) is required`);
  if (typeof o["free"] !== "function") out.push(`"free" (m_free) is required`);
  for (const key of ["statics", "state"] as const) {
    const names = o[key];
    if (names === undefined) continue;
    if (!Array.isArray(names) || !names.every((n) => typeof n === "string" && wordName.test(n))) out.push(`"${key}" must be an array of identifiers`);
    else if (new Set(names).size !== names.length) out.push(`"${key}" names a word twice`);
    else if (key === "state" && names.some((n) => (resources as readonly string[]).includes(n))) out.push(`"state" may not reuse a resource name (${resources.join(", ")}): those words exist already`);
  }
  if (o["name"] !== undefined && typeof o["name"] !== "string") out.push(`"name" must be a string`);
  if (o["multipleInterpreters"] !== undefined && o["multipleInterpreters"] !== "supported" && o["multipleInterpreters"] !== "not-supported") out.push(`"multipleInterpreters" must be "supported" or "not-supported"`);
  if (o["failedExec"] !== undefined && o["failedExec"] !== "m_free" && o["failedExec"] !== "no-module") out.push(`"failedExec" must be "m_free" or "no-module"`);
  return out;
}

/**
 * Declares a client: checks the definition's shape and returns it unchanged (typed), so that a
 * malformed one fails where it is written (its family is typed here, and checked against the
 * registry when the client is checked). Export the result (as `default` or `client`) from the
 * module you pass to `interlock verify --client`, or hand it to `checkClient`.
 */
export function defineClient<F extends FamilyName>(d: ClientDefinition<F>): ClientDefinition<F> {
  const problems = shapeProblems(d);
  if (problems.length > 0) throw new ClientFailure(`malformed client definition: ${problems.join("; ")}`);
  return d;
}
