/**
 * Way (a): an extension's own code in C — its module exec, m_free and module functions — run in
 * the scenarios of properties/scenarios and judged by the same judge (judge.ts: P1, P2, P5, P6, P7,
 * P9 over the wrapped library's monitor and the runtime).
 *
 * This is the C side of a client contract (issue 18 will define the contract for TypeScript and C
 * alike; until then this file plays it for two families). The C file exports either
 *   - `Py_mod_exec(interp)` and `m_free(interp)`: the static-mutex baseline, where the extension
 *     does its own locking and CPython runs m_free when an interpreter ends or finalises; or
 *   - `Py_mod_global_init()` and `Py_mod_global_exit()`: the module-slots family, whose runtime
 *     (impl/module_slots.ts) counts instances and calls the slots on 0→1 and 1→0;
 * plus `use_henv(interp)` and optionally `call_library(interp)` (module functions). interlock
 * provides the CPython around them and the library (`il_library_*` in include/interlock.h), the
 * scenarios' monitored library.
 *
 * Memory: the family's words, then the scenario's client words (the library's monitor), then the
 * C file's globals, then one word that records a C trap (so a crash is judged at the state it
 * happened in).
 */
import { defaultConfig, type AnyCall, type Def, type ErrorCode, type ModelConfig, type Result } from "../model/index.js";
import { ModuleSlots, StaticMutex } from "../impl/index.js";
import type { ImportOpLike } from "../properties/scenarios/client_support.js";
import type { Runtime } from "../impl/runtime.js";
import { store, type Access, type Code } from "../impl/memory.js";
import type { Program, Subject } from "../impl/subject.js";
import type { Hooks, StateView, Violation } from "../properties/explorer/index.js";
import { scenarioHooks } from "../properties/scenarios/judge.js";
import { wordNames as wordsOf } from "../properties/judge/counterexample.js";
import { CARRY_IMPORTED, clientWords, resources, describeExtCall, emptyExtCarry, Library, type ExtCall, type ExtResult } from "../properties/scenarios/library.js";
import type { Scenario } from "../properties/scenarios/scenarios.js";
import type { CompiledC } from "./compile.js";
import { CInstance, type CReturn, type HostCalls } from "./runtime.js";

/** The hooks an extension in C exports (the entry names are the C function names). */
export const clientHooks = {
  exec: "Py_mod_exec",
  free: "m_free",
  use: "use_henv",
  library: "call_library",
  globalInit: "Py_mod_global_init",
  globalExit: "Py_mod_global_exit",
} as const;

/** The scenario operations a C client supports today (acquire/release of extra resources wait for issue 18). */
export const supportedOps: ReadonlySet<ExtCall["_tag"]> = new Set(["import", "unload", "use", "library", "end", "finalize", "initialize"]);

export interface CClientCell {
  /** The runtime the extension runs under: module_slots when it defines the global init/exit slots, else static_mutex. */
  readonly family: "module_slots" | "static_mutex";
  readonly config: ModelConfig;
  readonly subject: Subject<ExtCall, ExtResult>;
  readonly programs: readonly Program<ExtCall>[];
  readonly hooks: Hooks<ExtCall, ExtResult>;
  /** A name per word of memory, for reports: the runtime's, the library's, then the C globals. */
  readonly wordNames: readonly string[];
}

/**
 * Moves a C thread's own accesses to where its globals live in the cell's memory; the library's
 * accesses, made for it by interlock (runtime.ts HostAccess), are already absolute.
 */
function* placed(code: Code<CReturn>, base: number): Code<CReturn> {
  let step = code.next();
  while (!step.done) {
    const a = step.value as Access & { readonly host?: boolean };
    step = code.next(yield a.host === true ? a : { ...a, addr: a.addr + base });
  }
  return step.value;
}

const toExt = (r: Result, carry?: readonly number[]): ExtResult =>
  r._tag === "Ok" ? (carry === undefined ? { _tag: "Ok", value: r.value } : { _tag: "Ok", value: r.value, carry }) : { _tag: "Err", error: r.error };
const withImported = (carry: readonly number[], v: number): readonly number[] => carry.map((c, i) => (i === CARRY_IMPORTED ? v : c));

/** A scenario run against an extension written in C, with the scenario's judge plus C traps. */
export function cClientCell(compiled: CompiledC, scenario: Scenario, config: ModelConfig = defaultConfig): CClientCell {
  for (const p of scenario.programs) {
    for (const c of p) {
      if (!supportedOps.has(c._tag)) throw new Error(`scenario ${scenario.id} uses ${c._tag}, which C clients do not support yet`);
    }
  }
  const inst = new CInstance(compiled);
  // The family: module slots when the extension defines the global init/exit slots (the runtime
  // counts instances and calls them), else the static-mutex baseline (the extension does it all).
  const slots = inst.has(clientHooks.globalInit);
  const required = slots ? [clientHooks.globalInit, clientHooks.globalExit, clientHooks.use] : [clientHooks.exec, clientHooks.free, clientHooks.use];
  for (const name of required) {
    if (!inst.has(name)) throw new Error(`${compiled.file} exports no ${name} (include/interlock.h, "An extension in C")`);
  }
  // the family's memory comes first; its size does not depend on the extension's hooks
  const base = (slots ? new ModuleSlots(config) : new StaticMutex(config)).words;
  const w = clientWords(base);
  const lib = new Library(w, scenario.failFirstInit === true);
  const cBase = base + w.words;
  const trapWord = cBase + inst.words;
  /** Trap messages by number (a trap stores its number + 1 into trapWord). */
  const traps: string[] = [];

  const host: HostCalls = function* (op, arg) {
    switch (op) {
      case 0:
        return yield* lib.alloc("henv");
      case 1:
        yield* lib.free("henv", arg);
        return 0;
      case 2:
        return yield* lib.use("henv", arg);
      default:
        yield* lib.call();
        return 0;
    }
  };

  /** Runs one exported hook; a trap is recorded in memory (the monitor reports it) and ends the call. */
  function* hook(name: string, interp: number): Code<ExtResult> {
    if (!inst.has(name)) return { _tag: "Err", error: `${compiled.file} exports no ${name}` };
    const r = yield* placed(inst.run(name, [interp], host), cBase);
    if (r.ok) return { _tag: "Ok", value: r.value };
    let n = traps.indexOf(r.trap);
    if (n < 0) n = traps.push(r.trap) - 1;
    yield store(trapWord, n + 1);
    return { _tag: "Err", error: `C trap: ${r.trap}` };
  }

  /** The module-slots runtime calling the extension's Py_mod_global_init / Py_mod_global_exit slots. */
  class CModuleSlots extends ModuleSlots {
    override *globalInit(interp: number, o: ImportOpLike): Code<ErrorCode | undefined> {
      const r = yield* hook(clientHooks.globalInit, interp);
      if (r._tag !== "Ok" || r.value !== 0) return "InitFailed";
      return yield* super.globalInit(interp, { ...o, initFails: false });
    }
    override *globalExit(def: Def): Code<void> {
      yield* hook(clientHooks.globalExit, 0);
      yield* super.globalExit(def);
    }
  }
  const impl = (slots ? new CModuleSlots(config) : new StaticMutex(config)) as unknown as Runtime<AnyCall>;

  function* importOnce(interp: number): Code<ExtResult> {
    if (slots) return toExt(yield* impl.call(interp, { _tag: "PyModule_ExecDef", def: "odbc", initFails: false, execFails: false, initImportsSelf: false }));
    const r = yield* hook(clientHooks.exec, interp);
    return r._tag === "Ok" && r.value !== 0 ? { _tag: "Err", error: "ImportError" } : r;
  }

  function* run(interp: number, call: ExtCall, given: readonly number[]): Code<ExtResult> {
    const carry = given.length === 0 ? emptyExtCarry : given;
    switch (call._tag) {
      case "import": {
        // Python code that catches the ImportError and imports again: one retry (as cell.ts).
        let r = yield* importOnce(interp);
        if (r._tag === "Err" && lib.failing && !r.error.startsWith("C trap")) r = yield* importOnce(interp);
        return r._tag === "Ok" ? { _tag: "Ok", value: 0, carry: withImported(carry, 1) } : r;
      }
      case "unload": {
        const r = slots ? toExt(yield* impl.call(interp, { _tag: "unload_module", def: "odbc" })) : yield* hook(clientHooks.free, interp);
        return r._tag === "Ok" ? { _tag: "Ok", value: 0, carry: withImported(carry, 0) } : r;
      }
      case "use":
        return yield* hook(clientHooks.use, interp);
      case "library":
        return yield* hook(clientHooks.library, interp);
      case "end":
      case "finalize": {
        // CPython frees the interpreter's modules: m_free runs first (the module-slots runtime does it itself)
        if (!slots && carry[CARRY_IMPORTED] === 1) yield* hook(clientHooks.free, interp);
        const r = yield* impl.call(interp, { _tag: call._tag === "end" ? "Py_EndInterpreter" : "Py_FinalizeEx" });
        return toExt(r, withImported(carry, 0));
      }
      case "initialize":
        return toExt(yield* impl.call(interp, { _tag: "Py_Initialize" }));
      default:
        return { _tag: "Err", error: `${call._tag} is not supported for C clients yet` };
    }
  }

  const initial = inst.initialMemory();
  const subject: Subject<ExtCall, ExtResult> = {
    name: `c:${compiled.file}/${scenario.id}`,
    words: trapWord + 1,
    init: (mem) => {
      mem[impl.rt.alive] = (1 << config.interpreters) - 1;
      if (lib.failing) mem[w.failsLeft] = 1;
      mem.set(initial, cBase);
    },
    start: (interp, call, carry) => run(interp, call, carry),
    after: (_interp, _call, result, carry) => (result._tag === "Ok" && result.carry !== undefined ? result.carry : carry),
    describeCall: describeExtCall,
  };
  const judged = scenarioHooks(scenario, impl, w);
  const monitor = (s: StateView<ExtCall>): Violation | undefined => {
    const trap = s.mem[trapWord] ?? 0;
    if (trap !== 0) return { property: "crash", message: `the extension crashed: ${traps[trap - 1] ?? "a C trap"}` };
    return judged.monitor?.(s);
  };
  const programs = scenario.programs.map((calls, i) => ({ interp: i + 1, calls }));
  const wordNames: string[] = Array.from({ length: subject.words }, (_, i) => `runtime word ${i}`);
  // the runtime's words as it decodes them (runtime.alive, odbc.refcount …)
  wordsOf({ name: "runtime", words: base, start: () => ({}) as never, decode: (m: Int32Array) => impl.decode(m) } as unknown as Subject<AnyCall, Result>).forEach((n, i) => {
    if (!n.startsWith("word ")) wordNames[i] = n;
  });
  resources.forEach((r, k) => {
    wordNames[w.cur[k] as number] = `library.${r}`;
    wordNames[w.allocs[k] as number] = `library.${r}.allocations`;
  });
  wordNames[w.inside] = "library.inside";
  wordNames[w.bad] = "library.misuse";
  wordNames[w.failsLeft] = "library.refusals";
  inst.wordNames.forEach((n, i) => {
    wordNames[cBase + i] = n;
  });
  wordNames[trapWord] = "c.trap";
  return { family: slots ? "module_slots" : "static_mutex", config, subject, programs, hooks: { ...judged, monitor }, wordNames };
}
