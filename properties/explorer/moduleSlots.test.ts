import { describe, expect, it } from "vitest";
import { explore, replay, type Strategy } from "./index.js";
import {
  moduleSlotCheck,
  moduleSlotHistoryKey,
  moduleSlotMonitor,
  moduleSlotPrograms,
  moduleSlots,
  moduleSlotsUnlockedCheck,
  type ModuleSlotCall,
} from "./fixtures/moduleSlots.js";

const hooks = { monitor: moduleSlotMonitor, check: moduleSlotCheck };

describe("the module-slot protocol (Py_mod_global_init / Py_mod_global_exit under a futex mutex)", () => {
  it("is explored exhaustively at N=3, C=1 with no violation, and says how many states that took", () => {
    const r = explore(moduleSlots, moduleSlotPrograms(3, 1), { ...hooks, strategy: { kind: "exhaustive" }, historyKey: moduleSlotHistoryKey(false) });
    expect(r.verdict).toBe("ok");
    expect(r.coverage.guarantee).toBe("exhaustive");
    expect(r.coverage.symmetry).toMatchObject({ applied: true, classes: [[1, 2, 3]] });
    expect(r.stats.states).toBe(1688);
    expect(r.coverage.sentence).toContain("all 1688 reachable states");
    expect(r.coverage.checkedExecutions).toBeGreaterThan(0);
  });

  it("keeps its verdict and terminal states when symmetry and the history key are off (N=2, C=2)", () => {
    const finals = (historyKey: boolean, symmetry: "auto" | "off") => {
      const seen = new Set<string>();
      const r = explore(moduleSlots, moduleSlotPrograms(2, 2), {
        ...hooks,
        strategy: { kind: "exhaustive", symmetry },
        ...(historyKey ? { historyKey: moduleSlotHistoryKey(false) } : {}),
        check: (e) => {
          seen.add([...e.memory].join(","));
          return moduleSlotCheck(e);
        },
      });
      expect(r.verdict).toBe("ok");
      return { states: r.stats.states, finals: [...seen].sort() };
    };
    const full = finals(false, "off");
    const reduced = finals(true, "auto");
    expect(reduced.finals).toEqual(full.finals);
    expect(reduced.states * 50).toBeLessThan(full.states);
  });

  it("rejects a history key that drops a value the code still uses (the loaded refcount)", () => {
    const careless = (call: ModuleSlotCall, observed: readonly number[]): string =>
      moduleSlotHistoryKey(false)(call, observed).replace(/\|-?\d+$/, "").replace(/^store\|\d+/, "store");
    expect(() =>
      explore(moduleSlots, moduleSlotPrograms(2, 1), { ...hooks, strategy: { kind: "exhaustive" }, historyKey: careless }),
    ).toThrow(/historyKey merges histories with different next accesses/);
  });
});

const strategies: readonly Strategy[] = [
  { kind: "exhaustive" },
  { kind: "bounded", maxPreemptions: 2 },
  { kind: "pct", depth: 2, runs: 500, seed: 5 },
  { kind: "random", runs: 500, seed: 5 },
];

describe.each(strategies.map((s) => [s.kind, s] as const))("the unlocked check-then-act mutant under %s", (_kind, strategy) => {
  it("is caught, and its token replays to the same violation 100 times out of 100", () => {
    const programs = moduleSlotPrograms(3, 1);
    const r = explore(moduleSlotsUnlockedCheck, programs, { ...hooks, strategy, historyKey: moduleSlotHistoryKey(true) });
    expect(r.verdict).toBe("violation");
    const v = r.violation;
    if (v === null) throw new Error("unreachable");
    expect(["P1", "P2"]).toContain(v.property);
    for (let i = 0; i < 100; i++) {
      const again = replay(moduleSlotsUnlockedCheck, programs, v.token, hooks);
      expect(again.status).toBe("replayed");
      if (again.status !== "replayed") return;
      expect(again.violation).toMatchObject({ kind: v.kind, property: v.property, message: v.message, token: v.token });
      expect(again.execution.history).toEqual(v.execution.history);
    }
  });
});

describe("the fixture's own checks", () => {
  const view = (mem: number[]) => ({ mem: Int32Array.from(mem), threads: [], steps: 0 });
  it.each([
    [[0, 1, 2], "P1", /Py_mod_global_init ran 2 times/],
    [[0, 0, -1], "P2", /Py_mod_global_exit ran more often/],
    [[0, -1, 0], "P2", /refcount went negative/],
  ])("the monitor flags memory %j as %s", (mem, property, message) => {
    const v = moduleSlotMonitor(view(mem));
    expect(v?.property).toBe(property);
    expect(v?.message).toMatch(message);
  });

  it("the monitor accepts the states of a correct run", () => {
    expect(moduleSlotMonitor(view([1, 1, 1]))).toBeUndefined();
  });

  it("the history check flags a use that saw the state torn down", () => {
    const use = { kind: "use" } as const;
    const execution = (result: number) => ({
      outcome: "finished" as const,
      memory: new Int32Array(3),
      steps: 2,
      token: "il1:",
      history: [{ interp: 2, callIndex: 1, call: use, invoke: 1, response: { step: 1, result } }],
    });
    expect(moduleSlotCheck(execution(0))?.message).toBe("interp 2 used the global state while it was 0 (call 1, step 1)");
    expect(moduleSlotCheck(execution(1))).toBeUndefined();
  });
});
