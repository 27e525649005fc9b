import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Schema } from "effect";
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
import { checkHistory, checkHistoryBruteForce, validateLinearization, type Model, type Operation } from "./index.js";

/** A history fixture file, as described in test/fixtures/histories/README.md. */
const Call = Schema.Union(
  Schema.TaggedStruct("read", {}),
  Schema.TaggedStruct("write", { value: Schema.Int }),
  Schema.TaggedStruct("cas", { expected: Schema.Int, value: Schema.Int }),
  Schema.TaggedStruct("get", { key: Schema.String }),
  Schema.TaggedStruct("put", { key: Schema.String, value: Schema.Int }),
  Schema.TaggedStruct("acquire", {}),
  Schema.TaggedStruct("release", {}),
);
const Fixture = Schema.Struct({
  description: Schema.String,
  model: Schema.Literal("register", "kv", "mutex"),
  expected: Schema.Literal("ok", "violation"),
  expectedPartition: Schema.optional(Schema.Int),
  expectedPrefixLength: Schema.optional(Schema.Int),
  expectedStuck: Schema.optional(Schema.Array(Schema.Int)),
  ops: Schema.Array(
    Schema.Struct({
      id: Schema.Int,
      interp: Schema.Int,
      call: Call,
      invoke: Schema.Number,
      respond: Schema.optionalWith(Schema.Number, { exact: true }),
      result: Schema.optionalWith(Schema.Int, { exact: true }),
    }),
  ),
});
type Fixture = typeof Fixture.Type;
type AnyCall = RegisterCall | KvCall | MutexCall;

const models: Record<Fixture["model"], { partitioned: Model<unknown, AnyCall, number>; whole: Model<unknown, AnyCall, number> }> = {
  register: { partitioned: registerModel as Model<unknown, AnyCall, number>, whole: registerModel as Model<unknown, AnyCall, number> },
  kv: { partitioned: kvModel as Model<unknown, AnyCall, number>, whole: kvModelUnpartitioned as Model<unknown, AnyCall, number> },
  mutex: { partitioned: mutexModel as Model<unknown, AnyCall, number>, whole: mutexModel as Model<unknown, AnyCall, number> },
};

const dir = fileURLToPath(new URL("../../test/fixtures/histories/", import.meta.url));
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith(".json"))
  .sort()
  .map((file) => ({ file, fixture: Schema.decodeUnknownSync(Fixture)(JSON.parse(readFileSync(dir + file, "utf8"))) }));
const historyOf = (f: Fixture): Operation<AnyCall, number>[] => f.ops.map((op) => ({ ...op }));

describe("hand-made history fixtures", () => {
  it("the fixture folder holds both linearizable and non-linearizable histories", () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(10);
    expect(new Set(fixtures.map((f) => f.fixture.expected))).toEqual(new Set(["ok", "violation"]));
  });

  it.each(fixtures)("$file gets its expected verdict", ({ fixture }) => {
    const model = models[fixture.model].partitioned;
    const ops = historyOf(fixture);
    const verdict = checkHistory(model, ops);
    expect(verdict.kind).toBe(fixture.expected);
    if (verdict.kind === "ok") {
      expect(validateLinearization(model, ops, verdict.linearization)).toBeUndefined();
    } else if (verdict.kind === "violation") {
      expect(verdict.partition).toBe(fixture.expectedPartition);
      expect(verdict.prefix.length).toBe(fixture.expectedPrefixLength);
      expect(verdict.stuck.map((op) => op.id)).toEqual(fixture.expectedStuck);
      for (const op of verdict.stuck) expect(verdict.explanation).toContain(model.describeCall!(op.interp, op.call));
    }
  });

  it.each(fixtures)("$file gets the same verdict from the brute-force reference", ({ fixture }) => {
    const model = models[fixture.model].whole;
    const ops = historyOf(fixture);
    const fast = checkHistory(model, ops);
    const brute = checkHistoryBruteForce(model, ops);
    expect(brute.kind).toBe(fast.kind);
    const returnedIn = (prefix: readonly Operation<unknown, unknown>[]): number => prefix.filter((op) => op.respond !== undefined).length;
    if (brute.kind === "violation" && fast.kind === "violation") expect(returnedIn(brute.prefix)).toBe(returnedIn(fast.prefix));
  });
});

describe("what the pending and blocking fixtures rule out", () => {
  const load = (name: string): Fixture => fixtures.find((f) => f.file === name)!.fixture;

  it("dropping the pending write that took effect turns its fixture into a violation", () => {
    const fixture = load("register-pending-write-took-effect.json");
    const withoutPending = historyOf(fixture).filter((op) => op.respond !== undefined);
    expect(checkHistory(registerModel as Model<unknown, AnyCall, number>, withoutPending).kind).toBe("violation");
  });

  it("forcing the pending acquire to take effect turns its fixture into a violation", () => {
    const fixture = load("mutex-pending-acquire-dropped.json");
    const forced = historyOf(fixture).map((op) => (op.respond === undefined ? { ...op, respond: 7, result: 0 } : op));
    expect(checkHistory(mutexModel as Model<unknown, AnyCall, number>, forced).kind).toBe("violation");
  });

  it("the blocked acquire is placed after the release in the witness", () => {
    const fixture = load("mutex-acquire-blocks-until-release.json");
    const verdict = checkHistory(mutexModel as Model<unknown, AnyCall, number>, historyOf(fixture));
    expect(verdict.kind === "ok" && verdict.linearization.map((op) => op.id)).toEqual([0, 2, 1, 3]);
  });

  it("moving the touching read one tick later makes it a stale read", () => {
    const fixture = load("register-touching-intervals.json");
    const moved = historyOf(fixture).map((op) => (op.id === 1 ? { ...op, invoke: 3, respond: 4 } : op));
    expect(checkHistory(registerModel as Model<unknown, AnyCall, number>, moved).kind).toBe("violation");
  });

  it("a violation's explanation names the state and the result the model expected", () => {
    const verdict = checkHistory(registerModel as Model<unknown, AnyCall, number>, historyOf(load("register-stale-read.json")));
    expect(verdict.kind).toBe("violation");
    if (verdict.kind !== "violation") return;
    expect(verdict.explanation).toContain("register = 1");
    expect(verdict.explanation).toContain("interp 2: read() [op 1] returned 0, but here the model returns 1");
  });
});
