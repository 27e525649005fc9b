import { describe, expect, it } from "vitest";
import { decodeToken, encodeToken, explore, replay, shrink } from "./index.js";
import { futexProbe, racyCounter, racyCounterPrograms, type FutexCall } from "./fixtures/litmus.js";
import { moduleSlotCheck, moduleSlotMonitor, moduleSlotPrograms, moduleSlotsUnlockedCheck } from "./fixtures/moduleSlots.js";
import type { Program } from "../../impl/subject.js";

const hooks = { monitor: moduleSlotMonitor, check: moduleSlotCheck };

describe("schedule tokens", () => {
  it("encode runs of one interpreter as interp@call.access*count and decode back", () => {
    const steps = [
      { interp: 1, callIndex: 0, accessIndex: 0 },
      { interp: 1, callIndex: 0, accessIndex: 1 },
      { interp: 2, callIndex: 3, accessIndex: 4 },
    ];
    expect(encodeToken(steps)).toBe("il1:1@0.0*2,2@3.4*1");
    expect(decodeToken("il1:1@0.0*2,2@3.4*1")).toEqual([
      { interp: 1, callIndex: 0, accessIndex: 0, count: 2 },
      { interp: 2, callIndex: 3, accessIndex: 4, count: 1 },
    ]);
  });

  it.each([
    ["1@0.0*2", /expected it to start with "il1:"/],
    ["il1:1@0.0", /run 1 "1@0.0" is not interp@call.access\*count/],
    ["il1:1@0.0*0", /needs interp ≥ 1 and count ≥ 1/],
  ])("reject the malformed token %s with one clear error", (token, message) => {
    expect(() => decodeToken(token)).toThrow(message);
  });
});

describe("replay", () => {
  it("reproduces the litmus history step by step, stamps included", () => {
    const r = replay(racyCounter, racyCounterPrograms, "il1:1@0.0*1,2@0.0*1,1@0.1*1,2@0.1*1");
    expect(r.status).toBe("replayed");
    if (r.status !== "replayed") return;
    expect(r.execution.outcome).toBe("finished");
    expect(r.execution.history).toEqual([
      { interp: 1, callIndex: 0, call: { kind: "increment" }, invoke: 0, response: { step: 2, result: 0 } },
      { interp: 2, callIndex: 0, call: { kind: "increment" }, invoke: 1, response: { step: 3, result: 0 } },
    ]);
  });

  it("says which step no longer matches when the programs changed since the token was made", () => {
    const before = moduleSlotPrograms(3, 2);
    const v = explore(moduleSlotsUnlockedCheck, before, { ...hooks, strategy: { kind: "random", runs: 200, seed: 2 } }).violation;
    if (v === null) throw new Error("the mutant was not caught");
    const fewerInterps = moduleSlotPrograms(2, 2);
    const usesInterp3 = decodeToken(v.token).some((r) => r.interp === 3);
    const r1 = replay(moduleSlotsUnlockedCheck, fewerInterps, v.token, hooks);
    if (usesInterp3) {
      expect(r1).toMatchObject({ status: "mismatch" });
      if (r1.status === "mismatch") expect(r1.message).toMatch(/^step \d+ \(run \d+ of the token: interp 3 at call \d+, access \d+, \d+ steps\): there is no interp 3 in these programs$/);
    }
    // interp 1 now starts with `use` instead of `Py_mod_exec`: its call 0 has one access, not many
    const reordered: Program<(typeof before)[number]["calls"][number]>[] = before.map((p) =>
      p.interp === 1 ? { interp: 1, calls: [{ kind: "use" }, ...p.calls] } : p,
    );
    const token = "il1:1@0.0*3,2@0.0*1";
    const r2 = replay(moduleSlotsUnlockedCheck, reordered, token, hooks);
    expect(r2).toMatchObject({ status: "mismatch", step: 1 });
    if (r2.status === "mismatch") {
      expect(r2.message).toContain("step 1 (run 1 of the token: interp 1 at call 0, access 0, 3 steps)");
      expect(r2.message).toContain("expected interp 1 at call 0, access 1, but interp 1 at call 1 (Py_mod_exec(mod) [Py_mod_global_init on 0→1]), access 0");
      expect(r2.message).toContain("the programs changed since the token was made");
    }
  });

  it("stops where a token stops, reporting the execution as stopped rather than finished", () => {
    const r = replay(racyCounter, racyCounterPrograms, "il1:1@0.0*1");
    expect(r).toMatchObject({ status: "replayed", violation: null, execution: { outcome: "stopped", steps: 1 } });
  });

  it("says which step asks for more than the program has", () => {
    const r = replay(racyCounter, racyCounterPrograms, "il1:1@0.0*1,2@0.0*3");
    expect(r).toMatchObject({ status: "mismatch", step: 3 });
    if (r.status === "mismatch") expect(r.message).toContain("interp 2 cannot move here (interp 2: done)");
  });
});

describe("futex semantics of the controlled backend", () => {
  const programs = (...calls: FutexCall[]): Program<FutexCall>[] => calls.map((c, i) => ({ interp: i + 1, calls: [c] }));

  it("returns not-equal at once from a wait whose word no longer holds the expected value", () => {
    const r = replay(futexProbe, programs({ kind: "wait" }, { kind: "wake", count: 1 }), "il1:2@0.0*2,1@0.0*1");
    expect(r.status).toBe("replayed");
    if (r.status !== "replayed") return;
    expect(r.execution.history.find((h) => h.interp === 1)?.response).toEqual({ step: 2, result: 1 });
    expect(r.execution.history.find((h) => h.interp === 2)?.response).toEqual({ step: 1, result: 0 });
  });

  it("blocks a waiter until a notify on its word, which reports one woken", () => {
    const r = replay(futexProbe, programs({ kind: "wait" }, { kind: "wake", count: 1 }), "il1:1@0.0*1,2@0.0*2");
    expect(r.status).toBe("replayed");
    if (r.status !== "replayed") return;
    expect(r.execution.outcome).toBe("finished");
    expect(r.execution.history).toMatchObject([
      { interp: 1, invoke: 0, response: { step: 2, result: 0 } },
      { interp: 2, invoke: 1, response: { step: 2, result: 1 } },
    ]);
  });

  it("wakes waiters in the order they blocked, no more than the count", () => {
    const r = replay(futexProbe, programs({ kind: "wait" }, { kind: "wait" }, { kind: "wake", count: 1 }), "il1:2@0.0*1,1@0.0*1,3@0.0*2");
    expect(r.status).toBe("replayed");
    if (r.status !== "replayed") return;
    expect(r.execution.outcome).toBe("deadlock");
    expect(r.violation?.kind).toBe("deadlock");
    expect(r.violation?.message).toContain("interp 1 at call 0 (");
    expect(r.execution.history.find((h) => h.interp === 2)?.response).toEqual({ step: 3, result: 0 });
    expect(r.execution.history.find((h) => h.interp === 1)?.response).toBeNull();
  });
});

describe("shrink", () => {
  it("cuts a failing schedule to fewer preemptions and steps, and the result replays to the same failure", () => {
    const programs = moduleSlotPrograms(3, 2);
    const v = explore(moduleSlotsUnlockedCheck, programs, { ...hooks, strategy: { kind: "random", runs: 200, seed: 9 } }).violation;
    if (v === null) throw new Error("the mutant was not caught");
    const s = shrink(moduleSlotsUnlockedCheck, programs, v.token, hooks);
    expect(s.violation).toMatchObject({ kind: v.kind, property: v.property });
    expect(s.steps).toBeLessThanOrEqual(v.execution.steps);
    expect(s.preemptions).toBe(1);
    const again = replay(moduleSlotsUnlockedCheck, programs, s.token, hooks);
    expect(again.status === "replayed" && again.violation?.property).toBe(v.property);
  });

  it("refuses a token whose execution shows no violation", () => {
    expect(() => shrink(racyCounter, racyCounterPrograms, "il1:1@0.0*2,2@0.0*2")).toThrow(/shows no violation/);
  });
});
