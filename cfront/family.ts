/**
 * Way (b): an API family implemented in C, as an ordinary `Subject` (impl/subject.ts), so it is
 * explored and judged for agreement with the model exactly like a TypeScript implementation
 * passed with `--impl`.
 *
 * The C file exports one entry per family it implements,
 *
 *     int il_<family>(int interp, int tag, int def, int flags, int interpreters, int name, int index, int value);
 *
 * returning a value ≥ 0 (Ok) or `IL_ERR(code)` (Err). One numbering serves every family (a test
 * holds include/interlock.h to it): `tag` is the call's name (`IL_<call>`: the same name has the
 * same number in every family), `def` and `name` index the model's defs and names (-1 when the call
 * has none), `index` is a global lock's index or a store key (0 when none; references to what the
 * interpreter received earlier are resolved before the call, as for TypeScript, by
 * model/carry.ts), `value` is a stored value. `flags` carries what else the call says:
 * `IL_INIT_FAILS` (PyModule_ExecDef's global init, mod_exec's init, mod_init's setup fails),
 * `IL_EXEC_FAILS`, `IL_INIT_IMPORTS_SELF`, `IL_OWNER_INTERP` (a stored value the interpreter owns)
 * and, on any call naming a def, `IL_INSTANCE_2` for the interpreter's second module instance (the
 * model's `instance: 2`), because runtimes count module instances, not interpreters (decision
 * D11). An entry may declare fewer parameters (module_slots needs five): the rest are dropped.
 * An optional `il_init(interpreters, capacity)` writes the initial state (capacity: the model's
 * registry slots). The judge's ghost counters come
 * from globals named `ghost_leaks`, `ghost_abandoned`, `ghost_dangling`, `ghost_dropped`,
 * `epoch[def]` and `exits[def]`.
 */
import { defs, ErrorCode, familyNames, models, names, resolveCall, updateCarry, type AnyCall, type FamilyName, type ModelConfig, type Result } from "../model/index.js";
import type { Code } from "../impl/memory.js";
import type { InterpWords, Subject } from "../impl/subject.js";
import type { CompiledC } from "./compile.js";
import { CInstance, type CReturn } from "./runtime.js";

/**
 * Every call of every family in the order include/interlock.h numbers them (IL_<tag>): module_slots'
 * first (the numbering C files already use), then the others'. A name shared by two families (use_global_state,
 * PyThread_acquire_lock …) has one number.
 */
export const callTags: readonly string[] = [
  "PyModule_ExecDef",
  "unload_module",
  "use_global_state",
  "Py_NewInterpreter",
  "Py_EndInterpreter",
  "Py_FinalizeEx",
  "Py_Initialize",
  "mod_exec",
  "mod_free",
  "PyMutex_Lock",
  "PyMutex_Unlock",
  "call_unsafe_library",
  "mod_init",
  "PyThread_acquire_lock",
  "PyThread_release_lock",
  "PyThread_EnsureGlobalLock",
  "PyThread_GetGlobalLock",
  "PyThread_ReleaseGlobalLock",
  "PyRuntime_store_ensure",
  "PyRuntime_store_release",
  "PyRuntime_store_is_set",
  "PyRuntime_store_set",
  "PyRuntime_store_get",
  "PyRuntime_store_delete",
];

/** module_slots' call tags, in the same numbering (the first seven). */
export const moduleSlotsTags: readonly string[] = callTags.slice(0, 7);

/** The flag bits in the order include/interlock.h numbers them (IL_<flag>); a test holds the two together. */
export const callFlags = { INIT_FAILS: 1, EXEC_FAILS: 2, INIT_IMPORTS_SELF: 4, INSTANCE_2: 8, OWNER_INTERP: 16 } as const;
/** The flags module_slots uses (kept under its old name). */
export const moduleSlotsFlags = { INIT_FAILS: 1, EXEC_FAILS: 2, INIT_IMPORTS_SELF: 4, INSTANCE_2: 8 } as const;

/** A call as the entry's arguments after `interp`: tag, def, flags, then (after `interpreters`) name, index, value. */
export interface EncodedCall {
  readonly tag: number;
  readonly def: number;
  readonly flags: number;
  readonly name: number;
  readonly index: number;
  readonly value: number;
}

/** The flags argument of a call: what its fields say beyond tag, def, name, index and value. */
function flagsOf(c: AnyCall): number {
  const f = callFlags;
  const o = c as Partial<Record<"initFails" | "setupFails" | "execFails" | "initImportsSelf", boolean>> & { readonly instance?: number; readonly owner?: string };
  return (
    (o.initFails === true || o.setupFails === true ? f.INIT_FAILS : 0) |
    (o.execFails === true ? f.EXEC_FAILS : 0) |
    (o.initImportsSelf === true ? f.INIT_IMPORTS_SELF : 0) |
    (o.instance === 2 ? f.INSTANCE_2 : 0) |
    (o.owner === "interp" ? f.OWNER_INTERP : 0)
  );
}

/** A (resolved) call of any family as the C entry's arguments. */
export function encodeCall(call: AnyCall): EncodedCall {
  const tag = callTags.indexOf(call._tag);
  if (tag < 0) throw new Error(`internal: ${call._tag} has no number in include/interlock.h`);
  const o = call as { readonly def?: (typeof defs)[number]; readonly name?: (typeof names)[number]; readonly index?: number; readonly key?: number; readonly value?: number };
  return {
    tag,
    def: o.def === undefined ? -1 : defs.indexOf(o.def),
    flags: flagsOf(call),
    name: o.name === undefined ? -1 : names.indexOf(o.name),
    index: o.index ?? o.key ?? 0,
    value: o.value ?? 0,
  };
}

/** The interpreter-identity words a C file names with IL_INTERP_IDS / IL_INTERP_MASK / IL_INSTANCE_MASK (include/interlock.h). */
export function interpWordsOf(compiled: CompiledC, wordNames: readonly string[]): InterpWords | undefined {
  const marked = (kind: string): string[] => compiled.globals.map((g) => new RegExp(`^__il_${kind}__(.+)$`).exec(g.name)?.[1]).filter((n): n is string => n !== undefined);
  const wordsOf = (vars: readonly string[]): number[] =>
    wordNames.flatMap((n, w) => (vars.includes(n.replace(/\[\d+\]$/, "")) ? [w] : []));
  const ids = wordsOf(marked("ids"));
  const masks = wordsOf(marked("mask"));
  const wide = wordsOf(marked("wide"));
  if (ids.length + masks.length + wide.length === 0) return undefined;
  return { ids, masks, ...(wide.length > 0 ? { wideMasks: { words: wide, bitsPerInterp: INSTANCES } } : {}) };
}

/** Module instances per interpreter (IL_INSTANCES), the width of an instance mask. */
const INSTANCES = 2;

/** The families a C file may implement: all of them. */
export const cFamilies: readonly FamilyName[] = familyNames;

/** The entry a C file exports for a family. */
export const entryOf = (family: FamilyName): string => `il_${family}`;

/** The Err a C trap becomes: not in the model's vocabulary, so the judge reports the step it happened at. */
function trapResult(trap: string): Result {
  return { _tag: "Err", error: `C trap: ${trap}` } as unknown as Result;
}

/** The C return value as the model's Result. */
export function resultOf(r: CReturn): Result {
  if (!r.ok) return trapResult(r.trap);
  if (r.value >= 0) return { _tag: "Ok", value: r.value };
  const error = ErrorCode.literals[-1 - r.value];
  return error === undefined ? trapResult(`returned ${r.value}, which is neither a value ≥ 0 nor IL_ERR(code)`) : { _tag: "Err", error };
}

/** The C globals as the judge names ghost counters (`epoch[0]` → `odbc.epoch`, `ghost_leaks` → `ghost.leaks`). */
export function ghostName(word: string): string {
  const perDef = /^(epoch|exits)\[(\d+)\]$/.exec(word);
  if (perDef) return `${defs[Number(perDef[2])] ?? perDef[2]}.${perDef[1]}`;
  const ghost = /^ghost_(leaks|abandoned|dangling|dropped)$/.exec(word);
  return ghost ? `ghost.${ghost[1]}` : word;
}

/**
 * A Subject factory for `family` implemented by a compiled C file. One instance per Subject: a
 * search runs every thread on it (runtime.ts).
 */
export function cFamilyFactory(compiled: CompiledC, family: FamilyName): (config: ModelConfig) => Subject<AnyCall, Result> {
  const entry = entryOf(family);
  const model = models[family];
  // Drops only the interpreter, keeping "(module instance 2)" when the call names one.
  const describeCall = (call: AnyCall): string => (model.describeCall(0, call) as string).replace(/ in interp 0\b/, "");
  return (config) => {
    const inst = new CInstance(compiled);
    if (!inst.has(entry)) throw new Error(`${compiled.file} exports no ${entry}(interp, tag, def, flags, interpreters, name, index, value) (include/interlock.h)`);
    const words = inst.wordNames.map(ghostName);
    const interpWords = interpWordsOf(compiled, inst.wordNames);
    // The initial state: C initialisers, then il_init once (every execution starts from a copy).
    const initial = inst.initialMemory();
    if (inst.has("il_init")) {
      const r = inst.runDirect("il_init", [config.interpreters, config.capacity], initial);
      if (!r.ok) throw new Error(`${compiled.file}: il_init failed: ${r.trap}`);
    }
    return {
      name: `${family}/c:${compiled.file}`,
      words: inst.words,
      init(mem: Int32Array): void {
        mem.set(initial);
      },
      resolve: (_interp, call, carry) => resolveCall(call, carry),
      *start(interp: number, call: AnyCall, carry: readonly number[]): Code<Result> {
        const c = encodeCall(resolveCall(call, carry));
        return resultOf(yield* inst.run(entry, [interp, c.tag, c.def, c.flags, config.interpreters, c.name, c.index, c.value]));
      },
      after: (_interp, call, result, carry) => updateCarry(call, result, carry),
      wordNames: () => Object.fromEntries(words.map((n, i) => [n, i])),
      decode(mem: Int32Array): Record<string, number> {
        const out: Record<string, number> = {};
        words.forEach((n, i) => {
          out[n] = mem[i] as number;
        });
        return out;
      },
      describeCall,
      ...(interpWords !== undefined ? { interpWords } : {}),
    };
  };
}
