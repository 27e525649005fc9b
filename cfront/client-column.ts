/**
 * An extension written in C as a client definition (properties/scenarios/contract.ts): the same
 * contract TypeScript clients use, so a C extension runs in every scenario against any family
 * through the same harness (harness.ts: CPython's import, m_free after a failed exec, interpreter
 * end, finalisation) and is judged by the same judge.
 *
 * The contract's hooks are the C file's exports (include/interlock.h, "An extension in C"):
 *   exec        Py_mod_exec(interp): 0, or -1 when the import fails; module_slots and
 *               refcounted_lock may leave it out: the import is then the family's own call
 *               (PyModule_ExecDef / mod_init)
 *   free        m_free(interp); likewise left out: unload_module / mod_free
 *   globalInit  Py_mod_global_init(): 0, or -1 when it fails     (module_slots, refcounted_lock)
 *   globalExit  Py_mod_global_exit()
 *   use         use_resource(interp, r), or use_henv(interp) for henv only
 *   acquire     acquire_resource(interp, r): 0, or -1 when it fails
 *   release     release_resource(interp, r)
 *   library     call_library(interp)
 * with r the resource's number (IL_henv 0, IL_ext1 1, IL_ext2 2, IL_cache 3). The C file's globals
 * are the client's statics (`c_<name>` words), so the explorer owns them; the wrapped library
 * (`il_library_*`) is `x.lib`, and the family's API (`il_api`, behind PyThread_EnsureGlobalLock,
 * PyRuntime_store_* …) is `x.call`, each a suspension point of the C thread.
 */
import { Either, Schema } from "effect";
import { defs, ErrorCode, familyNames, models, names, profiles, type AnyCall, type Def, type FamilyName, type Name, type Result } from "../model/index.js";
import { store, type Access, type Code } from "../impl/memory.js";
import { clientResources, ClientFailure, fail, ok, type ClientApi, type ClientDefinition, type HookResult, type Resource } from "../properties/scenarios/contract.js";
import type { CompiledC } from "./compile.js";
import { callFlags, callTags } from "./family.js";
import { CInstance, type ApiCalls, type CReturn, type HostCalls } from "./runtime.js";

/** The exports a C client defines, by contract hook. */
export const cHooks = {
  exec: "Py_mod_exec",
  free: "m_free",
  globalInit: "Py_mod_global_init",
  globalExit: "Py_mod_global_exit",
  use: "use_resource",
  useHenv: "use_henv",
  acquire: "acquire_resource",
  release: "release_resource",
  library: "call_library",
} as const;

/** The static word where a C trap is recorded (its message's number + 1): the cell's monitor reports it. */
export const TRAP_WORD = "c_trap";

/** A C client: its definition, the instance it runs on, and where its globals live. */
export interface CClient {
  readonly definition: ClientDefinition;
  readonly instance: CInstance;
  /** The static words holding the C globals, in order (word i of the C file is `cStatics[i]`). */
  readonly cStatics: readonly string[];
  /** Trap messages by number (the trap word holds number + 1). */
  readonly traps: readonly string[];
}

/** The family a C file declares with IL_FAMILY(name), if it does. */
export function declaredFamily(compiled: CompiledC): FamilyName | undefined {
  const found = compiled.globals.map((g) => /^__il_family__(\w+)$/.exec(g.name)?.[1]).filter((n): n is string => n !== undefined);
  if (found.length > 1) throw new Error(`${compiled.file} declares IL_FAMILY more than once (${found.join(", ")}): declare the one family it is written against`);
  const f = found[0];
  if (f === undefined) return undefined;
  if (!familyNames.includes(f as FamilyName)) throw new Error(`${compiled.file} declares IL_FAMILY(${f}); choose one of ${familyNames.join(", ")}`);
  return f as FamilyName;
}

/** A static word name for each C word (`c_henv`, `c_idx_1`), unique. */
function staticNames(wordNames: readonly string[]): string[] {
  const seen = new Set<string>();
  return wordNames.map((n) => {
    let name = `c_${n.replace(/[^A-Za-z0-9_]/g, "_").replace(/_+$/, "")}`;
    while (seen.has(name) || name === TRAP_WORD) name += "_";
    seen.add(name);
    return name;
  });
}

/** The model's def a PyModuleDef pointer names (its m_name), or the first def for a null pointer. */
function defAt(inst: CInstance, p: number): Def {
  if (p === 0) return defs[0] as Def;
  const name = inst.cString(inst.wordAt(p));
  if (!(defs as readonly string[]).includes(name)) throw new ClientFailure(`a PyModuleDef whose m_name is "${name}": interlock's model knows the defs ${defs.join(", ")}`);
  return name as Def;
}

function nameAt(inst: CInstance, p: number): Name {
  const name = inst.cString(p);
  if (!(names as readonly string[]).includes(name)) throw new ClientFailure(`a global lock or store name "${name}": interlock's model knows ${names.join(", ")}`);
  return name as Name;
}

/**
 * A global lock as C holds it: the index with its def and name folded in above it (index + 2²⁰ ×
 * (1 + 16 × def + name); an index is 1 + slot + 256 × generation, model/common.ts), so `PyThread_acquire_lock(lock, …)` names the lock the way the model's call does
 * (def, name, index) without interlock keeping anything per thread.
 */
const HANDLE_SHIFT = 20;
const lockHandle = (index: number, def: Def, name: Name): number => (index & ((1 << HANDLE_SHIFT) - 1)) + (1 + 16 * defs.indexOf(def) + names.indexOf(name)) * (1 << HANDLE_SHIFT);
function fromHandle(handle: number): { readonly index: number; readonly def?: Def; readonly name?: Name } {
  if (handle < 1 << HANDLE_SHIFT) return { index: handle };
  const k = (handle >> HANDLE_SHIFT) - 1;
  const def = defs[k >> 4];
  const name = names[k & 15];
  return def === undefined || name === undefined ? { index: handle } : { index: handle & ((1 << HANDLE_SHIFT) - 1), def, name };
}

/** A family call from il_api's arguments, checked by the family's own schema (it drops fields the call has not). */
function decodeCall(inst: CInstance, family: FamilyName, args: readonly number[]): AnyCall {
  const [tag = -1, defP = 0, nameP = 0, given = 0, value = 0, flags = 0] = args;
  const _tag = callTags[tag];
  if (_tag === undefined) throw new ClientFailure(`il_api called with tag ${tag}, which names no call (include/interlock.h IL_<call>)`);
  const f = callFlags;
  const handleCalls = profiles[family].lockHandleCalls;
  const held = handleCalls !== undefined ? fromHandle(given) : { index: given };
  let ref: { def: Def; name?: Name } = { def: held.def ?? defAt(inst, defP) };
  if (nameP !== 0) ref = { ...ref, name: nameAt(inst, nameP) };
  else if (held.name !== undefined) ref = { ...ref, name: held.name };
  else if (handleCalls?.includes(_tag) === true) {
    throw new ClientFailure(`${_tag}(${given}): that is not a lock PyThread_EnsureGlobalLock or PyThread_GetGlobalLock returned`);
  }
  const index = held.index;
  const candidate = {
    _tag,
    ...ref,
    index,
    key: index,
    value,
    owner: (flags & f.OWNER_INTERP) !== 0 ? "interp" : "raw",
    initFails: (flags & f.INIT_FAILS) !== 0,
    setupFails: (flags & f.INIT_FAILS) !== 0,
    execFails: (flags & f.EXEC_FAILS) !== 0,
    initImportsSelf: (flags & f.INIT_IMPORTS_SELF) !== 0,
  };
  const decoded = Schema.decodeUnknownEither(models[family].Call as Schema.Schema<AnyCall>)(candidate);
  if (Either.isLeft(decoded)) throw new ClientFailure(`${_tag} is not a call of the ${family} family (or its arguments are out of range)`);
  return decoded.right;
}

/** A family result as C sees it: the value, or IL_ERR(code). */
const cResult = (r: Result): number => (r._tag === "Ok" ? r.value : -1 - ErrorCode.literals.indexOf(r.error));

/** The resource of il_library_init / fini / use: the henv handle. */
const libraryResource: Resource = "henv";
/** The resource numbered r (IL_RES_*) in il_library_resource_* calls. */
function resourceOf(r: number): Resource {
  const res = clientResources[r];
  if (res === undefined) throw new ClientFailure(`il_library_*_res called with resource ${r}: the resources are 0..${clientResources.length - 1} (IL_RES_henv … IL_RES_cache)`);
  return res;
}

/**
 * Makes a C extension a client definition for `family`. Throws an Error (a usage problem) when the
 * file lacks an export the family needs.
 */
export function cClient(compiled: CompiledC, family: FamilyName): CClient {
  const inst = new CInstance(compiled);
  const cStatics = staticNames(inst.wordNames);
  const traps: string[] = [];
  const callbacks = profiles[family].extensionCallbacks;
  const lifecycle = callbacks !== undefined;
  const callbackFamilies = familyNames.filter((f) => profiles[f].extensionCallbacks !== undefined);
  if (!inst.has(cHooks.exec) && !lifecycle) throw new Error(`${compiled.file} exports no ${cHooks.exec}, which ${family} needs (include/interlock.h, "An extension in C")`);
  if (!inst.has(cHooks.free) && !lifecycle) throw new Error(`${compiled.file} exports no ${cHooks.free}, which ${family} needs (include/interlock.h, "An extension in C")`);
  if (!lifecycle && (inst.has(cHooks.globalInit) || inst.has(cHooks.globalExit))) {
    throw new Error(`${compiled.file} exports ${cHooks.globalInit}/${cHooks.globalExit}, callbacks only ${callbackFamilies.join(" and ")} have: check it with --family ${callbackFamilies.join(" (or ")}${callbackFamilies.length > 1 ? ")" : ""}`);
  }

  /** Runs an export in x's interpreter: C globals placed at the statics, library and API calls bound to x. */
  function* run(x: ClientApi, entry: string, args: readonly number[]): Code<CReturn> {
    const base = cStatics.length === 0 ? 0 : x.statics.word(cStatics[0] as string);
    const host: HostCalls = function* (op, arg) {
      switch (op) {
        case 0:
          return yield* x.lib.alloc(libraryResource);
        case 1:
          yield* x.lib.free(libraryResource, arg);
          return 0;
        case 2:
          return yield* x.lib.use(libraryResource, arg);
        case 3:
          yield* x.lib.call();
          return 0;
        case 4:
          return yield* x.lib.alloc(resourceOf(arg));
        case 5:
          yield* x.lib.free(resourceOf(arg & 7), arg >> 3);
          return 0;
        default:
          return yield* x.lib.use(resourceOf(arg & 7), arg >> 3);
      }
    };
    const api: ApiCalls = {
      *call(a) {
        const call = decodeCall(inst, family, a);
        const r = yield* x.call(call as never);
        const c = call as { def?: Def; name?: Name };
        if (r._tag === "Ok" && c.def !== undefined && c.name !== undefined && (call._tag === "PyThread_EnsureGlobalLock" || call._tag === "PyThread_GetGlobalLock")) return lockHandle(r.value, c.def, c.name);
        return cResult(r);
      },
      name: (tag) => callTags[tag] ?? `family call ${tag}`,
    };
    const code = inst.run(entry, args, host, api);
    let step = code.next();
    while (!step.done) {
      const a = step.value as Access & { readonly host?: boolean };
      step = code.next(yield a.host === true ? a : { ...a, addr: a.addr + base });
    }
    const r = step.value;
    if (!r.ok) {
      let n = traps.indexOf(r.trap);
      if (n < 0) n = traps.push(r.trap) - 1;
      yield store(x.statics.word(TRAP_WORD), n + 1);
    }
    return r;
  }
  /** An export returning 0 / -1 as a hook result. */
  function* status(x: ClientApi, entry: string, args: readonly number[], error: string): Code<HookResult> {
    const r = yield* run(x, entry, args);
    if (!r.ok) return fail(`C trap: ${r.trap}`);
    return r.value < 0 ? fail(error) : ok(r.value);
  }
  const fromApi = (r: Result): HookResult => (r._tag === "Ok" ? ok(r.value) : fail(r.error));
  const resNo = (r: Resource): number => clientResources.indexOf(r);

  const d: ClientDefinition = {
    family,
    name: compiled.file,
    statics: [...cStatics, TRAP_WORD],
    ...(lifecycle && !inst.has(cHooks.exec) ? { failedExec: "no-module" as const } : {}),
    *exec(x) {
      if (inst.has(cHooks.exec)) return yield* status(x, cHooks.exec, [x.interp], "ImportError");
      return fromApi(yield* x.call(callbacks!.exec("odbc") as never));
    },
    *free(x) {
      if (inst.has(cHooks.free)) return yield* status(x, cHooks.free, [x.interp], "m_free failed");
      return fromApi(yield* x.call(callbacks!.free("odbc") as never));
    },
    ...(inst.has(cHooks.globalInit)
      ? {
          *globalInit(x: ClientApi) {
            const r = yield* run(x, cHooks.globalInit, []);
            return r.ok && r.value >= 0;
          },
        }
      : {}),
    ...(inst.has(cHooks.globalExit)
      ? {
          *globalExit(x: ClientApi) {
            yield* run(x, cHooks.globalExit, []);
          },
        }
      : {}),
    ...(inst.has(cHooks.use) || inst.has(cHooks.useHenv)
      ? {
          *use(x: ClientApi, r: Resource) {
            if (inst.has(cHooks.use)) return yield* status(x, cHooks.use, [x.interp, resNo(r)], "use failed");
            if (r !== "henv") throw new ClientFailure(`${compiled.file} exports only use_henv, and the scenario uses ${r}: export use_resource(interp, r)`);
            return yield* status(x, cHooks.useHenv, [x.interp], "use failed");
          },
        }
      : {}),
    ...(inst.has(cHooks.acquire) ? { *acquire(x: ClientApi, r: Resource) { return yield* status(x, cHooks.acquire, [x.interp, resNo(r)], "InitFailed"); } } : {}),
    ...(inst.has(cHooks.release) ? { *release(x: ClientApi, r: Resource) { return yield* status(x, cHooks.release, [x.interp, resNo(r)], "release failed"); } } : {}),
    ...(inst.has(cHooks.library) ? { *library(x: ClientApi) { return yield* status(x, cHooks.library, [x.interp], "call failed"); } } : {}),
  };
  return { definition: d, instance: inst, cStatics, traps };
}
