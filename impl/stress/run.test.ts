// Needs `npm run build` first: workers run dist/impl/stress/worker.js and the dist/ copy of the
// fixture (run.ts maps impl/... .ts paths to dist/ and refuses a dist/ file older than its source).
import { mkdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { type CounterCall, CounterWords, counterProgram } from "./fixtures/counter.js";
import { type StressHistoryEntry, type StressOptions, runStress, workerModuleUrl } from "./run.js";

const fixture = fileURLToPath(new URL("./fixtures/counter.ts", import.meta.url));
const repoRoot = path.resolve(path.dirname(fixture), "../../..");
const locked = { module: fixture, export: "counterSubject" } as const;
const unlocked = { ...locked, options: { locked: false } };
const generate = { module: fixture, export: "counterProgram" } as const;

type Entry = StressHistoryEntry<CounterCall, number>;

function run(options: StressOptions<CounterCall>) {
  return runStress<CounterCall, number>(options);
}

function incrementsIn(interp: number, seed: number, length: number): number {
  let n = 0;
  for (const call of counterProgram(interp, seed, length)) if (call === "increment") n++;
  return n;
}

/**
 * What every stress history must satisfy: each completed call was invoked before it responded;
 * no two events share a timestamp; each interpreter's calls appear in program order, one at a
 * time (a call is invoked after the previous one responded), at most the last one pending.
 * Returns the problems found, empty for a well-formed history.
 */
function historyProblems(history: readonly Entry[]): string[] {
  const problems: string[] = [];
  const seen = new Set<number>();
  const stamp = (t: number, what: string): void => {
    if (seen.has(t)) problems.push(`timestamp ${t} used twice (${what})`);
    seen.add(t);
  };
  const lastRespond = new Map<number, { index: number; respond: number | undefined }>();
  for (const e of [...history].sort((a, b) => a.interp - b.interp || a.index - b.index)) {
    const where = `interp ${e.interp} call ${e.index}`;
    stamp(e.invoke, where);
    if (e.status === "ok") {
      stamp(e.respond, where);
      if (!(e.invoke < e.respond)) problems.push(`${where}: invoke ${e.invoke} not before respond ${e.respond}`);
    }
    const prev = lastRespond.get(e.interp);
    if (prev === undefined ? e.index !== 0 : e.index !== prev.index + 1) problems.push(`${where}: out of program order`);
    if (prev !== undefined && (prev.respond === undefined || !(prev.respond < e.invoke))) {
      problems.push(`${where}: invoked before call ${prev.index} responded`);
    }
    lastRespond.set(e.interp, { index: e.index, respond: e.status === "ok" ? e.respond : undefined });
  }
  return problems;
}

describe("stress runs of PyMutex on real threads", () => {
  it("two interpreters making a million calls each under the mutex end with the exact total: no update is lost", async () => {
    const length = 1_000_000;
    const r = await run({
      subject: locked,
      programs: [1, 2].map((seed) => ({ generate, seed, length })),
      recordHistory: false,
    });
    expect(r.outcome).toBe("completed");
    expect(r.totalCalls).toBe(2 * length);
    expect(r.memory[CounterWords.counter]).toBe(incrementsIn(1, 1, length) + incrementsIn(2, 2, length));
    expect([r.memory[CounterWords.lock], r.memory[CounterWords.owner]]).toEqual([0, 0]);
  });

  it("the same run without the mutex loses updates, so the total check has teeth", async () => {
    const length = 1_000_000;
    const r = await run({
      subject: unlocked,
      programs: [1, 2].map((seed) => ({ generate, seed, length })),
      recordHistory: false,
    });
    expect(r.outcome).toBe("completed");
    expect(r.memory[CounterWords.counter]).toBeLessThan(incrementsIn(1, 1, length) + incrementsIn(2, 2, length));
  });

  it("histories are well formed, carries follow each interpreter, and every locked increment reads a distinct value", async () => {
    const programs = [1, 2].map((interp) => ({
      calls: [...counterProgram(interp, 7, 20_000)].map((c, i): CounterCall => (i % 10 === 9 ? "mine" : c)),
    }));
    const r = await run({ subject: locked, programs });
    const history = r.history ?? [];
    expect(r.outcome).toBe("completed");
    expect(history).toHaveLength(40_000);
    expect(historyProblems(history)).toEqual([]);
    for (const interp of [1, 2]) {
      let mine = 0;
      for (const e of history.filter((h) => h.interp === interp)) {
        if (e.status === "ok" && e.call === "mine") expect(e.result).toBe(mine);
        if (e.call === "increment") mine++;
      }
    }
    const reads = history.flatMap((e) => (e.status === "ok" && e.call === "increment" ? [e.result] : []));
    expect(new Set(reads).size).toBe(reads.length);
    expect(Math.max(...reads) + 1).toBe(r.memory[CounterWords.counter]);
  });

  it.each([
    { name: "a timestamp used twice", edit: (h: Entry[]) => h.map((e, i) => (i === 1 ? { ...e, invoke: h[0]!.invoke } : e)) },
    { name: "a respond before its invoke", edit: (h: Entry[]) => h.map((e) => (e.status === "ok" ? { ...e, invoke: e.respond + 1000 } : e)) },
    { name: "a missing call", edit: (h: Entry[]) => h.filter((e) => !(e.interp === 1 && e.index === 1)) },
    { name: "overlapping calls of one interpreter", edit: (h: Entry[]) => h.map((e) => (e.status === "ok" && e.interp === 2 && e.index === 0 ? { ...e, respond: 10_000 } : e)) },
  ])("the history check catches a broken history: $name", async ({ edit }) => {
    const r = await run({ subject: locked, programs: [{ calls: ["increment", "get", "increment"] }, { calls: ["increment", "increment"] }] });
    const history = [...(r.history ?? [])];
    expect(historyProblems(history)).toEqual([]);
    expect(historyProblems(edit(history))).not.toEqual([]);
  });
});

describe("stress runs that go wrong", () => {
  it("a worker that throws is reported with its last call, which stays pending in the history", async () => {
    const r = await run({
      subject: locked,
      programs: [{ calls: ["increment", "increment", "throw", "increment"] }, { calls: ["increment", "get", "increment"] }],
    });
    expect(r.outcome).toBe("failed");
    expect(r.interpreters[0]).toMatchObject({
      interp: 1,
      status: "threw",
      completed: 2,
      lastCall: { index: 2, call: "throw", pending: true },
      reason: expect.stringMatching(/deliberate throw/),
    });
    expect(r.interpreters[1]).toMatchObject({ interp: 2, status: "completed", completed: 3 });
    const history = r.history ?? [];
    expect(history.filter((e) => e.status === "pending")).toEqual([
      { status: "pending", interp: 1, index: 2, call: "throw", invoke: expect.any(Number) },
    ]);
    expect(history).toHaveLength(6);
    expect(historyProblems(history)).toEqual([]);
    expect(r.memory[CounterWords.counter]).toBe(4);
  });

  it("a worker that waits forever is reported hung and terminated, and the run still returns", async () => {
    const r = await run({
      subject: locked,
      programs: [{ calls: ["increment", "hang", "increment"] }, { calls: ["increment", "increment"] }],
      stallMs: 300,
    });
    expect(r.interpreters[0]).toMatchObject({
      status: "hung",
      completed: 1,
      lastCall: { index: 1, call: "hang", pending: true },
      reason: expect.stringMatching(/no progress for 300 ms/),
    });
    expect(r.interpreters[1]).toMatchObject({ status: "completed", completed: 2 });
    expect((r.history ?? []).filter((e) => e.status === "pending").map((e) => [e.interp, e.call])).toEqual([[1, "hang"]]);
    expect(r.memory[CounterWords.counter]).toBe(3);
  });

  it("the run timeout ends a stuck worker even when the stall limit is longer", async () => {
    const r = await run({
      subject: locked,
      programs: [{ calls: ["hang"] }],
      stallMs: 60_000,
      timeoutMs: 400,
    });
    expect(r.interpreters[0]).toMatchObject({ status: "stopped", completed: 0, lastCall: { index: 0, call: "hang", pending: true } });
    expect(r.interpreters[0]?.reason).toMatch(/run timeout \(400 ms\)/);
  });

  it("a worker that exits mid-program is reported as exited with its last call pending", async () => {
    const r = await run({ subject: locked, programs: [{ calls: ["increment", "exit", "increment"] }] });
    expect(r.interpreters[0]).toMatchObject({
      status: "exited",
      completed: 1,
      lastCall: { index: 1, call: "exit", pending: true },
      reason: expect.stringMatching(/code 7/),
    });
    expect(r.history?.map((e) => [e.status, e.call])).toEqual([["ok", "increment"], ["pending", "exit"]]);
  });

  it("a generated program's pending call is named too, regenerated from its seed", async () => {
    const r = await run({
      subject: locked,
      programs: [{ generate: { module: fixture, export: "hangingProgram" }, seed: 5, length: 1_000 }],
      recordHistory: false,
      stallMs: 300,
    });
    expect(r.interpreters[0]).toMatchObject({ status: "hung", completed: 999, lastCall: { index: 999, call: "hang", pending: true } });
    expect(r).not.toHaveProperty("history");
  });

  it("a worker that fails while loading does not leave the others asleep at the start barrier", async () => {
    const r = await run({
      subject: locked,
      programs: [{ generate: { module: fixture, export: "CounterWords" }, seed: 1, length: 1 }, { calls: ["increment"] }],
      stallMs: 2_000,
      timeoutMs: 10_000,
    });
    expect(r.interpreters[0]).toMatchObject({ status: "threw", completed: 0, reason: expect.stringMatching(/not a function/) });
    expect(r.interpreters[0]).not.toHaveProperty("lastCall");
    expect(r.interpreters[1]).toMatchObject({ status: "completed", completed: 1 });
  });

  it("an export that is not a Subject is refused with an error naming it", async () => {
    await expect(run({ subject: { module: fixture, export: "CounterWords" }, programs: [{ calls: [] }] })).rejects.toThrow(
      /counter\.js#CounterWords is not a Subject/,
    );
  });
});

describe("worker module paths", () => {
  it.each([
    { given: "impl/stress/fixtures/counter.ts", maps: "dist/impl/stress/fixtures/counter.js" },
    { given: "dist/impl/stress/fixtures/counter.js", maps: "dist/impl/stress/fixtures/counter.js" },
  ])("$given is run by workers as $maps", ({ given, maps }) => {
    expect(fileURLToPath(workerModuleUrl(path.join(repoRoot, given)))).toBe(path.join(repoRoot, maps));
  });

  it("a dist/ copy older than its .ts source is refused, so a forgotten build cannot run stale code", () => {
    const source = path.join(repoRoot, "impl/stress/fixtures/stale-probe.test-tmp.ts");
    const compiled = path.join(repoRoot, "dist/impl/stress/fixtures/stale-probe.test-tmp.js");
    mkdirSync(path.dirname(compiled), { recursive: true });
    try {
      writeFileSync(source, "export {};\n");
      writeFileSync(compiled, "export {};\n");
      utimesSync(compiled, new Date(2_000_000_000), new Date(2_000_000_000));
      utimesSync(source, new Date(3_000_000_000), new Date(3_000_000_000));
      expect(() => workerModuleUrl(source)).toThrow(/older than .*npm run build/);
      utimesSync(compiled, new Date(4_000_000_000), new Date(4_000_000_000));
      expect(fileURLToPath(workerModuleUrl(source))).toBe(compiled);
    } finally {
      rmSync(source, { force: true });
      rmSync(compiled, { force: true });
    }
  });

  it.each([
    { given: "/tmp/elsewhere/subject.ts", error: /outside/ },
    { given: "impl/stress/fixtures/no-such-subject.ts", error: /does not exist.*npm run build/ },
  ])("$given is refused", ({ given, error }) => {
    expect(() => workerModuleUrl(path.isAbsolute(given) ? given : path.join(repoRoot, given))).toThrow(error);
  });
});
