import { describe, expect, it } from "vitest";
import { implementations } from "../../impl/index.js";
import type { InterpWords, Program, Subject } from "../../impl/subject.js";
import { refTo, type AnyCall, type FamilyName, type Result } from "../../model/index.js";
import { agreementJudge } from "../judge/judge.js";
import { explore, type Execution, type SymmetryOption } from "./index.js";
import { Machine } from "./machine.js";
import { below, mulberry32 } from "./prng.js";
import { typicalPrograms } from "../workload/typical-programs.js";

/** Every permutation of `xs`. */
const permutations = (xs: readonly number[]): number[][] =>
  xs.length <= 1 ? [[...xs]] : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((rest) => [x, ...rest]));

/**
 * A terminal state written so that renaming interpreters 1…N does not change it — computed here,
 * independently of the engine: the least, over every renaming σ, of the memory with the declared
 * id words and masks renamed, with how the execution ended. (Histories are not part of a state:
 * two paths into one state may carry different results, and a stateful search completes only one of
 * them — the online judge, part of every state, is what judges every path.)
 */
function fingerprint(e: Execution<AnyCall, Result>, words: InterpWords, n: number): string {
  let best: string | null = null;
  for (const rest of permutations(Array.from({ length: n }, (_, i) => i + 1))) {
    const sigma = [0, ...rest];
    const id = (v: number): number => (v >= 1 && v <= n ? (sigma[v] as number) : v);
    const mask = (v: number): number => {
      let out = v & ~((1 << n) - 1);
      for (let i = 1; i <= n; i++) if (v & (1 << (i - 1))) out |= 1 << ((sigma[i] as number) - 1);
      return out;
    };
    const mem = [...e.memory].map((v, a) => (words.ids.includes(a) ? id(v) : words.masks.includes(a) ? mask(v) : v));
    const s = JSON.stringify([e.outcome, mem]);
    if (best === null || s < best) best = s;
  }
  return best as string;
}

/** Explores with the online judge and the whole-history check; collects every terminal state reached. */
function terminals(family: FamilyName, subject: Subject<AnyCall, Result>, programs: readonly AnyCall[][], symmetry: SymmetryOption) {
  const config = { interpreters: programs.length, capacity: 4 };
  const hooks = agreementJudge({ family, config, subject }).hooks;
  const seen = new Set<string>();
  const r = explore(subject, programs.map((calls, i): Program<AnyCall> => ({ interp: i + 1, calls })), {
    strategy: { kind: "exhaustive", symmetry },
    ...(hooks.observer ? { observer: hooks.observer } : {}),
    check: (e) => {
      seen.add(fingerprint(e, subject.interpWords as InterpWords, programs.length));
      return hooks.check?.(e);
    },
  });
  return { r, finals: [...seen].sort() };
}

const henv = refTo("odbc", "henv");
/** Small programs, three interpreters running the same one, per family (N=3: interps 2 and 3 interchangeable). */
const small: Record<FamilyName, readonly AnyCall[]> = {
  module_slots: [{ _tag: "PyModule_ExecDef", def: "odbc", initFails: false, execFails: false, initImportsSelf: false }, { _tag: "unload_module", def: "odbc" }],
  static_mutex: [{ _tag: "mod_exec", def: "odbc", initFails: false }, { _tag: "mod_free", def: "odbc" }],
  refcounted_lock: [{ _tag: "mod_init", def: "odbc", setupFails: false }, { _tag: "mod_free", def: "odbc" }],
  runtime_store: [{ _tag: "PyRuntime_store_ensure", def: "odbc", name: "henv" }, { _tag: "PyRuntime_store_set", key: henv, value: 7, owner: "interp" }, { _tag: "PyRuntime_store_release", key: henv }],
  global_lock: [{ _tag: "PyThread_EnsureGlobalLock", def: "odbc", name: "henv" }, { _tag: "PyThread_acquire_lock", def: "odbc", name: "henv", index: henv }, { _tag: "PyThread_release_lock", def: "odbc", name: "henv", index: henv }],
} as Record<FamilyName, readonly AnyCall[]>;

describe("symmetry by renaming interpreters, on the real implementations under the online judge", () => {
  it.each(Object.keys(small) as FamilyName[])("%s: same verdict and the same terminal states (up to renaming) with and without symmetry", (family) => {
    const subject = implementations[family]({ interpreters: 3, capacity: 4 });
    // The heavier families keep the main interpreter idle so the run without symmetry stays small.
    const heavy = family === "refcounted_lock" || family === "runtime_store" || family === "global_lock";
    const programs = [heavy ? [] : [...small[family]], [...small[family]], [...small[family]]];
    const without = terminals(family, subject, programs, "off");
    const withSym = terminals(family, subject, programs, "auto");
    // No program makes a runtime call, so the main interpreter is renamed too when it runs the program.
    expect(withSym.r.coverage.symmetry).toMatchObject({ applied: true, classes: heavy ? [[2, 3]] : [[1, 2, 3]] });
    expect(withSym.r.verdict).toBe(without.r.verdict);
    expect(withSym.finals).toEqual(without.finals);
    expect(withSym.r.stats.states).toBeLessThan(without.r.stats.states);
  });

  it("declares the words that hold interpreter ids or masks for every family", () => {
    for (const family of Object.keys(small) as FamilyName[]) {
      const words = implementations[family]({ interpreters: 3, capacity: 4 }).interpWords;
      expect(words?.ids.length).toBeGreaterThan(0);
      expect(words?.masks.length).toBeGreaterThan(0);
    }
  });

  it("refuses symmetry when a declared word is missing, and says which renamed access differs", () => {
    const real = implementations.module_slots({ interpreters: 3, capacity: 4 });
    const words = real.interpWords as InterpWords;
    const forgetful: Subject<AnyCall, Result> = { ...real, interpWords: { ids: words.ids, masks: [] } };
    const r = explore(forgetful, [1, 2, 3].map((interp) => ({ interp, calls: [...small.module_slots] })), {
      strategy: { kind: "exhaustive" },
      ...agreementJudge({ family: "module_slots", config: { interpreters: 3, capacity: 4 }, subject: forgetful }).hooks,
    });
    expect(r.verdict).toBe("ok");
    expect(r.coverage.symmetry.applied).toBe(false);
    expect(r.coverage.symmetry.reason).toMatch(/interp \d and interp \d run identical programs but differ/);
  });

  it("keeps the main interpreter out of the renamings when a program makes a runtime call", () => {
    const subject = implementations.module_slots({ interpreters: 3, capacity: 4 });
    const programs = [[...small.module_slots, { _tag: "Py_FinalizeEx" } as AnyCall], [...small.module_slots], [...small.module_slots]];
    expect(new Machine(subject, programs.map((calls, i) => ({ interp: i + 1, calls })), true, undefined, agreementJudge({ family: "module_slots", config: { interpreters: 3, capacity: 4 }, subject }).hooks.observer).classMembers).toEqual([[0], [1, 2]]);
    const same = [[...small.module_slots], [...small.module_slots], [...small.module_slots]];
    expect(new Machine(subject, same.map((calls, i) => ({ interp: i + 1, calls })), true, undefined, agreementJudge({ family: "module_slots", config: { interpreters: 3, capacity: 4 }, subject }).hooks.observer).classMembers).toEqual([[0, 1, 2]]);
  });

  it("gives every renaming of a state the state's key (N=5, five interchangeable interpreters, the judge on, random walks)", () => {
    const config = { interpreters: 5, capacity: 4 };
    const subject = implementations.module_slots(config);
    const programs = typicalPrograms("module_slots", 5, 1).map((calls, i): Program<AnyCall> => ({ interp: i + 1, calls }));
    const observer = agreementJudge({ family: "module_slots", config, subject }).hooks.observer;
    const m = new Machine(subject, programs, true, undefined, observer);
    const here = new Int32Array(m.snapshotWidth);
    const renamed = new Int32Array(m.snapshotWidth * 24);
    const random = mulberry32(7);
    let compared = 0;
    for (let run = 0; run < 6; run++) {
      m.reset();
      for (;;) {
        m.save(here, 0);
        const key = [...m.key()];
        // 24 of the 120 renamings, spread over the group (interp 1 moved in most)
        for (let i = 0; i < 24; i++) m.saveRenamed(i * 5, renamed, i * m.snapshotWidth);
        for (let i = 0; i < 24; i++) {
          m.restore(renamed, i * m.snapshotWidth);
          expect([...m.key()]).toEqual(key);
          compared++;
        }
        m.restore(here, 0);
        const enabled = programs.map((_, t) => t).filter((t) => m.isEnabled(t));
        if (enabled.length === 0) break;
        m.step(enabled[below(random, enabled.length)] as number);
      }
    }
    expect(compared).toBeGreaterThan(5_000);
  });
});
