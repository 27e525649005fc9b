import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import kvModel, { wholeStoreModel, type KvCall } from "../checker/examples/kv.js";
import registerModel, { randomRegisterCall, type RegisterCall, type RegisterValue } from "../checker/examples/register.js";
import { checkHistory, checkHistoryBruteForce, type Model, type Operation } from "../checker/index.js";
import { fromPorcupine } from "../checker/porcupine.js";
import { randomHistory } from "../checker/random-history.js";
import { models, threadId } from "../../model/index.js";
import { checkerModel } from "../judge/checker-model.js";
import { decodeHistory, encodeHistory, HistoryError } from "./history-file.js";
import { checkNesting, detectFormat, parseGenericHistory, readHistoryText, writeGenericHistory, type GenericHistory } from "./history-formats.js";

type Op = Operation<unknown, unknown>;
const register = registerModel as Model<unknown, unknown, unknown>;

/** A Jepsen register call: reads, writes and cas over three values. */
const nextRegisterCall = (random: () => number): RegisterCall => randomRegisterCall(random, 3);

/** A register history from a run of the model, with a read made to return a value (perhaps) nobody wrote. */
function registerHistory(threads: number, operations: number, crashRate: number, seed: number, corruptAt: number | undefined): Op[] {
  const ops = randomHistory(register, { threads, operations, crashRate, nextCall: nextRegisterCall }, seed) as Op[];
  const reads = ops.filter((op) => (op.call as RegisterCall).f === "read" && op.respond !== undefined);
  if (corruptAt !== undefined && reads.length > 0) reads[corruptAt % reads.length]!.result = 1 + (corruptAt % 4);
  return ops;
}

const formats = ["jsonl", "jsonl-calls", "edn", "porcupine-ops", "porcupine-events"] as const;
const readFormat = (f: (typeof formats)[number]): GenericHistory["format"] => (f === "jsonl-calls" ? "jsonl" : f);

describe("every reader gives back the history it was written from, and the checker agrees with brute force on it", () => {
  it.each(formats)("%s: small register histories, crashes and corrupted reads included, get the brute-force verdict", async (format) => {
    const seen = { ok: 0, violation: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 7 }),
        fc.constantFrom(0, 0.3),
        fc.nat(),
        fc.option(fc.nat(), { nil: undefined }),
        async (threads, operations, crashRate, seed, corruptAt) => {
          const ops = registerHistory(threads, operations, crashRate, seed, corruptAt);
          const brute = checkHistoryBruteForce(register, ops);
          if (brute.kind === "unknown") throw new Error("brute force gave up on a small history");
          seen[brute.kind]++;
          const read = await parseGenericHistory(writeGenericHistory(ops, format), readFormat(format), "test");
          expect(read.operations).toHaveLength(ops.length);
          expect(read.operations.filter((op) => op.respond === undefined)).toHaveLength(ops.filter((op) => op.respond === undefined).length);
          expect(checkHistory(register, ops).kind).toBe(brute.kind);
          // Line formats may order events that touched at one timestamp: judge what was read by its own oracle.
          const readBrute = checkHistoryBruteForce(register, read.operations).kind;
          expect(checkHistory(register, read.operations).kind).toBe(readBrute);
          if (format === "porcupine-ops") expect(readBrute).toBe(brute.kind);
        },
      ),
      { seed: 1414, numRuns: 150 },
    );
    expect(seen.ok).toBeGreaterThan(15);
    expect(seen.violation).toBeGreaterThan(15);
  });

  it("the key-value example, partitioned per key, gives the verdict of brute force on every key", () => {
    const keys = ["x", "y"];
    const nextCall = (random: () => number): KvCall => {
      const key = keys[Math.floor(random() * keys.length)]!;
      const pick = random();
      return pick < 0.4 ? { op: "get", key } : { op: pick < 0.7 ? "put" : "append", key, value: String.fromCharCode(97 + Math.floor(random() * 3)) };
    };
    const kv = kvModel as Model<unknown, unknown, unknown>;
    let violations = 0;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 12 }), fc.nat(), fc.option(fc.nat(), { nil: undefined }), (threads, operations, seed, corruptAt) => {
        const ops = randomHistory(wholeStoreModel as Model<unknown, unknown, unknown>, { threads, operations, crashRate: 0.1, nextCall }, seed) as Op[];
        const gets = ops.filter((op) => (op.call as KvCall).op === "get" && op.respond !== undefined);
        if (corruptAt !== undefined && gets.length > 0) (gets[corruptAt % gets.length]!.result as { value: string }) = { value: "zz" };
        const perKey = keys.map((key) => checkHistoryBruteForce(kv, ops.filter((op) => (op.call as KvCall).key === key)).kind);
        const expected = perKey.includes("violation") ? "violation" : "ok";
        if (expected === "violation") violations++;
        expect(checkHistory(kv, ops).kind).toBe(expected);
        expect(checkHistory(wholeStoreModel as Model<unknown, unknown, unknown>, ops).kind).toBe(expected);
        if (corruptAt === undefined) expect(expected).toBe("ok"); // generated from a run of the store
      }),
      { seed: 7, numRuns: 200 },
    );
    expect(violations).toBeGreaterThan(20);
  });

  it("a Porcupine-style model (step judges the output) gives the same verdicts as the example register", () => {
    // Porcupine's register test model, ported line for line: the output decides the next state.
    const porcupineRegister = fromPorcupine<RegisterValue, RegisterCall, unknown>({
      init: () => null,
      step(state, input, output) {
        if (input.f === "read") return [output === undefined || output === state, state];
        if (input.f === "write") return [true, input.value as RegisterValue];
        const [from, to] = input.value as [RegisterValue, RegisterValue];
        return [state === from, to];
      },
      hash: (s) => String(s),
    }) as Model<unknown, unknown, unknown>;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 8 }), fc.nat(), fc.option(fc.nat(), { nil: undefined }), (threads, operations, seed, corruptAt) => {
        const ops = registerHistory(threads, operations, 0.2, seed, corruptAt);
        const expected = checkHistoryBruteForce(register, ops).kind;
        expect(checkHistoryBruteForce(porcupineRegister, ops).kind).toBe(expected);
        expect(checkHistory(porcupineRegister, ops).kind).toBe(expected);
      }),
      { seed: 3, numRuns: 200 },
    );
  });
});

describe("Jepsen semantics", () => {
  const edn = [
    "{:type :invoke, :f :write, :value 1, :process 0, :time 1}",
    "{:type :ok, :f :write, :value 1, :process 0, :time 2}",
    "{:type :invoke, :f :start, :value nil, :process :nemesis}",
    "{:type :info, :f :start, :value [:isolated \"n1\"], :process :nemesis}",
    "{:type :invoke, :f :cas, :value [2 3], :process 1}",
    "{:type :fail, :f :cas, :value [2 3], :process 1, :error :mismatch}",
    "{:type :invoke, :f :write, :value 5, :process 2}",
    "{:type :info, :f :write, :value 5, :process 2}",
    "{:type :invoke, :f :read, :value nil, :process 1}",
    "{:type :ok, :f :read, :value 5, :process 1}",
  ].join("\n");

  it("ok returns, info stays pending, fail did not happen, and the nemesis is not a client", async () => {
    const h = await parseGenericHistory(edn, "edn", "h.edn");
    expect(h.operations.map((op) => [(op.call as RegisterCall).f, op.respond === undefined ? "pending" : op.result])).toEqual([
      ["write", 1],
      ["write", "pending"],
      ["read", 5],
    ]);
    expect(h.dropped).toBe(2);
    expect(h.processes).toBe(3);
    // The crashed write of 5 must be counted in for the read of 5 to be linearizable.
    expect(checkHistory(register, h.operations).kind).toBe("ok");
  });

  it("a read of a value only a failed cas would have written is a violation", async () => {
    const h = await parseGenericHistory(edn.replace(":value 5, :process 1}", ":value 3, :process 1}"), "edn", "h.edn");
    expect(checkHistory(register, h.operations).kind).toBe("violation");
  });
});

describe("ill-formed histories are input errors naming the operation", () => {
  const cases: [string, GenericHistory["format"], string, RegExp][] = [
    ["a misspelt key in a call/return log", "jsonl", '{"type":"call","process":1,"call":{"f":"read"}}\n{"type":"return","process":1,"reslt":1}', /line 2: unknown key "reslt"/],
    ["an unknown key in a Jepsen op", "jsonl", '{"type":"invoke","f":"read","process":1,"vaule":null}', /line 1: unknown key "vaule"/],
    ["a process with two calls in flight", "jsonl", '{"type":"call","process":1,"call":1}\n{"type":"call","process":1,"call":2}', /line 2: process 1 calls again while its call at line 1 is still in flight/],
    ["a call after the process's own pending call", "jsonl", '{"type":"invoke","f":"read","process":4}\n{"type":"info","f":"read","process":4}\n{"type":"invoke","f":"read","process":4}', /line 3: process 4 calls again after its call at line 1 never returned/],
    ["a completion with no call", "jsonl", '{"type":"ok","f":"read","process":1,"value":3}', /line 1: process 1 completes a call it never made/],
    ["a completion of another function", "jsonl", '{"type":"invoke","f":"read","process":1}\n{"type":"ok","f":"write","process":1,"value":3}', /line 2: process 1 completes :write but its call in flight \(line 1\) is :read/],
    ["an unknown op type", "jsonl", '{"type":"invoked","f":"read","process":1}', /line 1: unknown type "invoked"/],
    ["a process that is not an integer", "jsonl", '{"type":"call","process":"p1","call":1}', /line 1: process "p1" is not an integer/],
    ["a line that is not JSON", "jsonl", '{"type":"call","process":1,"call":1}\n{oops', /line 2 is not valid JSON/],
    ["an unknown key in an EDN op", "edn", "{:type :invoke, :f :read, :process 1, :vlaue 2}", /op 0: unknown key "vlaue"/],
    ["truncated EDN", "edn", "{:type :invoke, :f :read", /1 bracket\(s\) left open at the end; is the file truncated\?/],
    ["EDN that is not op maps", "edn", "[{:type :invoke, :f :read, :process 1}] 42", /more data follows the vector of ops \(42\)/],
    ["a misspelt Porcupine Output", "porcupine-ops", '[{"ClientId":0,"Input":1,"Call":0,"Outptu":1,"Return":1}]', /operation 0: unknown key "Outptu"/],
    ["a Porcupine client with overlapping operations", "porcupine-ops", '[{"ClientId":0,"Input":1,"Call":0,"Output":1,"Return":5},{"ClientId":0,"Input":2,"Call":3,"Output":1,"Return":7}]', /operation 1: process 0 calls while its operation 0 is still in flight/],
    ["a Porcupine client calling after its own pending operation", "porcupine-ops", '[{"ClientId":0,"Input":1,"Call":0},{"ClientId":0,"Input":2,"Call":3,"Output":1,"Return":7}]', /operation 1: process 0 calls again after its operation 0 never returned/],
    ["a Porcupine return before its call", "porcupine-ops", '[{"ClientId":0,"Input":1,"Call":5,"Output":1,"Return":2}]', /operation 0: returns \(2\) before it is called \(5\)/],
    ["a Porcupine event returning what was never called", "porcupine-events", '[{"ClientId":0,"Kind":1,"Value":1,"Id":4}]', /event 0: a return with Id 4 that no earlier call has/],
    ["two Porcupine calls with one Id", "porcupine-events", '[{"ClientId":0,"Kind":0,"Value":1,"Id":4},{"ClientId":1,"Kind":0,"Value":1,"Id":4}]', /event 1: a second call with Id 4/],
    ["a Porcupine event of an unknown kind", "porcupine-events", '[{"ClientId":0,"Kind":2,"Value":1,"Id":4}]', /event 0: "Kind" must be 0 \(call\) or 1 \(return\)/],
  ];
  it.each(cases)("%s", async (_name, format, text, message) => {
    await expect(parseGenericHistory(text, format, "h")).rejects.toThrow(HistoryError);
    await expect(parseGenericHistory(text, format, "h")).rejects.toThrow(message);
  });
});

describe("readers that cannot crash or hang", () => {
  const dir = mkdtempSync(join(tmpdir(), "interlock-readers-"));

  it("a 100 000-deep document is refused before any parser sees it, in every format", () => {
    const deep = "[".repeat(100_000) + "]".repeat(100_000);
    expect(() => checkNesting(deep, "deep.json")).toThrow(/nests arrays or objects more than 256 deep/);
    expect(() => checkNesting("(".repeat(100_000), "deep.edn", true)).toThrow(/nests arrays or objects more than 256 deep/);
    // Brackets inside strings, EDN comments and character literals do not count.
    expect(() => checkNesting(`{"call": "${"[".repeat(500)}"}`, "s.json")).not.toThrow();
    expect(() => checkNesting(`; ${"(".repeat(500)}\n{:f \\( :value ${"\\[ ".repeat(300)}}`, "s.edn", true)).not.toThrow();
  });

  it("a device such as /dev/zero is refused at once instead of read forever", () => {
    expect(() => readHistoryText("/dev/zero")).toThrow(/not a regular file/);
  });

  it("a file over the size limit is refused before it is read", () => {
    const p = join(dir, "big.jsonl");
    writeFileSync(p, "x".repeat(5000));
    expect(() => readHistoryText(p, 4096)).toThrow(/5000 bytes, over the 4096-byte limit; raise --max-bytes/);
    expect(readHistoryText(p, 5000)).toHaveLength(5000);
  });

  it("a byte-order mark is dropped, not taken for a truncated file", () => {
    const p = join(dir, "bom.json");
    writeFileSync(p, "\ufeff[]");
    expect(readHistoryText(p)).toBe("[]");
  });

  it("formats are recognised from the name and the first characters", () => {
    expect(detectFormat("h.edn", "[]")).toBe("edn");
    expect(detectFormat("h.txt", "{:type :invoke}")).toBe("edn");
    expect(detectFormat("h.json", '{"type":"call","process":1,"call":1}\n')).toBe("jsonl");
    expect(detectFormat("h.json", '{ "format": "interlock-history",\n "version": 1 }')).toBe("interlock");
    expect(detectFormat("h.json", '[{"ClientId":0,"Kind":0}]')).toBe("porcupine-events");
    expect(detectFormat("h.json", '[{"ClientId":0,"Input":1}]')).toBe("porcupine-ops");
    expect(detectFormat("h.json", "[1, 2]")).toBe("interlock");
  });
});

describe("interlock history files with threads (model D18)", () => {
  const ensure = { _tag: "PyThread_EnsureGlobalLock", def: "odbc", name: "henv" };
  const acquire = { _tag: "PyThread_acquire_lock", def: "odbc", name: "henv", index: 1 };
  const doc = (second: Record<string, unknown>) => ({
    format: "interlock-history",
    version: 1,
    family: "global_lock",
    config: { interpreters: 1, capacity: 4, threads: 2 },
    operations: [
      { interp: 1, call: ensure, invoke: 0, respond: 1, result: { _tag: "Ok", value: 1 } },
      { interp: 1, call: acquire, invoke: 2, respond: 3, result: { _tag: "Ok", value: 0 } },
      { interp: 1, thread: 2, call: ensure, invoke: 4, respond: 5, result: { _tag: "Ok", value: 1 } },
      { interp: 1, thread: 2, call: acquire, invoke: 6, ...second },
    ],
  });
  const verdictOf = (d: unknown) => {
    const h = decodeHistory(d, "h.json");
    return checkHistory(checkerModel(models.global_lock, h.config), h.operations).kind;
  };

  it("reads a thread per operation: thread 2 of the holder's interpreter blocking is linearizable, thread 2 refused as re-entry is not", () => {
    expect(verdictOf(doc({}))).toBe("ok"); // pending: it blocks while thread 1 holds the lock
    expect(verdictOf(doc({ respond: 7, result: { _tag: "Err", error: "Reentrant" } }))).toBe("violation");
  });

  it("writes the thread back, reads files without one as thread 1, and refuses a thread the config does not have", () => {
    const h = decodeHistory(doc({}), "h.json");
    expect(h.operations.map((o) => o.interp)).toEqual([1, 1, threadId(1, 2), threadId(1, 2)]);
    expect(decodeHistory(JSON.parse(encodeHistory(h)), "again.json")).toEqual(h);
    expect(encodeHistory(h)).toContain('"thread": 2');
    const old = { ...doc({}), config: { interpreters: 1, capacity: 4 }, operations: doc({}).operations.slice(0, 2) };
    expect(decodeHistory(old, "old.json").operations.map((o) => o.interp)).toEqual([1, 1]);
    expect(() => decodeHistory({ ...doc({}), config: { interpreters: 1, capacity: 4 } }, "h.json")).toThrow(/operation 2: thread 2 exceeds config.threads \(1\)/);
  });
});
