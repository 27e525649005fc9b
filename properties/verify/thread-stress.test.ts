import { describe, expect, it } from "vitest";
import { threadId, type FamilyName } from "../../model/index.js";
import { stressFamily } from "./thread-stress.js";

/**
 * Stress mode on real threads (worker_threads over one SharedArrayBuffer, Atomics). Needs the
 * compiled workers: `npm test` builds first.
 */
const lockFamilies: FamilyName[] = ["global_lock", "refcounted_lock", "static_mutex"];
const allFamilies: FamilyName[] = ["global_lock", "runtime_store", "module_slots", "refcounted_lock", "static_mutex"];

/** Calls per worker: enough for the workers to race for seconds on two cores; `interlock stress` runs more. */
const CALLS = 300_000;

describe("stress: two workers, 300,000 calls each", () => {
  it.each(lockFamilies)("%s keeps mutual exclusion: no library call is lost, and finalisation leaks nothing", async (family) => {
    const r = await stressFamily({ family, workers: 2, callsPerWorker: CALLS });
    expect(r.completed, JSON.stringify(r.interpreters)).toBe(true);
    expect(r.totalCalls).toBe(2 * (1 + 3 * Math.floor((CALLS - 1) / 3))); // setup, then whole critical sections
    expect(r.library).not.toBeNull();
    expect(r.library!.counted).toBe(r.library!.expected);
    expect(r.cutShort).toBe(false);
    expect(r.finalization?.results.every((line) => line.endsWith(": ok"))).toBe(true);
    expect(r.finalization?.leaks).toBe(0);
  });

  it.each(["runtime_store", "module_slots"] as FamilyName[])("%s churns 300,000 calls per worker and finalisation leaks nothing", async (family) => {
    const r = await stressFamily({ family, workers: 2, callsPerWorker: CALLS });
    expect(r.completed, JSON.stringify(r.interpreters)).toBe(true);
    expect(r.totalCalls).toBeGreaterThan(2 * CALLS - 10);
    expect(r.cutShort).toBe(false);
    expect(r.finalization?.results.every((line) => line.endsWith(": ok"))).toBe(true);
    expect(r.finalization?.leaks).toBe(0);
  });
});

describe("stress: recorded histories agree with the model", () => {
  it.each(allFamilies)("a %s history of 3 workers × 1500 calls is linearizable", async (family) => {
    const r = await stressFamily({ family, workers: 3, callsPerWorker: 1500, recordHistory: true });
    expect(r.completed).toBe(true);
    expect(r.operations.length).toBeGreaterThan(4490);
    expect(r.verdict?.kind, r.verdict?.kind === "violation" ? r.verdict.explanation : "").toBe("ok");
  });
});

describe("stress: two threads of one interpreter (model D18)", () => {
  it.each(lockFamilies)("%s: threads 1 and 2 of interpreter 1 keep mutual exclusion between themselves, and their history agrees with the model", async (family) => {
    const r = await stressFamily({ family, workers: 2, threads: [1, threadId(1, 2)], callsPerWorker: 600, recordHistory: true });
    expect(r.completed, JSON.stringify(r.interpreters)).toBe(true);
    expect(r.interpreters.map((i) => [i.interp, i.thread])).toEqual([[1, 1], [1, threadId(1, 2)]]);
    expect(r.library!.counted).toBe(r.library!.expected);
    expect(r.finalization?.results).toEqual(["Py_FinalizeEx in interp 1: ok"]);
    expect(r.finalization?.leaks).toBe(0);
    expect(r.operations.some((op) => op.interp === threadId(1, 2))).toBe(true);
    expect(r.verdict?.kind, r.verdict?.kind === "violation" ? r.verdict.explanation : "").toBe("ok");
  });
});
