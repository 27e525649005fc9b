/**
 * `interlock check-history` end to end: users' own models over other tools' formats, ill-formed
 * histories (input errors naming the operation, exit 2), and readers that must not crash or hang.
 * The hang-prone cases run the built command (npm test builds first) in a child with a timeout
 * and a heap cap, so a regression fails the test instead of hanging the suite.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { cli } from "./cli-harness.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const fixture = (name: string): string => join(root, "test/fixtures/histories/formats", name);
const example = (name: string): string => join(root, "properties/checker/examples", name);
const dir = mkdtempSync(join(tmpdir(), "interlock-check-history-"));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

/** An interlock-history document of module_slots (the family the CLI tests use). */
const interlock = (doc: object): string =>
  JSON.stringify({ format: "interlock-history", version: 1, family: "module_slots", config: { interpreters: 3, capacity: 4 }, operations: [], ...doc });
const exec = { _tag: "PyModule_ExecDef", def: "odbc", initFails: false, execFails: false, initImportsSelf: false };
const okOne = { _tag: "Ok", value: 1 };

describe("users' own models over other tools' formats", () => {
  it.each([
    ["a Jepsen EDN register history with :fail and :info is ok (exit 0)", "jepsen-register-ok.edn", "register.ts", 0, /^ok: 5 operations of .*edn, 3 processes, 1 failed or nemesis/],
    ["a Jepsen EDN read of a value only a failed cas wrote is a violation (exit 1)", "jepsen-register-failed-cas-read.edn", "register.ts", 1, /^violation: .* not linearizable/],
    ["a call/return JSON-lines register log is ok (exit 0)", "register-calls.jsonl", "register.ts", 0, /^ok: 4 operations/],
    ["Porcupine operations of a key-value store, one pending, are ok (exit 0)", "kv-porcupine-ops.json", "kv.ts", 0, /^ok: 5 operations .*porcupine-ops/],
    ["Porcupine events with a lost append are a violation (exit 1)", "kv-porcupine-events-lost-append.json", "kv.ts", 1, /^violation: .*porcupine-events/],
  ])("%s", async (_name, history, model, code, message) => {
    const r = await cli("check-history", fixture(history), "--model", example(model));
    expect(r.err).toBe("");
    expect(r.code).toBe(code);
    expect(r.out).toMatch(message);
  });

  it("a violation names the operation the model cannot place, in the model's words", async () => {
    const r = await cli("check-history", fixture("kv-porcupine-events-lost-append.json"), "--model", example("kv.ts"));
    expect(r.out).toContain('process 0: get(x) [op 3] returned "a", but here the model returns "ab"');
  });

  it("a Porcupine-style model exported as porcupineModel is taken as it is", async () => {
    const model = file(
      "porcupine-register.mjs",
      `export const porcupineModel = {
         init: () => null,
         step(state, input, output) {
           if (input.f === "read") return [output === undefined || output === state, state];
           if (input.f === "write") return [true, input.value];
           return [state === input.value[0], input.value[1]];
         },
       };`,
    );
    expect((await cli("check-history", fixture("jepsen-register-ok.edn"), "--model", model)).code).toBe(0);
    expect((await cli("check-history", fixture("jepsen-register-failed-cas-read.edn"), "--model", model)).code).toBe(1);
  });

  it("an unknown verdict names the budget and what was and was not decided, with exit 3", async () => {
    const lines: string[] = [];
    for (let k = 0; k < 14; k++) lines.push(JSON.stringify({ ClientId: k, Input: { op: "append", key: "x", value: String.fromCharCode(97 + k) }, Call: 0, Output: {}, Return: 100 }));
    lines.push(JSON.stringify({ ClientId: 99, Input: { op: "get", key: "x" }, Call: 101, Output: { value: "zz" }, Return: 102 }));
    lines.push(JSON.stringify({ ClientId: 50, Input: { op: "put", key: "y", value: "a" }, Call: 0, Output: {}, Return: 1 }));
    const p = file("hard.json", `[${lines.join(",\n")}]`);
    const r = await cli("check-history", p, "--model", example("kv.ts"), "--max-nodes", "2000");
    expect(r.code).toBe(3);
    expect(r.out).toMatch(/^unknown: the work budget \(maxNodes 2000\) ran out: 1 of 2 partitions are linearizable \(1; 1 operations\), no partition was shown non-linearizable, and 1 \(0; 15 operations\) are undecided/);
  });
});

describe("a --model runs sandboxed, like --impl", () => {
  const failures: [string, string, string[], RegExp][] = [
    ["a model whose step throws", "step-throws.mjs", [], /the model threw while checking the history \(bad step\)/],
    ["a model whose step never returns", "step-loops.mjs", ["--time-ms", "1"], /the check did not finish within 10\.001 s.*a model call that never returns/],
  ];
  const bodies: Record<string, string> = {
    "step-throws.mjs": "export default { init: () => 0, step() { throw new Error('bad step'); } };\n",
    "step-loops.mjs": "export default { init: () => 0, step() { for (;;); } };\n",
  };
  it.each(failures)("%s is the module's failure: exit 4, one line, nothing on stdout", async (_name, module, flags, message) => {
    const r = await cli("check-history", fixture("register-calls.jsonl"), "--model", file(module, bodies[module]!), ...flags);
    expect(r.out).toBe("");
    expect(r.code).toBe(4);
    const lines = r.err.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^interlock: the module under test failed: --model /);
    expect(lines[0]).toMatch(message);
  }, 60_000);
});

describe("--jobs spreads partitions over worker threads without changing the output", () => {
  // Twelve keys of sequential put/get pairs by two clients; with `bad`, key k7's last get is wrong.
  const history = (bad: boolean): string => {
    const ops: object[] = [];
    for (let k = 0; k < 12; k++) {
      for (let n = 0; n < 4; n++) {
        const t = 100 * n + k;
        ops.push({ ClientId: k, Input: { op: "put", key: `k${k}`, value: `v${n}` }, Call: t, Output: {}, Return: t + 20 });
        const seen = bad && k === 7 && n === 3 ? "v0" : `v${n}`;
        ops.push({ ClientId: 50 + k, Input: { op: "get", key: `k${k}` }, Call: t + 30, Output: { value: seen }, Return: t + 40 });
      }
    }
    return JSON.stringify(ops);
  };
  it.each([["linearizable", false, 0], ["not linearizable", true, 1]] as const)("a %s history gives byte-identical --json output with --jobs 1 and --jobs 2", async (_name, bad, code) => {
    const p = file(`jobs-${bad}.json`, history(bad));
    const one = await cli("check-history", p, "--model", example("kv.ts"), "--jobs", "1", "--json");
    const two = await cli("check-history", p, "--model", example("kv.ts"), "--jobs", "2", "--json");
    expect(one.code).toBe(code);
    expect(two.code).toBe(code);
    expect(two.out).toBe(one.out);
  }, 60_000);
});

/** Each ill-formed input: the argv and a fragment of the one-line message (exit 2, nothing on stdout). */
const illFormed: [string, () => string[], RegExp][] = [
  [
    "a misspelt respond and result that would make a violating call pending and the history ok",
    () => ["check-history", file("respnd.json", interlock({ operations: [{ interp: 1, call: exec, invoke: 0, respond: 1, result: okOne }, { interp: 2, call: exec, invoke: 2, respnd: 3, reslt: okOne }] }))],
    /operation 1: unknown key "respnd"; expected only interp, thread, call, invoke, respond, result/,
  ],
  ["a misspelt result", () => ["check-history", file("reslt.json", interlock({ operations: [{ interp: 1, call: exec, invoke: 0, respond: 1, reslt: okOne }] }))], /operation 0: unknown key "reslt"/],
  ["an unknown key in the document", () => ["check-history", file("doc-key.json", interlock({ comment: "x" }))], /unknown key "comment" in the document/],
  [
    "one interpreter with two calls in flight",
    () => ["check-history", file("overlap.json", interlock({ operations: [{ interp: 1, call: exec, invoke: 0, respond: 5, result: okOne }, { interp: 1, call: exec, invoke: 2, respond: 3, result: { _tag: "Ok", value: 0 } }] }))],
    /operation 1: interp 1 calls while its operation 0 is still in flight/,
  ],
  [
    "a call after the interpreter's own pending call",
    () => ["check-history", file("after-pending.json", interlock({ operations: [{ interp: 1, call: exec, invoke: 0 }, { interp: 1, call: exec, invoke: 2, respond: 3, result: okOne }] }))],
    /operation 1: interp 1 calls again after its operation 0 never returned/,
  ],
  ["a JSON-lines history without --model", () => ["check-history", fixture("register-calls.jsonl")], /is a jsonl history, which does not say what its calls mean: pass --model/],
  ["--model and --family together", () => ["check-history", fixture("register-calls.jsonl"), "--model", example("register.ts"), "--family", "module_slots"], /--model and --family cannot be combined/],
  ["--model of a file that does not exist", () => ["check-history", fixture("register-calls.jsonl"), "--model", join(dir, "nope.ts")], /--model .*nope\.ts: no such file/],
  ["--model of a module that exports no model", () => ["check-history", fixture("register-calls.jsonl"), "--model", file("none.mjs", "export const x = 1;\n")], /exports no model; export an interlock Model as "default"/],
  ["--model of a module that throws on load", () => ["check-history", fixture("register-calls.jsonl"), "--model", file("throws.mjs", "throw new Error('boom');\n")], /the module failed to load \(boom\)/],
  ["--model of a model without step", () => ["check-history", fixture("register-calls.jsonl"), "--model", file("nostep.mjs", "export default { init: () => 0 };\n")], /needs init\(\) and step/],
  ["an unknown --format", () => ["check-history", fixture("register-calls.jsonl"), "--format", "csv"], /--format must be one of interlock, jsonl, edn, porcupine-ops, porcupine-events/],
  ["--format that does not fit the file", () => ["check-history", fixture("register-calls.jsonl"), "--format", "porcupine-ops", "--model", example("register.ts")], /not valid JSON/],
  [
    "a JSON-lines process with two calls in flight",
    () => ["check-history", file("two.jsonl", '{"type":"call","process":1,"call":{"f":"read"}}\n{"type":"call","process":1,"call":{"f":"read"}}\n'), "--model", example("register.ts")],
    /line 2: process 1 calls again while its call at line 1 is still in flight/,
  ],
  [
    "a Jepsen process calling after its own :info",
    () => ["check-history", file("info.edn", "{:type :invoke :f :read :process 3}\n{:type :info :f :read :process 3}\n{:type :invoke :f :read :process 3}\n"), "--model", example("register.ts")],
    /op 2: process 3 calls again after its call at op 0 never returned; a crashed process must not call again/,
  ],
  ["a --max-bytes that is not a number", () => ["check-history", fixture("register-calls.jsonl"), "--max-bytes", "lots"], /--max-bytes must be a whole number/],
];

describe("ill-formed histories are input errors naming the operation, exit 2", () => {
  it.each(illFormed)("%s", async (_name, argv, message) => {
    const r = await cli(...argv());
    expect(r.out).toBe("");
    expect(r.code).toBe(2);
    const lines = r.err.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });
});

// The built command, run in a child so a hang or a heap blow-up fails the test instead of the suite.
const bin = join(root, "bin/interlock.mjs");
const built = existsSync(join(root, "dist/cli/main.js"));
function child(argv: string[]): { code: number | null; out: string; err: string; ms: number } {
  const start = performance.now();
  const r = spawnSync(process.execPath, ["--max-old-space-size=256", bin, ...argv], { encoding: "utf8", timeout: 20_000 });
  return { code: r.status, out: r.stdout, err: r.stderr, ms: performance.now() - start };
}

describe.runIf(built)("readers that must not crash or hang (the built command, each within 20 s on a 256 MB heap)", () => {
  const deep = (n: number): string => "[".repeat(n) + "]".repeat(n);
  const cases: [string, () => string[], number, RegExp][] = [
    ["/dev/zero is refused, not read forever", () => ["check-history", "/dev/zero"], 2, /is not a regular file \(a device, FIFO or socket\)/],
    ["a FIFO with no writer is refused, not waited on", () => {
      const fifo = join(dir, "fifo");
      if (!existsSync(fifo)) spawnSync("mkfifo", [fifo]);
      return ["check-history", fifo];
    }, 2, /is not a regular file/],
    ["100 000-deep JSON is refused before parsing", () => ["check-history", file("deep.json", interlock({}).replace('"operations":[]', `"operations":${deep(100_000)}`))], 2, /nests arrays or objects more than 256 deep/],
    ["a 100 000-deep call in a JSON-lines history is refused", () => ["check-history", file("deep.jsonl", `{"type":"call","process":1,"call":${deep(100_000)}}\n`), "--model", example("register.ts")], 2, /nests arrays or objects more than 256 deep/],
    ["100 000-deep EDN is refused", () => ["check-history", file("deep.edn", "(".repeat(100_000) + ")".repeat(100_000)), "--model", example("register.ts")], 2, /nests arrays or objects more than 256 deep/],
    ["a file over --max-bytes is refused before it is read", () => ["check-history", fixture("register-calls.jsonl"), "--max-bytes", "100", "--model", example("register.ts")], 2, /over the 100-byte limit; raise --max-bytes/],
    ["a history with a byte-order mark is read, not called truncated", () => ["check-history", file("bom.json", "\ufeff" + interlock({}))], 0, /^ok: 0 operations/],
  ];
  it.each(cases)("%s", (_name, argv, code, message) => {
    const r = child(argv());
    expect(r.code).toBe(code);
    expect(code === 0 ? r.out : r.err).toMatch(message);
    if (code !== 0) {
      expect(r.out).toBe("");
      expect(r.err.trim().split("\n")).toHaveLength(1);
    }
    expect(r.ms).toBeLessThan(20_000);
  });
});
