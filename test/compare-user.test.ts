import { describe, expect, it } from "vitest";
import { defaultConfig, type AnyCall, type Result } from "../model/index.js";
import type { Subject } from "../impl/subject.js";
import { compareAll, type Cell } from "../properties/scenarios/compare.js";
import { implementations } from "../impl/index.js";
import { clientColumn, implColumnsOf, subjectProblem, withColumns } from "../cli/compare-user.js";
import { tinyStaticMutex } from "./fixtures/impl/tiny-static-mutex.js";
import { cli } from "./cli-harness.js";

// Each cell here is one scenario with a small state budget: seconds, not the minutes of a whole matrix.
const BUDGET = 20_000;
const tiny = (config = defaultConfig) => tinyStaticMutex(config) as unknown as Subject<AnyCall, Result>;

describe("interlock compare --impl: a user's implementation judged in the scenario row", () => {
  it("the user's static_mutex Subject fills the family's columns, judged like interlock's own", () => {
    const cols = implColumnsOf("tiny-static-mutex.ts", { static_mutex: () => tiny() }, ["static_mutex"], defaultConfig);
    expect(cols.map((c) => c.column)).toEqual(["static_mutex@tiny-static-mutex.ts", "static_mutex_naive@tiny-static-mutex.ts"]);
    const base = compareAll({ scenarios: ["henv"], columns: ["static_mutex", "static_mutex_naive"], maxExhaustiveStates: BUDGET });
    const m = withColumns(base, cols, BUDGET);
    expect(m.columns.map((c) => c.column)).toEqual(["static_mutex", "static_mutex_naive", ...cols.map((c) => c.column)]);
    const at = (column: string) => m.cells.find((c) => c.column === column);
    // The same client code on a different implementation of the same API: the same lines, and the naive column still caught.
    expect(at("static_mutex@tiny-static-mutex.ts")?.lines).toBe(at("static_mutex")?.lines);
    expect(at("static_mutex@tiny-static-mutex.ts")?.verdict).not.toBe("violation");
    expect(at("static_mutex_naive@tiny-static-mutex.ts")?.verdict).toBe(at("static_mutex_naive")?.verdict);
  });

  it("a cell starts from the user's own initial memory (its init), then the alive mask", () => {
    const seeded = (config = defaultConfig) => ({ ...tiny(config), init: (mem: Int32Array) => void (mem[7] = 42) });
    const [col] = implColumnsOf("seeded.ts", { static_mutex: seeded }, ["static_mutex"], defaultConfig);
    const impl = col!.makeImpl(defaultConfig, undefined as never, undefined as never);
    const mem = new Int32Array(impl.words);
    impl.initMemory(mem);
    expect(mem[7]).toBe(42);
  });

  it("interlock's own global_lock, passed in as a user's Subject, decides its row exactly as the built-in columns do (the judge reads the registry's words by name)", () => {
    const cols = implColumnsOf("own.ts", { global_lock: implementations.global_lock }, ["global_lock"], defaultConfig);
    const base = compareAll({ scenarios: ["henv"], columns: ["global_lock", "global_lock_naive"], maxExhaustiveStates: BUDGET });
    const m = withColumns(base, cols, BUDGET);
    const pick = (c: Cell) => [c.verdict, c.property, c.lines, c.strategy, c.states, c.coverage];
    for (const column of ["global_lock", "global_lock_naive"]) {
      const own = m.cells.find((c) => c.column === column);
      const user = m.cells.find((c) => c.column === `${column}@own.ts`);
      expect(user && pick(user), column).toEqual(own && pick(own));
    }
  });

  it("refuses, in one line, a Subject that does not name the runtime's words, and a family with extension callbacks", () => {
    const unnamed = { ...tiny() };
    delete (unnamed as { wordNames?: unknown }).wordNames;
    expect(subjectProblem("static_mutex", unnamed)).toMatch(/names no "runtime.alive" or "runtime.finalized" word/);
    const cWords = { ...tiny(), wordNames: () => ({ alive: 2, finalized: 3 }) };
    expect(subjectProblem("static_mutex", cWords)).toBeUndefined(); // a C implementation's globals
    expect(subjectProblem("module_slots", tiny())).toMatch(/Py_mod_global_init\/exit/);
    expect(subjectProblem("static_mutex", tiny())).toBeUndefined();
    expect(() => implColumnsOf("x.ts", { static_mutex: () => unnamed }, ["static_mutex"], defaultConfig)).toThrow(/^--impl x\.ts: static_mutex's Subject names no/);
  });
});

describe("interlock compare --client: a user's client as a column of the matrix", () => {
  it("a TypeScript client becomes one more column, decided in every scenario of the matrix", async () => {
    const col = await clientColumn("examples/clients/static_mutex.ts", undefined);
    const base = compareAll({ scenarios: ["henv"], columns: [], maxExhaustiveStates: BUDGET });
    const named = { ...col, column: "my_ext" };
    const m = withColumns(base, [named], BUDGET);
    expect(m.columns).toEqual([{ column: "my_ext", family: "static_mutex", naive: false, mistake: "" }]);
    expect(m.cells.map((c) => [c.scenario, c.column, c.verdict])).toEqual([["henv", "my_ext", "ok"]]);
  });

  it("a user column may not take a built-in column's name", async () => {
    const col = await clientColumn("examples/clients/static_mutex.ts", undefined);
    const base = compareAll({ scenarios: ["henv"], columns: ["static_mutex"], maxExhaustiveStates: BUDGET });
    expect(() => withColumns(base, [col], BUDGET)).toThrow(/named static_mutex, like a built-in one/);
  });
});

describe("interlock compare's user options fail fast, in one line, with exit code 2", () => {
  it.each([
    [["--impl", "no/such/impl.ts"], /^--impl no\/such\/impl\.ts: no such file$/],
    [["--client", "no/such/client.ts"], /^--client no\/such\/client\.ts/],
    [["--family", "static_mutex"], /^--family goes with --client/],
    [["--client", "examples/clients/static_mutex.ts", "--family", "nope"], /^--family nope: choose one of/],
    [["--impl", "x.ts", "--update-readme"], /^--update-readme writes interlock's own matrix/],
  ])("compare %j", async (argv, message) => {
    const r = await cli("compare", "--out", "interlock-out/compare-user-test", ...argv);
    expect(r.code).toBe(2);
    const lines = r.err.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]?.replace(/^interlock: /, "")).toMatch(message);
  });
});
