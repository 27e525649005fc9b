import { describe, expect, it } from "vitest";
import { explore, limitsFromEnvironment, replay, type ExploreResult, type Strategy } from "./index.js";
import {
  bothReadZero,
  lockUnlockPrograms,
  lostWakeup,
  oppositeOrderPrograms,
  ownerPrograms,
  ownerWord,
  racyCounter,
  racyCounterPrograms,
  spinOnFlag,
  spinPrograms,
  twoLocks,
} from "./fixtures/litmus.js";
import { moduleSlotMonitor, moduleSlotPrograms, moduleSlots } from "./fixtures/moduleSlots.js";

/** Every strategy, with parameters small enough for a test. */
const strategies: readonly Strategy[] = [
  { kind: "exhaustive" },
  { kind: "bounded", maxPreemptions: 2 },
  { kind: "pct", depth: 2, runs: 300, seed: 7 },
  { kind: "random", runs: 300, seed: 7 },
];

const found = <C, R>(r: ExploreResult<C, R>) => {
  expect(r.verdict).toBe("violation");
  if (r.violation === null) throw new Error("no violation");
  return r.violation;
};

describe.each(strategies.map((s) => [s.kind, s] as const))("the %s strategy", (_kind, strategy) => {
  it("reaches the rare litmus outcome where both interpreters read 0", () => {
    const v = found(explore(racyCounter, racyCounterPrograms, { strategy, check: bothReadZero }));
    expect(v.kind).toBe("check");
    expect(v.execution.history.map((r) => r.response?.result)).toEqual([0, 0]);
  });

  it("reports the deadlock of two locks taken in opposite orders, naming where each interpreter waits", () => {
    const v = found(explore(twoLocks, oppositeOrderPrograms, { strategy }));
    expect(v.kind).toBe("deadlock");
    expect(v.property).toBe("P6");
    expect(v.message).toContain("interp 1 at call 1 (PyMutex_Lock(&B)), access 2: blocked in wait(word 1 == 2)");
    expect(v.message).toContain("interp 2 at call 1 (PyMutex_Lock(&A)), access 2: blocked in wait(word 0 == 2)");
  });

  it("reports a lost wake-up (unlock without notify) as a deadlock of the waiter", () => {
    const v = found(explore(lostWakeup, lockUnlockPrograms, { strategy }));
    expect(v.kind).toBe("deadlock");
    expect(v.message).toMatch(/blocked in wait\(word 0 == 2\)/);
    expect(v.message).toMatch(/interp \d: done/);
  });

  it("finds no deadlock when both interpreters take and release one correct lock", () => {
    const r = explore(twoLocks, lockUnlockPrograms, { strategy });
    expect(r.verdict).toBe("ok");
    expect(r.coverage.sentence.length).toBeGreaterThan(20);
  });

  it("reports a spin loop that never ends as a livelock, naming maxSteps", () => {
    const v = found(explore(spinOnFlag, spinPrograms, { strategy, limits: { maxSteps: 200 } }));
    expect(v.kind).toBe("livelock");
    expect(v.message).toContain("exceeded maxSteps (200) in one execution: likely a livelock or spin loop");
  });

  it("replays the violation it reports from its token", () => {
    const v = found(explore(twoLocks, oppositeOrderPrograms, { strategy }));
    const r = replay(twoLocks, oppositeOrderPrograms, v.token);
    expect(r.status).toBe("replayed");
    if (r.status === "replayed") expect(r.violation?.message).toBe(v.message);
  });
});

describe("coverage", () => {
  it("says exhaustive, with the symmetry it used and the states it judged", () => {
    const r = explore(twoLocks, lockUnlockPrograms, { strategy: { kind: "exhaustive" } });
    expect(r.coverage.guarantee).toBe("exhaustive");
    expect(r.coverage.symmetry).toMatchObject({ applied: true, classes: [[1, 2]] });
    expect(r.coverage.sentence).toMatch(/^exhaustive for these programs \(modulo symmetry over interps \{1,2\}, sleep sets \(.*\)\): all \d+ reachable states/);
    expect(r.stats.states).toBeGreaterThan(0);
  });

  it("refuses symmetry for identical programs that write their interp id, and says why", () => {
    const r = explore(ownerWord, ownerPrograms, { strategy: { kind: "exhaustive" } });
    expect(r.verdict).toBe("ok");
    expect(r.coverage.symmetry.applied).toBe(false);
    expect(r.coverage.symmetry.reason).toContain("interp 1 and interp 2 run identical programs but differ at call 0, access 1: store(word 0, 1) vs store(word 0, 2)");
    // without symmetry all 3! orders of the three stores are distinct final states
    const finals = new Set<number>();
    explore(ownerWord, ownerPrograms, {
      strategy: { kind: "exhaustive" },
      check: (e) => {
        finals.add(e.memory[0] as number);
        return undefined;
      },
    });
    expect([...finals].sort()).toEqual([1, 2, 3]);
  });

  it("states the PCT bound 1/(n·k^(d−1)) and the miss probability after the runs made", () => {
    const r = explore(twoLocks, lockUnlockPrograms, { strategy: { kind: "pct", depth: 2, runs: 100, seed: 3, steps: 10 } });
    expect(r.coverage.pct).toMatchObject({ depth: 2, threads: 2, steps: 10, runs: 100, perRunBound: 1 / 20 });
    expect(r.coverage.pct?.missProbability).toBeCloseTo(Math.pow(1 - 1 / 20, 100), 12);
  });

  it("says exhaustive up to k preemptions for the bounded strategy", () => {
    const r = explore(twoLocks, lockUnlockPrograms, { strategy: { kind: "bounded", maxPreemptions: 1 } });
    expect(r.coverage).toMatchObject({ guarantee: "exhaustive-up-to-preemptions", preemptionBound: 1 });
    expect(r.coverage.sentence).toMatch(/^exhaustive up to 1 preemption:/);
  });

  it("marks a run that hit maxStates incomplete and names the limit", () => {
    const r = explore(moduleSlots, moduleSlotPrograms(3, 1), { strategy: { kind: "exhaustive" }, monitor: moduleSlotMonitor, limits: { maxStates: 1000 } });
    expect(r.verdict).toBe("unknown");
    expect(r.limit?.limit).toBe("maxStates");
    expect(r.coverage.guarantee).toBe("none");
    expect(r.coverage.sentence).toContain("exceeded maxStates (1000)");
  });
});

describe("determinism and progress", () => {
  it.each([
    { kind: "random", runs: 50, seed: 11 },
    { kind: "pct", depth: 3, runs: 50, seed: 11 },
  ] as const)("gives the same token for the same seed ($kind)", (strategy) => {
    const a = explore(racyCounter, racyCounterPrograms, { strategy, check: bothReadZero });
    const b = explore(racyCounter, racyCounterPrograms, { strategy, check: bothReadZero });
    expect(a.violation?.token).toBeDefined();
    expect(a.violation?.token).toBe(b.violation?.token);
    expect(a.stats.executions).toBe(b.stats.executions);
  });

  it("reports progress with growing counts while it searches", () => {
    const seen: number[] = [];
    explore(moduleSlots, moduleSlotPrograms(3, 1), {
      strategy: { kind: "random", runs: 3000, seed: 1 },
      progressIntervalMs: 0,
      onProgress: (p) => {
        seen.push(p.transitions);
        expect(p.stepsPerSecond).toBeGreaterThan(0);
      },
    });
    expect(seen.length).toBeGreaterThan(0);
    expect([...seen].sort((x, y) => x - y)).toEqual(seen);
  });
});

describe("limits", () => {
  it("are read from the environment variables that name them, and nonsense is refused", () => {
    expect(limitsFromEnvironment({ INTERLOCK_MAX_STEPS: "500", INTERLOCK_TIME_LIMIT_MS: "2000", PATH: "/bin" })).toEqual({ maxSteps: 500, timeLimitMs: 2000 });
    expect(() => limitsFromEnvironment({ INTERLOCK_MAX_STATES: "lots" })).toThrow('INTERLOCK_MAX_STATES must be a positive number, got "lots"');
  });

  it("count every finished execution an exhaustive search reaches, judged or not", () => {
    const plain = explore(racyCounter, racyCounterPrograms, { strategy: { kind: "exhaustive", symmetry: "off" } });
    let judged = 0;
    const checked = explore(racyCounter, racyCounterPrograms, {
      strategy: { kind: "exhaustive", symmetry: "off" },
      check: () => {
        judged++;
        return undefined;
      },
    });
    expect(plain.stats.executions).toBe(checked.stats.executions);
    expect(judged).toBe(checked.stats.executions);
    expect(checked.coverage.checkedExecutions).toBe(judged);
  });
});

describe("preemption bounding", () => {
  it("needs exactly one preemption for the lost update: none with k = 0, found with k = 1", () => {
    const none = explore(racyCounter, racyCounterPrograms, { strategy: { kind: "bounded", maxPreemptions: 0 }, check: bothReadZero });
    expect(none.verdict).toBe("ok");
    expect(none.coverage.sentence).toMatch(/^exhaustive up to 0 preemptions:/);
    const one = explore(racyCounter, racyCounterPrograms, { strategy: { kind: "bounded", maxPreemptions: 1 }, check: bothReadZero });
    expect(one.verdict).toBe("violation");
    expect(one.coverage.sentence).toContain("no violation with at most 0 preemptions (proved); the violation needs 1");
  });
});
