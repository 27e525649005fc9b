import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { cli } from "./cli-harness.js";

/**
 * Hostile input and runaway code under test, by class (issue "Hostile input and runaway code under
 * test"): every case ends within its budget plus a stated slack, with its documented exit code and
 * one line saying what was wrong — never a hang, never a crash, never exit 1 unless the code under
 * test really broke a property. Each case has its own timeout.
 */

const repo = resolve(".");
const dir = mkdtempSync(join(tmpdir(), "interlock-hostile-"));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const oneLine = (r: { err: string }): string => {
  const lines = r.err.trim().split("\n");
  expect(lines).toHaveLength(1);
  return lines[0] ?? "";
};

/**
 * A hostile --impl module: a static_mutex Subject in plain JavaScript (no loader, loads fast) whose
 * `start` body is given. `ok` is a well-formed result, `load(a)` a well-formed access.
 */
const impl = (name: string, start: string, extra = "", subject = ""): string =>
  file(
    `${name}.mjs`,
    [
      "const ok = { _tag: 'Ok', value: 0 };",
      "const load = (addr) => ({ op: 0, addr, a: 0, b: 0 });",
      extra,
      "export function static_mutex(config) {",
      `  return { name: ${JSON.stringify(name)}, words: 4, ${subject} start(interp, call, carry) { ${start} } };`,
      "}",
    ].join("\n"),
  );

const BUDGET_MS = 3_000;
/** Loading a worker and the module, plus the job deadline's grace period, on a busy machine. */
const SLACK_MS = 10_000 + 20_000;
const verifyImpl = (path: string, ...more: string[]) =>
  cli("verify", "--impl", path, "--strategy", "random", "--runs", "40", "--program-sets", "2", "--jobs", "1", "--budget-ms", String(BUDGET_MS), "--report-dir", join(dir, "out"), ...more);

describe("the module under test misbehaving is its failure (exit 4), never a counterexample or a crash", () => {
  const cases: [string, string, RegExp, string?, string?][] = [
    ["throws at its first call", "throw new Error('boom in start');", /boom in start/],
    ["throws in the middle of a call", "return (function* () { yield load(0); throw new Error('boom mid-call'); })();", /boom mid-call/],
    ["yields something that is not an access", "return (function* () { yield { nonsense: true }; return ok; })();", /yielded \{"nonsense":true\}, which is not an access/],
    ["yields an access outside its memory", "return (function* () { yield load(4); return ok; })();", /yielded .*"addr":4.*not an access to one of its 4 words/],
    ["yields an access with a fractional operand", "return (function* () { yield { op: 1, addr: 0, a: 0.5, b: 0 }; return ok; })();", /not an access/],
    ["yields an access of an unknown kind", "return (function* () { yield { op: 99, addr: 0, a: 0, b: 0 }; return ok; })();", /not an access/],
    ["returns something that is not a result", "return (function* () { yield load(0); return { answer: 42 }; })();", /returned \{"answer":42\}, which is not a result/],
    ["returns an error the model does not know", "return (function* () { return { _tag: 'Err', error: 'Oops' }; })();", /which is not a result/],
    ["returns a number instead of a result", "return (function* () { return 7; })();", /returned 7, which is not a result/],
    ["start returns no generator", "return 42;", /start returned 42, not a generator/],
    ["after returns garbage", "return (function* () { yield load(0); return ok; })();", /after returned "carry", not an array of int32/, "", "after() { return 'carry'; },"],
    ["resolve throws", "return (function* () { return ok; })();", /resolve went wrong/, "", "resolve() { throw new Error('resolve went wrong'); },"],
    ["never gives control back (a loop without accesses)", "for (;;) {}", /did not give control back within \d+ ms/],
    ["runs out of memory", "const a = []; for (;;) a.push(new Array(1e5).fill(Math.random()));", /ran out of memory|did not give control back/],
  ];
  it.each(cases)("a module that %s", async (_what, start, message, extra, subject) => {
    const r = await verifyImpl(impl(_what.replace(/\W+/g, "-"), start, extra ?? "", subject ?? ""));
    expect(r.code, r.err + r.out).toBe(4);
    expect(r.out).toMatch(/^module failed: static_mutex\.random — the module under test failed in static_mutex\.random: /m);
    expect(r.out).toMatch(message);
    expect(r.out).not.toMatch(/counterexample/);
    expect(r.ms).toBeLessThan(BUDGET_MS + SLACK_MS);
  }, BUDGET_MS + SLACK_MS + 10_000);

  it("a module that spins forever through accesses is a real livelock (P6), found within its budget", async () => {
    process.env["INTERLOCK_MAX_STEPS"] = "500";
    try {
      const r = await verifyImpl(impl("spins", "return (function* () { for (;;) yield load(0); })();"));
      expect(r.code, r.out).toBe(1);
      expect(r.out).toMatch(/counterexample: static_mutex\.random — .*livelock/);
      expect(r.ms).toBeLessThan(BUDGET_MS + SLACK_MS);
    } finally {
      delete process.env["INTERLOCK_MAX_STEPS"];
    }
  }, BUDGET_MS + SLACK_MS + 10_000);

  it("a spinning module with the default step bound still ends within its wall-clock budget", async () => {
    const r = await verifyImpl(impl("spins-long", "return (function* () { for (;;) yield load(0); })();"));
    expect([1, 3]).toContain(r.code);
    expect(r.ms).toBeLessThan(BUDGET_MS + SLACK_MS);
  }, BUDGET_MS + SLACK_MS + 10_000);
});

describe("a module that breaks the contract before it runs is a usage error (exit 2)", () => {
  const cases: [string, string][] = [
    ["asks for 2^31 − 1 words of memory", "export function static_mutex() { return { name: 'x', words: 2 ** 31 - 1, start() {} }; }"],
    ["asks for no memory", "export function static_mutex() { return { name: 'x', words: 0, start() {} }; }"],
    ["gives words as a string", "export function static_mutex() { return { name: 'x', words: '4', start() {} }; }"],
    ["has no name", "export function static_mutex() { return { words: 4, start() {} }; }"],
    ["has no start", "export function static_mutex() { return { name: 'x', words: 4 }; }"],
    ["has a decode that is not a function", "export function static_mutex() { return { name: 'x', words: 4, start() {}, decode: 3 }; }"],
    ["returns null from its factory", "export function static_mutex() { return null; }"],
    ["exports its factory as a string", "export const static_mutex = 'static_mutex';"],
    ["never finishes loading (a top-level await that never settles)", "await new Promise(() => {}); export function static_mutex() {}"],
    ["loops forever in its factory", "export function static_mutex() { for (;;) {} }"],
    ["ends the process while loading", "process.exit(9); export function static_mutex() {}"],
    ["throws a non-error while loading", "throw 'a string'; export function static_mutex() {}"],
  ];
  it.each(cases)("a module that %s", async (what, source) => {
    process.env["INTERLOCK_LOAD_TIMEOUT_MS"] = "8000";
    try {
      const r = await verifyImpl(file(`${what.replace(/\W+/g, "-")}.mjs`, source));
      expect(r.code, r.out + r.err).toBe(2);
      expect(r.out).toBe("");
      expect(oneLine(r)).toMatch(/^interlock: --impl .*\.mjs: /);
      expect(r.ms).toBeLessThan(8_000 + SLACK_MS);
    } finally {
      delete process.env["INTERLOCK_LOAD_TIMEOUT_MS"];
    }
  }, 8_000 + SLACK_MS + 10_000);
});

describe("budgets bound every run", () => {
  it.each(["exhaustive", "bounded", "pct", "random"])("--budget-ms 1 ends the %s strategy unknown (exit 3), naming the flag", async (strategy) => {
    // static_mutex: with blocking acquires global_lock's whole exhaustive search (798 states) ends before the clock is first read
    const r = await cli("verify", "--family", "static_mutex", "--strategy", strategy, "--budget-ms", "1", "--jobs", "1", "--report-dir", join(dir, "out"));
    expect(r.code).toBe(3);
    expect(r.out).toMatch(new RegExp(`unknown: static_mutex\\.${strategy} — .*--budget-ms`));
  }, 60_000);

  it("--max-states 1 ends an exhaustive job unknown, naming maxStates", async () => {
    const r = await cli("verify", "--family", "refcounted_lock", "--strategy", "exhaustive", "--max-states", "1", "--jobs", "1", "--report-dir", join(dir, "out"));
    expect(r.code).toBe(3);
    expect(r.out).toMatch(/unknown: refcounted_lock\.exhaustive — .*maxStates/);
  }, 60_000);

  it.each(["static_mutex", "global_lock", "refcounted_lock"])("stress of %s cut short by its budget is unknown (exit 3), judged on what was done — never LOST UPDATES", async (family) => {
    const r = await cli("stress", "--family", family, "--calls", "100000000", "--budget-ms", "1500");
    expect(r.code, r.out).toBe(3);
    expect(r.out).toMatch(/cut short by --budget-ms 1500 after \d+ of 200000000 calls/);
    expect(r.out).not.toMatch(/LOST UPDATES|LEAK/);
    expect(r.ms).toBeLessThan(1500 + 20_000);
  }, 60_000);
});

describe("readers refuse what would hang, overflow or mislead", () => {
  const report = readFileSync(join(repo, "test/fixtures/reports/counterexample.json"), "utf8");
  const edited = (f: (r: Record<string, unknown>) => void): string => {
    const r = JSON.parse(report) as Record<string, unknown>;
    f(r);
    return JSON.stringify(r);
  };
  mkdirSync(join(dir, "a-dir"), { recursive: true });
  const cases: [string, string[], RegExp][] = [
    ["replay of /dev/zero", ["replay", "/dev/zero"], /is not a regular file/],
    ["check-history of /dev/zero", ["check-history", "/dev/zero"], /is not a regular file/],
    ["replay of a directory", ["replay", join(dir, "a-dir")], /it is a directory/],
    ["replay of a 100,000-deep JSON document", ["replay", file("deep.json", "[".repeat(100_000) + "]".repeat(100_000))], /nests arrays or objects more than 256 deep/],
    ["check-history of a 100,000-deep JSON document", ["check-history", file("deep-history.json", '{"a":'.repeat(100_000) + "1" + "}".repeat(100_000))], /nests arrays or objects more than 256 deep/],
    ["replay of a report whose token is empty", ["replay", file("t1.json", edited((r) => (r["token"] = "")))], /its schedule token is damaged/],
    ["replay of a report whose token is not a token", ["replay", file("t2.json", edited((r) => (r["token"] = "hello world")))], /its schedule token is damaged/],
    ["replay of a report whose token has a zero count", ["replay", file("t3.json", edited((r) => (r["token"] = "il1:1@0.0*0")))], /its schedule token is damaged/],
    ["replay of a report whose token names interp 0", ["replay", file("t4.json", edited((r) => (r["token"] = "il1:0@0.0*3")))], /its schedule token is damaged/],
    ["replay of a report whose token is cut mid-run", ["replay", file("t5.json", edited((r) => (r["token"] = "il1:1@0.")))], /its schedule token is damaged/],
    ["replay of a JSON string", ["replay", file("string.json", '"a report"')], /expected a JSON object, got a string/],
    ["replay of a report naming a family that does not exist", ["replay", file("fam.json", edited((r) => (r["family"] = "gil")))], /family should be one of/],
    ["replay of a path with a newline in it", ["replay", "bad\nname.json"], /cannot read report "bad\\nname\.json": no such file/],
    ["check-history of a path with a newline in it", ["check-history", "bad\nname.json"], /"bad\\nname\.json": no such file/],
    ["--impl with a newline in its path", ["verify", "--impl", "bad\nname.mjs"], /bad\\nname\.mjs|bad.name\.mjs/],
  ];
  it.each(cases)("%s is a usage error on one line", async (_what, argv, message) => {
    const r = await cli(...argv);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(oneLine(r)).toMatch(message);
  }, 30_000);

  it("a report saved with a byte-order mark reads like the same report without one", async () => {
    const r = await cli("replay", file("bom.json", `\ufeff${report}`), "--json");
    // The fixture's subject is hand-made, so replay stops at the subject: but past the reader.
    expect(oneLine(r)).toMatch(/was made with "mutant:ensure-without-runtime-lock"/);
  });
});

describe("commands check everything before the first job", () => {
  const aFile = file("plain-file", "x");
  const cases: [string, string[], RegExp][] = [
    ["an empty --family", ["verify", "--family", ""], /--family "" names nothing/],
    ["an empty --strategy", ["verify", "--strategy", ""], /--strategy "" names nothing/],
    ["a --strategy with an empty name", ["verify", "--strategy", "exhaustive,,pct"], /names nothing between two commas/],
    ["an empty --format", ["verify", "--format", ""], /--format "" names nothing/],
    ["two families where stress takes one", ["stress", "--family", "global_lock,static_mutex"], /give exactly one --family/],
    ["an empty stress --family", ["stress", "--family", ""], /--family "" names nothing/],
    ["an unknown family in a list", ["verify", "--family", "global_lock,gil"], /unknown family "gil"/],
    ["an empty --report-dir", ["verify", "--report-dir", ""], /--report-dir is empty/],
    ["an empty mutants --report-dir", ["mutants", "--report-dir", ""], /--report-dir is empty/],
    ["an empty mutants --only", ["mutants", "--only", ""], /--only "" names nothing/],
    ["a report folder under a file", ["verify", "--family", "module_slots", "--report-dir", join(aFile, "sub")], /cannot write reports into .*a part of the path is a file/],
    ["mutants writing under a file", ["mutants", "--report-dir", join(aFile, "sub")], /cannot write reports into/],
    ["compare --out naming a file", ["compare", "--out", aFile], /--out: cannot write reports into .*it is a file, not a directory/],
    ["an empty compare --out", ["compare", "--out", ""], /--out is empty/],
    ["stress --calls below one critical section", ["stress", "--family", "static_mutex", "--calls", "1"], /--calls must be between 4 and/],
    ["stress --calls below one module_slots cycle", ["stress", "--family", "module_slots", "--calls", "2"], /--calls must be between 3 and/],
    ["stress --history into a file's folder", ["stress", "--family", "module_slots", "--calls", "3", "--history", join(aFile, "h.json")], /cannot write reports into/],
    ["stress --history without a file name", ["stress", "--family", "module_slots", "--calls", "3", "--history", ""], /--history needs a file path/],
    ["a --max-states that is not a number", ["verify", "--max-states", "lots"], /--max-states must be a whole number/],
    ["a zero --max-states", ["verify", "--max-states", "0"], /--max-states must be between 1/],
  ];
  it.each(cases)("%s is a usage error, found before any work", async (_what, argv, message) => {
    const r = await cli(...argv);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(oneLine(r)).toMatch(message);
    expect(r.ms).toBeLessThan(15_000);
  }, 30_000);

  it.each([
    ["INTERLOCK_MAX_EXECUTIONS", "0"],
    ["INTERLOCK_MAX_STATES", "1e6"],
    ["INTERLOCK_LOAD_TIMEOUT_MS", "soon"],
  ])("%s=%s is a usage error naming the variable", (variable, value) => {
    const r = spawnSync(process.execPath, [join(repo, "bin/interlock.mjs"), "verify", "--impl", impl("plain", "return (function* () { return ok; })();"), "--report-dir", join(dir, "out")], {
      encoding: "utf8",
      env: { ...process.env, [variable]: value },
    });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(variable);
  }, 30_000);
});
