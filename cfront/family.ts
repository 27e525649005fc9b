/**
 * Way (b): an API family implemented in C, as an ordinary `Subject` (impl/subject.ts), so it is
 * explored and judged for agreement with the model exactly like a TypeScript implementation
 * passed with `--impl`.
 *
 * The C file exports one entry per family it implements, `il_<family>(interp, tag, def, flags,
 * interpreters)`, returning a value ≥ 0 (Ok) or `IL_ERR(code)` (Err); the call's tag, def and
 * flags are numbered as in include/interlock.h, which mirrors the model's vocabulary (a test holds
 * the two together). `flags` carries what the call's fields say beyond its tag and def: the
 * PyModule_ExecDef failure flags and, on any call naming a def, `IL_INSTANCE_2` for the
 * interpreter's second module instance (the model's `instance: 2`; absent or 1 leaves it clear),
 * because the runtime counts module instances, not interpreters (decision D11). An optional `il_init(interpreters)` writes the initial state. The judge's
 * ghost counters come from globals named `ghost_leaks`, `ghost_abandoned`, `ghost_dangling`,
 * `epoch[def]` and `exits[def]`.
 */
import { defs, ErrorCode, moduleSlotsModel, type AnyCall, type FamilyName, type ModelConfig, type ModuleSlotsCall, type Result } from "../model/index.js";
import type { Code } from "../impl/memory.js";
import type { Subject } from "../impl/subject.js";
import type { CompiledC } from "./compile.js";
import { CInstance, type CReturn } from "./runtime.js";

/** The tags of module_slots' calls in the order include/interlock.h numbers them (IL_<tag>). */
export const moduleSlotsTags: readonly ModuleSlotsCall["_tag"][] = [
  "PyModule_ExecDef",
  "unload_module",
  "use_global_state",
  "Py_NewInterpreter",
  "Py_EndInterpreter",
  "Py_FinalizeEx",
  "Py_Initialize",
];

/** module_slots' flag bits in the order include/interlock.h numbers them (IL_<flag>); a test holds the two together. */
export const moduleSlotsFlags = { INIT_FAILS: 1, EXEC_FAILS: 2, INIT_IMPORTS_SELF: 4, INSTANCE_2: 8 } as const;

/** The flags argument of a module_slots call: its failure flags and which module instance makes it. */
function moduleSlotsFlagsOf(c: ModuleSlotsCall): number {
  const f = moduleSlotsFlags;
  const failures = c._tag === "PyModule_ExecDef" ? (c.initFails ? f.INIT_FAILS : 0) | (c.execFails ? f.EXEC_FAILS : 0) | (c.initImportsSelf ? f.INIT_IMPORTS_SELF : 0) : 0;
  const instance = "instance" in c && c.instance === 2 ? f.INSTANCE_2 : 0;
  return failures | instance;
}

/** The families a C file can implement today, with how a call becomes the entry's arguments. */
const encoders: Partial<Record<FamilyName, { readonly describe: (call: AnyCall) => string; readonly encode: (call: AnyCall) => readonly [tag: number, def: number, flags: number] }>> = {
  module_slots: {
    // Drops only the interpreter, keeping "(module instance 2)" when the call names one.
    describe: (call) => moduleSlotsModel.describeCall(0, call as ModuleSlotsCall).replace(/ in interp 0\b/, ""),
    encode: (call) => {
      const c = call as ModuleSlotsCall;
      const tag = moduleSlotsTags.indexOf(c._tag);
      const def = "def" in c ? defs.indexOf(c.def) : -1;
      return [tag, def, moduleSlotsFlagsOf(c)];
    },
  },
};

/** The families a C file may implement (those with an encoding above). */
export const cFamilies = Object.keys(encoders) as FamilyName[];

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
  const ghost = /^ghost_(leaks|abandoned|dangling)$/.exec(word);
  return ghost ? `ghost.${ghost[1]}` : word;
}

/**
 * A Subject factory for `family` implemented by a compiled C file. One instance per Subject: a
 * search runs every thread on it (runtime.ts).
 */
export function cFamilyFactory(compiled: CompiledC, family: FamilyName): (config: ModelConfig) => Subject<AnyCall, Result> {
  const enc = encoders[family];
  if (enc === undefined) throw new Error(`C implementations are supported for ${cFamilies.join(", ")}; not yet for ${family}`);
  const entry = entryOf(family);
  return (config) => {
    const inst = new CInstance(compiled);
    if (!inst.has(entry)) throw new Error(`${compiled.file} exports no ${entry}(interp, tag, def, flags, interpreters) (include/interlock.h)`);
    const names = inst.wordNames.map(ghostName);
    // The initial state: C initialisers, then il_init once (every execution starts from a copy).
    const initial = inst.initialMemory();
    if (inst.has("il_init")) {
      const r = inst.runDirect("il_init", [config.interpreters], initial);
      if (!r.ok) throw new Error(`${compiled.file}: il_init failed: ${r.trap}`);
    }
    return {
      name: `${family}/c:${compiled.file}`,
      words: inst.words,
      init(mem: Int32Array): void {
        mem.set(initial);
      },
      *start(interp: number, call: AnyCall): Code<Result> {
        const [tag, def, flags] = enc.encode(call);
        return resultOf(yield* inst.run(entry, [interp, tag, def, flags, config.interpreters]));
      },
      decode(mem: Int32Array): Record<string, number> {
        const out: Record<string, number> = {};
        names.forEach((n, i) => {
          out[n] = mem[i] as number;
        });
        return out;
      },
      describeCall: enc.describe,
    };
  };
}
