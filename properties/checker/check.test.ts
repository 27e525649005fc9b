import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  kvModel,
  kvModelUnpartitioned,
  mutexModel,
  registerModel,
  type KvCall,
  type MutexCall,
  type RegisterCall,
} from "./example-models.js";
import {
  canonicalJson,
  checkHistory,
  checkHistoryBruteForce,
  emptyStats,
  validateLinearization,
  type Model,
  type Operation,
  type Verdict,
} from "./index.js";
import { checkHistoryComposing, partitionsOf, shareOf, type Composing } from "./check.js";
import { independentGroups, mergeOrders } from "./compose.js";
import { normalizeModel } from "./normalize.js";
import { randomHistory, seededRandom, type HistoryShape } from "./random-history.js";

type AnyCall = RegisterCall | KvCall | MutexCall;
type AnyModel = Model<unknown, AnyCall, number>;
type Op = Operation<AnyCall, number>;

/** The example models with a call generator each; kv appears whole and partitioned. */
const families: { name: string; model: AnyModel; whole: AnyModel; nextCall: HistoryShape<AnyCall>["nextCall"] }[] = [
  {
    name: "register",
    model: registerModel as AnyModel,
    whole: registerModel as AnyModel,
    nextCall: (random) => {
      const pick = random();
      const value = 1 + Math.floor(random() * 3);
      if (pick < 0.4) return { _tag: "read" };
      if (pick < 0.8) return { _tag: "write", value };
      return { _tag: "cas", expected: Math.floor(random() * 3), value };
    },
  },
  {
    name: "kv",
    model: kvModel as AnyModel,
    whole: kvModelUnpartitioned as AnyModel,
    nextCall: (random) => {
      const key = ["a", "b", "c"][Math.floor(random() * 3)]!;
      return random() < 0.5 ? { _tag: "get", key } : { _tag: "put", key, value: 1 + Math.floor(random() * 3) };
    },
  },
  {
    name: "mutex",
    model: mutexModel as AnyModel,
    whole: mutexModel as AnyModel,
    nextCall: (random) => (random() < 0.55 ? { _tag: "acquire" } : { _tag: "release" }),
  },
];

/** Ways to break a history, applied to the operation at `pick` (modulo the history's length). */
type Corruption =
  | { kind: "none" }
  | { kind: "flip-result"; pick: number; delta: number }
  | { kind: "move-interval"; pick: number; shift: number }
  | { kind: "make-pending"; pick: number }
  | { kind: "make-returned"; pick: number; after: number; result: number };

const corruptionArb: fc.Arbitrary<Corruption> = fc.oneof(
  fc.constant({ kind: "none" as const }),
  fc.record({ kind: fc.constant("flip-result" as const), pick: fc.nat(), delta: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant("move-interval" as const), pick: fc.nat(), shift: fc.integer({ min: -4, max: 4 }) }),
  fc.record({ kind: fc.constant("make-pending" as const), pick: fc.nat() }),
  fc.record({
    kind: fc.constant("make-returned" as const),
    pick: fc.nat(),
    after: fc.integer({ min: 0, max: 4 }),
    result: fc.integer({ min: -1, max: 3 }),
  }),
);

function corrupt(ops: Op[], c: Corruption): Op[] {
  if (c.kind === "none" || ops.length === 0) return ops;
  const at = c.pick % ops.length;
  return ops.map((op, k): Op => {
    if (k !== at) return op;
    switch (c.kind) {
      case "flip-result":
        return op.respond === undefined ? op : { ...op, result: op.result! + c.delta };
      case "move-interval":
        return op.respond === undefined
          ? { ...op, invoke: op.invoke + c.shift }
          : { ...op, invoke: op.invoke + c.shift, respond: op.respond + c.shift };
      case "make-pending": {
        const { respond: _respond, result: _result, ...rest } = op;
        return rest;
      }
      case "make-returned":
        return op.respond === undefined ? { ...op, respond: op.invoke + c.after, result: c.result } : op;
    }
  });
}

const ids = (ops: readonly Op[]): number[] => ops.map((op) => op.id);

describe("histories built from a run of the model", () => {
  it.each(families)("every $name history generated from a linearization is linearizable", ({ model, whole, nextCall }) => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 60 }),
        fc.constantFrom(0, 0.05, 0.2),
        fc.nat(),
        (threads, operations, crashRate, seed) => {
          const ops = randomHistory(model, { threads, operations, crashRate, nextCall }, seed);
          for (const m of [model, whole]) {
            const verdict = checkHistory(m, ops);
            if (verdict.kind !== "ok") throw new Error(`expected ok, got ${verdict.kind}: ${JSON.stringify(verdict)}`);
            const wrong = validateLinearization(m, ops, verdict.linearization);
            if (wrong !== undefined) throw new Error(`the witness is not a linearization: ${wrong}`);
          }
        },
      ),
      { seed: 20261126, numRuns: 150 },
    );
  });

  it("histories generated with crashes hold pending operations and are linearizable", () => {
    const ops = randomHistory(registerModel as AnyModel, { threads: 6, operations: 400, crashRate: 0.2, nextCall: families[0]!.nextCall }, 7);
    const pending = ops.filter((op) => op.respond === undefined);
    expect(pending.length).toBeGreaterThan(1);
    const verdict = checkHistory(registerModel as AnyModel, ops);
    expect(verdict.kind).toBe("ok");
  });
});

describe("agreement with the brute-force reference on small histories", () => {
  it.each(families)("on small valid or corrupted $name histories the verdict equals brute force, every time", ({ model, whole, nextCall }) => {
    const seen = { ok: 0, violation: 0 };
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 7 }),
        fc.constantFrom(0, 0.3),
        fc.nat(),
        corruptionArb,
        (threads, operations, crashRate, seed, corruption) => {
          const ops = corrupt(randomHistory(model, { threads, operations, crashRate, nextCall }, seed), corruption);
          const brute = checkHistoryBruteForce(whole, ops);
          const fastWhole = checkHistory(whole, ops);
          const fastParts = checkHistory(model, ops);
          if (brute.kind === "unknown") throw new Error("brute force gave up on a small history");
          seen[brute.kind]++;
          if (fastWhole.kind !== brute.kind || fastParts.kind !== brute.kind) {
            throw new Error(`brute force ${brute.kind}, checker ${fastWhole.kind} / partitioned ${fastParts.kind}`);
          }
          const returnedIn = (prefix: readonly Op[]): number => prefix.filter((op) => op.respond !== undefined).length;
          if (brute.kind === "violation" && fastWhole.kind === "violation" && returnedIn(fastWhole.prefix) !== returnedIn(brute.prefix)) {
            throw new Error(`longest prefix places ${returnedIn(fastWhole.prefix)} returned operations, brute force ${returnedIn(brute.prefix)}`);
          }
          for (const [m, v] of [[whole, fastWhole], [model, fastParts]] as const) {
            if (v.kind === "ok" && validateLinearization(m, ops, v.linearization) !== undefined) throw new Error("bad witness");
          }
        },
      ),
      { seed: 424242, numRuns: 400 },
    );
    // Both outcomes must be common, or the agreement proves little.
    expect(seen.ok).toBeGreaterThan(40);
    expect(seen.violation).toBeGreaterThan(40);
  });
});

/**
 * A history whose search is exponential without the memo: `count` writes of distinct values, all
 * concurrent, then a read of a value nobody wrote. Every order of the writes must be ruled out.
 */
function hardHistory(count: number): Op[] {
  const ops: Op[] = [];
  for (let k = 0; k < count; k++) {
    ops.push({ id: k, interp: k + 1, call: { _tag: "write", value: k + 1 }, invoke: 0, respond: 100, result: 0 });
  }
  ops.push({ id: count, interp: count + 1, call: { _tag: "read" }, invoke: 101, respond: 102, result: 999 });
  return ops;
}

describe("budgets", () => {
  it("a zero time budget on a hard history gives unknown (time), not a throw", () => {
    const verdict = checkHistory(registerModel as AnyModel, hardHistory(14), { timeMs: 0, analyse: false });
    expect(verdict).toMatchObject({ kind: "unknown", reason: "time" });
  });

  it("a tiny memo budget on a hard history gives unknown (memory), and the memo never outgrows it", () => {
    const stats = emptyStats();
    const verdict = checkHistory(registerModel as AnyModel, hardHistory(14), { maxMemoEntries: 50, stats, analyse: false });
    expect(verdict).toMatchObject({ kind: "unknown", reason: "memory" });
    // The budget holds memo entries and interned states together.
    expect(stats.memoEntries + stats.states).toBeLessThanOrEqual(51);
    expect(stats.memoEntries + stats.states).toBeGreaterThan(45);
  });

  it("tiny budgets on random hard histories end in a verdict or unknown with the right reason, never a throw", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 6, max: 12 }),
        fc.nat(),
        fc.oneof(fc.record({ timeMs: fc.constantFrom(0, 1) }), fc.record({ maxMemoEntries: fc.integer({ min: 1, max: 200 }) })),
        (threads, seed, budget) => {
          const ops = randomHistory(kvModelUnpartitioned as AnyModel, { threads, operations: 3 * threads, nextCall: families[1]!.nextCall }, seed);
          // A read of a value nobody wrote, concurrent with nothing: forces an exhaustive search.
          const end = Math.max(...ops.map((op) => op.respond ?? op.invoke)) + 1;
          ops.push({ id: ops.length, interp: threads + 1, call: { _tag: "get", key: "a" }, invoke: end, respond: end, result: 999 });
          const stats = emptyStats();
          const verdict = checkHistory(kvModelUnpartitioned as AnyModel, ops, { ...budget, stats });
          if (verdict.kind === "ok") throw new Error("an impossible read was accepted");
          if (verdict.kind === "unknown") {
            expect(verdict.reason).toBe("timeMs" in budget ? "time" : "memory");
          }
          // At most one state beyond the budget: the one whose entry found it spent.
          if ("maxMemoEntries" in budget) expect(stats.memoEntries + stats.states).toBeLessThanOrEqual(budget.maxMemoEntries + 1);
        },
      ),
      { seed: 99, numRuns: 60 },
    );
  });

  // Runs the compiled checker (npm test builds dist/ first) in a child with a 48 MB old space.
  const compiled = fileURLToPath(new URL("../../dist/properties/checker/index.js", import.meta.url));
  it.runIf(existsSync(compiled))("on a 48 MB heap, a hard history with an unbounded memo ends in unknown (memory), not a crash", () => {
    const script = `
      const { checkHistory, memoEntriesCap } = await import(process.argv[1]);
      const ops = [];
      for (let k = 0; k < 22; k++) ops.push({ id: k, interp: k + 1, call: { _tag: "write", value: k + 1 }, invoke: 0, respond: 100, result: 0 });
      ops.push({ id: 22, interp: 23, call: { _tag: "read" }, invoke: 101, respond: 102, result: 999 });
      const register = { init: () => 0, step: (s, _i, c) => (c._tag === "read" ? { state: s, result: s } : { state: c.value, result: 0 }) };
      console.log(JSON.stringify(checkHistory(register, ops, { maxMemoEntries: memoEntriesCap, analyse: false })));`;
    const child = spawnSync(process.execPath, ["--max-old-space-size=48", "--input-type=module", "-e", script, compiled], { encoding: "utf8" });
    expect(child.stderr).toBe("");
    expect(child.status).toBe(0);
    expect(JSON.parse(child.stdout)).toMatchObject({ kind: "unknown", reason: "memory" });
  });

  it("a memo budget that runs out in one partition still lets a later partition show its violation", () => {
    const ops: Op[] = hardHistory(10).map((op) => ({
      ...op,
      call: op.call._tag === "write" ? { _tag: "put", key: "a", value: op.call.value } : { _tag: "get", key: "a" },
    }));
    ops.pop(); // key a: ten concurrent puts, linearizable but needs more than 5 memo entries
    ops.push({ id: 100, interp: 1, call: { _tag: "put", key: "b", value: 1 }, invoke: 200, respond: 201, result: 0 });
    ops.push({ id: 101, interp: 2, call: { _tag: "get", key: "b" }, invoke: 202, respond: 203, result: 0 });
    const verdict = checkHistory(kvModel as AnyModel, ops, { maxMemoEntries: 5 });
    expect(verdict).toMatchObject({ kind: "violation", partition: 1 });
    expect(checkHistory(kvModel as AnyModel, ops.slice(0, 10), { maxMemoEntries: 5 })).toMatchObject({ kind: "unknown", reason: "memory" });
  });
});

describe("the memo and partitioning", () => {
  it("the memo cuts the search on a hard history by more than ten times, with the same verdict", () => {
    const withMemo = emptyStats();
    const withoutMemo = emptyStats();
    const a = checkHistory(registerModel as AnyModel, hardHistory(7), { stats: withMemo, analyse: false });
    const b = checkHistory(registerModel as AnyModel, hardHistory(7), { stats: withoutMemo, memo: false });
    expect(a.kind).toBe("violation");
    expect(b.kind).toBe("violation");
    expect(withMemo.memoHits).toBeGreaterThan(0);
    expect(withMemo.nodes * 10).toBeLessThan(withoutMemo.nodes);
  });

  it("partitioning per key gives the same verdict as checking the whole history", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 40 }), fc.nat(), corruptionArb, (threads, operations, seed, corruption) => {
        const ops = corrupt(randomHistory(kvModel as AnyModel, { threads, operations, crashRate: 0.1, nextCall: families[1]!.nextCall }, seed), corruption);
        const parts = checkHistory(kvModel as AnyModel, ops).kind;
        expect(checkHistory(kvModelUnpartitioned as AnyModel, ops).kind).toBe(parts);
        expect(checkHistory(kvModel as AnyModel, ops, { partition: false }).kind).toBe(parts);
      }),
      { seed: 5, numRuns: 200 },
    );
  });

  it("partitioning explores fewer nodes than checking the whole history", () => {
    const ops = randomHistory(kvModel as AnyModel, { threads: 8, operations: 300, nextCall: families[1]!.nextCall }, 3);
    const parts = emptyStats();
    const whole = emptyStats();
    checkHistory(kvModel as AnyModel, ops, { stats: parts });
    checkHistory(kvModel as AnyModel, ops, { stats: whole, partition: false });
    expect(parts.partitions).toBe(3);
    expect(whole.partitions).toBe(1);
    expect(parts.nodes).toBeLessThan(whole.nodes);
  });
});

describe("determinism", () => {
  it("the same history, in any array order, gives the same verdict and witness byte for byte", () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), corruptionArb, (seed, shuffleSeed, corruption) => {
        const ops = corrupt(randomHistory(kvModel as AnyModel, { threads: 4, operations: 30, crashRate: 0.1, nextCall: families[1]!.nextCall }, seed), corruption);
        const random = seededRandom(shuffleSeed);
        const shuffled = ops
          .map((op) => ({ op, r: random() }))
          .sort((x, y) => x.r - y.r)
          .map((x) => x.op);
        const first = JSON.stringify(checkHistory(kvModel as AnyModel, ops));
        expect(JSON.stringify(checkHistory(kvModel as AnyModel, ops))).toBe(first);
        expect(JSON.stringify(checkHistory(kvModel as AnyModel, shuffled))).toBe(first);
      }),
      { seed: 11, numRuns: 100 },
    );
  });
});

describe("misuse", () => {
  const write = (id: number, invoke: number, respond?: number): Op =>
    respond === undefined ? { id, interp: 1, call: { _tag: "write", value: 1 }, invoke } : { id, interp: 1, call: { _tag: "write", value: 1 }, invoke, respond, result: 0 };

  it.each([
    { name: "duplicate ids", ops: [write(1, 0, 1), write(1, 2, 3)], message: /appears twice/ },
    { name: "a response before its invocation", ops: [write(1, 5, 3)], message: /before it is invoked/ },
    { name: "a pending operation with a result", ops: [{ ...write(1, 0), result: 0 }], message: /pending/ },
    { name: "a response without a result", ops: [{ id: 1, interp: 1, call: { _tag: "read" }, invoke: 0, respond: 1 } as Op], message: /without a result/ },
    { name: "a non-finite timestamp", ops: [write(1, Number.NaN, 1)], message: /not finite/ },
  ])("a history with $name is rejected with a clear error", ({ ops, message }) => {
    expect(() => checkHistory(registerModel as AnyModel, ops)).toThrow(message);
  });

  it("a partition function that loses an operation is rejected", () => {
    const lossy: AnyModel = { ...(registerModel as AnyModel), partition: (ops) => [ops.slice(1)] };
    expect(() => checkHistory(lossy, [write(1, 0, 1), write(2, 2, 3)])).toThrow(/partition/);
  });
});

describe("the witness validator", () => {
  const ops: Op[] = [
    { id: 0, interp: 1, call: { _tag: "write", value: 1 }, invoke: 0, respond: 1, result: 0 },
    { id: 1, interp: 2, call: { _tag: "read" }, invoke: 2, respond: 3, result: 1 },
    { id: 2, interp: 1, call: { _tag: "write", value: 2 }, invoke: 2 },
  ];
  const byId = (list: number[]): Op[] => list.map((i) => ops[i]!);

  it.each([
    { order: [0, 1], reason: undefined },
    { order: [0, 1, 2], reason: undefined },
    { order: [1, 0], reason: /responded/ },
    { order: [0], reason: /missing/ },
    { order: [0, 2, 1], reason: /returned 1 but the model returns 2/ },
    { order: [0, 1, 1], reason: /twice/ },
  ])("order $order is judged $reason", ({ order, reason }) => {
    const verdict = validateLinearization(registerModel as AnyModel, ops, byId(order));
    if (reason === undefined) expect(verdict).toBeUndefined();
    else expect(verdict).toMatch(reason);
  });

  it("every ok witness of the checker passes it, and a witness with two operations swapped against real time fails it", () => {
    const verdict: Verdict<AnyCall, number> = checkHistory(registerModel as AnyModel, ops);
    expect(verdict.kind).toBe("ok");
    if (verdict.kind !== "ok") return;
    expect(ids(verdict.linearization)).toEqual([0, 1]);
    expect(validateLinearization(registerModel as AnyModel, ops, [...verdict.linearization].reverse())).toBeDefined();
  });
});

describe("canonicalJson, the default state key", () => {
  it.each([
    { label: "objects with keys in another order", a: { a: 1, b: 2 }, b: { b: 2, a: 1 }, same: true },
    { label: "an undefined field and a missing one", a: { a: undefined }, b: {}, same: false },
    { label: "arrays in another order", a: [1, 2], b: [2, 1], same: false },
    { label: "0 and -0", a: 0, b: -0, same: false },
    { label: "NaN and NaN", a: Number.NaN, b: Number.NaN, same: true },
    { label: "1n and 1", a: 1n, b: 1, same: false },
    { label: '"1" and 1', a: "1", b: 1, same: false },
    { label: "Maps built in another order", a: new Map([[1, "x"], [2, "y"]]), b: new Map([[2, "y"], [1, "x"]]), same: true },
    { label: "Sets built in another order", a: new Set([1, 2]), b: new Set([2, 1]), same: true },
    { label: "a Set and an array", a: new Set([1]), b: [1], same: false },
  ])("$label get equal keys: $same", ({ a, b, same }) => {
    expect(canonicalJson(a) === canonicalJson(b)).toBe(same);
  });
});

describe("the reachability analysis (reach.ts)", () => {
  it.each(families)("on small $name histories full of crashed operations, verdicts and longest prefixes equal brute force with and without it", ({ model, whole, nextCall }) => {
    let refutedByAnalysis = 0;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 8 }), fc.constantFrom(0.3, 0.5), fc.nat(), corruptionArb, (threads, operations, crashRate, seed, corruption) => {
        const ops = corrupt(randomHistory(model, { threads, operations, crashRate, nextCall }, seed), corruption);
        const brute = checkHistoryBruteForce(whole, ops);
        const returnedIn = (prefix: readonly Op[]): number => prefix.filter((op) => op.respond !== undefined).length;
        for (const [m, analyse] of [[whole, true], [whole, false], [model, true]] as const) {
          const v = checkHistory(m, ops, { analyse });
          expect(v.kind).toBe(brute.kind);
          // A partitioned check's prefix is its failing partition's: compare the whole history's.
          if (v.kind === "violation" && brute.kind === "violation" && m === whole) {
            expect(returnedIn(v.prefix)).toBe(returnedIn(brute.prefix));
            if (analyse && v.explanation.startsWith("No state")) refutedByAnalysis++;
          }
          if (v.kind === "ok") expect(validateLinearization(m, ops, v.linearization)).toBeUndefined();
        }
      }),
      { seed: 777, numRuns: 300 },
    );
    // The analysis must have decided some of them itself, or this proves little about it.
    if (model !== mutexModel) expect(refutedByAnalysis).toBeGreaterThan(10);
  });

  it("a read of a value nobody wrote, behind forty crashed writes, is refuted in a few thousand nodes with the proven longest prefix", () => {
    const ops: Op[] = [];
    for (let k = 0; k < 40; k++) ops.push({ id: k, interp: k + 1, call: { _tag: "write", value: 1 + (k % 3) }, invoke: k, });
    for (let k = 0; k < 40; k++) ops.push({ id: 100 + k, interp: 50 + (k % 4), call: { _tag: "read" }, invoke: 2 * k, respond: 2 * k + 1, result: 1 + (k % 3) });
    ops.push({ id: 200, interp: 60, call: { _tag: "read" }, invoke: 90, respond: 91, result: 7 });
    const stats = emptyStats();
    const verdict = checkHistory(registerModel as AnyModel, ops, { stats });
    expect(verdict.kind).toBe("violation");
    if (verdict.kind !== "violation") return;
    expect(verdict.explanation).toContain("[op 200] returned 7");
    expect(verdict.explanation).not.toContain("not proven the longest");
    expect(verdict.prefix.filter((op) => op.respond !== undefined)).toHaveLength(40);
    expect(stats.nodes).toBeLessThan(5_000);
    // Without the analysis the same history is out of reach of a small budget.
    expect(checkHistory(registerModel as AnyModel, ops, { analyse: false, maxNodes: 300_000 }).kind).toBe("unknown");
  });

  it("crashed writes of the same value are tried in one order only: far fewer nodes, the same verdict", () => {
    // Eight crashed writes of 1 and eight of 2, then alternating reads 1, 2, 1, … that need nine of
    // each: not linearizable, and no single operation is impossible, so the search must show it.
    const ops: Op[] = [];
    for (let k = 0; k < 16; k++) ops.push({ id: k, interp: k + 1, call: { _tag: "write", value: 1 + (k % 2) }, invoke: 0 });
    for (let k = 0; k < 18; k++) ops.push({ id: 100 + k, interp: 40, call: { _tag: "read" }, invoke: 10 + 2 * k, respond: 11 + 2 * k, result: 1 + (k % 2) });
    const [on, off] = [emptyStats(), emptyStats()];
    const a = checkHistory(registerModel as AnyModel, ops, { stats: on });
    const b = checkHistory(registerModel as AnyModel, ops, { stats: off, analyse: false });
    expect(a.kind).toBe("violation");
    expect(b.kind).toBe("violation");
    if (a.kind === "violation" && b.kind === "violation") expect(a.prefix.filter((op) => op.respond !== undefined).length).toBe(b.prefix.filter((op) => op.respond !== undefined).length);
    expect(on.nodes * 10).toBeLessThan(off.nodes);
  });
});

describe("unknown verdicts say how far the search got", () => {
  it("an unpartitioned history cut short by the work budget names the longest prefix found", () => {
    // Ten concurrent writes, then a read of a value nobody wrote, then a sequential tail.
    const ops: Op[] = hardHistory(10);
    for (let k = 0; k < 5; k++) ops.push({ id: 50 + k, interp: 50, call: { _tag: "write", value: 1 }, invoke: 200 + 2 * k, respond: 201 + 2 * k, result: 0 });
    const verdict = checkHistory(registerModel as AnyModel, ops, { analyse: false, maxNodes: 5_000 });
    expect(verdict).toMatchObject({ kind: "unknown", reason: "work" });
    if (verdict.kind === "unknown") expect(verdict.detail).toMatch(/the longest linearizable prefix found places 10 of 16 returned operations; whether the rest can follow is undecided$/);
  });
});

describe("shares of partitions (the CLI's --jobs)", () => {
  it("the shares' linearizations, put together in partition order, are the single-thread linearization", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 2, max: 3 }), fc.nat(), (threads, operations, of, seed) => {
        const ops = randomHistory(kvModel as AnyModel, { threads, operations, crashRate: 0.1, nextCall: families[1]!.nextCall }, seed);
        const whole = checkHistory(kvModel as AnyModel, ops);
        expect(whole.kind).toBe("ok");
        const parts = partitionsOf(kvModel as AnyModel, ops);
        const owner = shareOf(parts, of);
        const byPart = new Map<number, number[]>();
        for (let index = 0; index < of; index++) {
          const v = checkHistory(kvModel as AnyModel, ops, { share: { index, of } });
          expect(v.kind).toBe("ok");
          if (v.kind !== "ok") return;
          for (const op of v.linearization) {
            const k = parts.findIndex((part) => part.some((o) => o.id === op.id));
            expect(owner[k]).toBe(index);
            byPart.set(k, [...(byPart.get(k) ?? []), op.id]);
          }
        }
        const joined = [...byPart.entries()].sort((a, b) => a[0] - b[0]).flatMap(([, ids]) => ids);
        if (whole.kind === "ok") expect(joined).toEqual(ids(whole.linearization));
      }),
      { seed: 31, numRuns: 60 },
    );
  });

  it("shareOf gives every partition one worker, the largest first to the least loaded", () => {
    expect(shareOf([[1, 2, 3], [1], [1, 2], [1, 2]], 2)).toEqual([0, 0, 1, 1]);
  });
});

describe("an inferred split of an unpartitioned history (compose.ts)", () => {
  /** Brute force against the checker composing at once (`afterNodes` 0), on small histories of every family; the first disagreement, if any. */
  const disagreement = (composing: Composing): string | undefined => {
    const details = fc.check(
      fc.property(fc.constantFrom(...families), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 7 }), fc.constantFrom(0, 0.3), fc.nat(), corruptionArb, ({ whole, nextCall }, threads, operations, crashRate, seed, corruption) => {
        const ops = corrupt(randomHistory(whole, { threads, operations, crashRate, nextCall }, seed), corruption);
        const brute = checkHistoryBruteForce(whole, ops);
        const composed = checkHistoryComposing(whole, ops, {}, composing, 0);
        if (composed.kind !== brute.kind) throw new Error(`brute force ${brute.kind}, composed ${composed.kind}`);
        if (composed.kind === "ok" && validateLinearization(whole, ops, composed.linearization) !== undefined) throw new Error("bad witness");
      }),
      { seed: 515151, numRuns: 500 },
    );
    return details.failed ? String(details.errorInstance) : undefined;
  };

  it("composing at once gives brute force's verdict on small valid or corrupted histories, with valid witnesses", () => {
    expect(disagreement("verified")).toBeUndefined();
  });

  it("the deliberately broken variant (states-only independence, merged witness not replayed) is caught by the same comparison", () => {
    // Caught either way: a violation called ok, or an ok witness that is no linearization.
    expect(disagreement("trusted-unsound")).toMatch(/brute force violation, composed ok|bad witness/);
  });

  it("a key-value map's calls fall into one group per key; a register's into one group (no split)", () => {
    const ops = randomHistory(kvModelUnpartitioned as AnyModel, { threads: 4, operations: 60, nextCall: families[1]!.nextCall }, 3);
    const groups = independentGroups(normalizeModel(kvModelUnpartitioned as AnyModel), ops, { steps: 0 })!;
    expect(groups.map((g) => [...new Set(g.map((op) => (op.call as KvCall).key))])).toEqual(expect.arrayContaining([["a"], ["b"], ["c"]]));
    expect(groups.length).toBe(3);
    const registerOps = randomHistory(registerModel as AnyModel, { threads: 4, operations: 60, nextCall: families[0]!.nextCall }, 3);
    expect(independentGroups(normalizeModel(registerModel as AnyModel), registerOps, { steps: 0 })).toBeUndefined();
  });

  it("merging keeps each group's order and real time, and refuses orders real time cannot join", () => {
    const op = (id: number, invoke: number, respond: number): Op => ({ id, interp: id, call: { _tag: "read" }, invoke, respond, result: 0 });
    const [a, b, c, d] = [op(0, 0, 1), op(1, 2, 3), op(2, 0, 10), op(3, 4, 5)];
    expect(ids(mergeOrders([[a!, b!, d!], [c!]])!)).toEqual([0, 2, 1, 3]);
    expect(mergeOrders([[b!], [a!, d!], [c!]])!.map((x) => x.id)).toEqual([0, 2, 1, 3]);
    expect(mergeOrders([[b!, a!]])).toBeUndefined(); // a responded before b was invoked
  });

  it("a 16-thread unpartitioned key-value history the search alone leaves unknown is decided through the split", () => {
    const keys = ["k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9"];
    const nextCall = (random: () => number): KvCall => {
      const key = keys[Math.floor(random() * keys.length)]!;
      return random() < 0.5 ? { _tag: "get", key } : { _tag: "put", key, value: 1 + Math.floor(random() * 5) };
    };
    const ops = randomHistory(kvModelUnpartitioned as AnyModel, { threads: 16, operations: 1_000, crashRate: 0.001, nextCall }, 16);
    expect(checkHistoryComposing(kvModelUnpartitioned as AnyModel, ops, { maxNodes: 150_000 }, "off").kind).toBe("unknown");
    const verdict = checkHistory(kvModelUnpartitioned as AnyModel, ops, { maxNodes: 150_000 });
    expect(verdict.kind).toBe("ok");
    if (verdict.kind === "ok") expect(validateLinearization(kvModelUnpartitioned as AnyModel, ops, verdict.linearization)).toBeUndefined();
  });
});
