import { describe, expect, it } from "vitest";
import { implementations } from "../../impl/index.js";
import { mutants } from "../../impl/mutants/index.js";
import type { Program } from "../../impl/subject.js";
import type { AnyCall, Result } from "../../model/index.js";
import { linearizabilityObserver } from "../judge/online.js";
import { typicalPrograms } from "../workload/typical-programs.js";
import { clearBits, notify, setBits, store, testBits, wait } from "../../impl/memory.js";
import { QUIET_BITS, QuietnessBroken, STABLE, UNWAITED, quietAccess, watchAccess } from "./engine/quietWords.js";
import { explore } from "./index.js";
import { mutantProperty, typicalRun, type Exhaustive } from "../../test/judged-runs.js";
import { Machine } from "./machine.js";
import { moduleSlotCheck, moduleSlotHistoryKey, moduleSlotMonitor, moduleSlotPrograms, moduleSlots } from "./fixtures/moduleSlots.js";

/** The real module_slots under the online judge, with every terminal memory the search reached. */
const run = (n: number, strategy: Exhaustive, cycles = 1) => typicalRun("module_slots", n, strategy, cycles);

describe("sleep sets (partial-order reduction)", () => {
  it("keep the verdict, every state and every terminal state of the real module_slots under the judge (N=3), taking fewer transitions", () => {
    // without lock sections: folded, module_slots N=3 has no two independent steps left to sleep on
    const without = run(3, { kind: "exhaustive", symmetry: "off", sleepSets: false, lockSections: false });
    const withSleep = run(3, { kind: "exhaustive", symmetry: "off", sleepSets: true, lockSections: false });
    expect(withSleep.r.verdict).toBe(without.r.verdict);
    expect(withSleep.r.stats.states).toBe(without.r.stats.states);
    expect(withSleep.finals).toEqual(without.finals);
    expect(withSleep.r.stats.transitions).toBeLessThan(without.r.stats.transitions);
    expect(withSleep.r.coverage.sentence).toContain("sleep sets");
  });

  it("keep every state of the module-slot protocol fixture with symmetry on (sleep sets in canonical positions)", () => {
    const states = (sleepSets: boolean) =>
      explore(moduleSlots, moduleSlotPrograms(3, 2), {
        strategy: { kind: "exhaustive", sleepSets },
        monitor: moduleSlotMonitor,
        check: moduleSlotCheck,
        historyKey: moduleSlotHistoryKey(false),
      }).stats.states;
    expect(states(true)).toBe(states(false));
  });

  it("still find every seeded bug the exhaustive search finds without them", () => {
    for (const m of mutants) expect(mutantProperty(m, { kind: "exhaustive", sleepSets: true }), m.id).toBe(mutantProperty(m, { kind: "exhaustive", sleepSets: false }));
  });
});

describe("quiet words (loads of words no step writes, own-bit accesses to masks no step reads whole, notifies nobody waits for, folded)", () => {
  it("keep the verdict and every terminal state of the real module_slots under the judge (N=3), with fewer states", () => {
    const without = run(3, { kind: "exhaustive", quietWords: false });
    const folded = run(3, { kind: "exhaustive", quietWords: true });
    expect(folded.r.verdict).toBe(without.r.verdict);
    expect(folded.finals).toEqual(without.finals);
    expect(folded.r.stats.states).toBeLessThan(without.r.stats.states);
    expect(folded.r.coverage.sentence).toMatch(/quiet words \(loads of the \d+ words no step writes, own-bit writes to the [1-9]\d* self-bit masks no step reads whole and notifies of the [1-9]\d* words no step waits on/);
  });

  it("find every seeded bug the search without them finds", () => {
    for (const m of mutants) expect(mutantProperty(m, { kind: "exhaustive", quietWords: true }), m.id).toBe(mutantProperty(m, { kind: "exhaustive", quietWords: false }));
  });

  it("stop the machine at the first write to a word assumed stable", () => {
    const config = { interpreters: 2, capacity: 4 };
    const subject = implementations.module_slots(config);
    const m = new Machine(subject, typicalPrograms("module_slots", 2, 1).map((calls, i): Program<AnyCall> => ({ interp: i + 1, calls })), false);
    m.assumeQuiet(new Int8Array(subject.words).fill(STABLE));
    expect(() => {
      while (m.isEnabled(0)) m.step(0);
    }).toThrow(QuietnessBroken);
  });

  it("stop at the first wait on a word assumed unwaited, and at the first write of another interpreter's bit of a mask assumed quiet", () => {
    const quiet = Int8Array.from([UNWAITED, QUIET_BITS]);
    // interp 1 (bit 1) and interp 2 (bit 2)
    expect(() => watchAccess(quiet, null, notify(0, 1), 1)).not.toThrow();
    expect(() => watchAccess(quiet, null, wait(0, 0), 1)).toThrow(QuietnessBroken);
    expect(() => watchAccess(quiet, null, setBits(1, 1), 1)).not.toThrow();
    expect(() => watchAccess(quiet, null, clearBits(1, 1), 1)).not.toThrow();
    expect(() => watchAccess(quiet, null, testBits(1, 1), 1)).not.toThrow();
    expect(() => watchAccess(quiet, null, clearBits(1, 2), 1)).toThrow(QuietnessBroken);
    expect(() => watchAccess(quiet, null, store(1, 0), 1)).toThrow(QuietnessBroken);
    expect(() => watchAccess(quiet, null, testBits(1, 2), 1)).toThrow(QuietnessBroken);
    // the own-bit accesses are the ones folded; another's bit and whole reads are not
    expect(quietAccess(quiet, testBits(1, 1), 1)).toBe(true);
    expect(quietAccess(quiet, testBits(1, 2), 1)).toBe(false);
    expect(quietAccess(quiet, notify(0, 1), 1)).toBe(true);
  });

  it("stop the machine at the first whole read of a mask assumed quiet (runtime finalisation reads the importers)", () => {
    const subject = implementations.module_slots({ interpreters: 1, capacity: 4 });
    const calls = [...typicalPrograms("module_slots", 1, 1)[0] as AnyCall[], { _tag: "Py_FinalizeEx" } as AnyCall];
    const m = new Machine(subject, [{ interp: 1, calls }], false);
    const masks = Int8Array.from({ length: subject.words }, (_, a) => (m.selfBits(a) ? QUIET_BITS : 0));
    expect(masks.includes(QUIET_BITS)).toBe(true);
    m.assumeQuiet(masks);
    expect(() => {
      while (m.isEnabled(0)) m.step(0);
    }).toThrow(QuietnessBroken);
  });
});

describe("hash compaction (lossy visited set)", () => {
  it("visits the same states as the exact table on the real module_slots (N=3) and states its miss probability", () => {
    const exact = run(3, { kind: "exhaustive", storage: "exact" });
    const compact = run(3, { kind: "exhaustive", storage: "hash-compact" });
    expect(compact.r.verdict).toBe(exact.r.verdict);
    expect(compact.r.stats.states).toBe(exact.r.stats.states);
    expect(compact.finals).toEqual(exact.finals);
    expect(compact.r.coverage.sentence).toMatch(/hash compaction \(64-bit signatures, \d+ bytes a state\): the probability that a state was missed is at most \d/);
    expect(compact.r.stats.storedBytes ?? Infinity).toBeLessThan((exact.r.stats.storedBytes ?? 0) / 2);
  });
});

describe("the online judge's state (part of every explored state)", () => {
  const imp: AnyCall = { _tag: "PyModule_ExecDef", def: "odbc", initFails: false, execFails: false, initImportsSelf: false };

  it("is one state whichever order two calls were invoked in, and two when a response falls between", () => {
    const o = linearizabilityObserver("module_slots", { interpreters: 3, capacity: 4 });
    const ab = o.invoke(o.invoke(o.initial, 2, imp), 3, imp);
    const ba = o.invoke(o.invoke(o.initial, 3, imp), 2, imp);
    expect(ab).toBeGreaterThanOrEqual(0);
    expect(ab).toBe(ba);
    // a response and an invocation do not commute: interp 2's import may return "global_init did
    // not run here" only if interp 3's import, invoked before that return, ran it
    const didNotInit = { _tag: "Ok", value: 0 } as Result;
    const overlapping = o.respond(o.invoke(o.invoke(o.initial, 2, imp), 3, imp), 2, imp, didNotInit);
    expect(overlapping).toBeGreaterThanOrEqual(0);
    expect(o.respond(o.invoke(o.initial, 2, imp), 2, imp, didNotInit)).toBe(-1);
  });
});
