import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { decodeReport, encodeReport } from "../reports/io.js";
import { load, store } from "../impl/memory.js";
import { defineClient, ok } from "../properties/scenarios/contract.js";
import { scenarios } from "../properties/scenarios/scenarios.js";
import { checkScenario } from "../cli/client-report-build.js";
import type { Report } from "../reports/schema.js";

/**
 * `interlock verify --client` end to end through the installed command (bin/interlock.mjs over
 * dist/), from a folder outside interlock's tree with no package.json and no node_modules: the
 * client's `import … from "interlock"` resolves to the interlock running it.
 */
const repo = resolve(".");
const interlock = (cwd: string, ...args: string[]) =>
  spawnSync(process.execPath, [join(repo, "bin/interlock.mjs"), ...args], { cwd, encoding: "utf8", env: { ...process.env, CI: "true", INTERLOCK_LOAD_TIMEOUT_MS: "120000" } });

/** A bare folder holding copies of the named example clients. */
function bareFolder(...examples: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), "interlock-client-"));
  for (const e of examples) copyFileSync(join(repo, "examples/clients", e), join(dir, e));
  return dir;
}

/** A client report written by `verify --client` in `dir`'s default report folder, decoded (the schema checks it). */
function readReport(dir: string, base: string, reportDir = "interlock-out"): Report {
  const file = join(dir, reportDir, "client", `${base}.json`);
  return decodeReport(readFileSync(file, "utf8"), file);
}

describe("verify --client", () => {
  it("checks a client in a bare folder (no package.json, no node_modules) and finds it safe", () => {
    const dir = bareFolder("main_only.ts");
    const r = interlock(dir, "verify", "--client", "main_only.ts", "--family", "static_mutex", "--scenario", "henv,interp-end", "--json");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { family: string; results: { scenario: string; verdict: string }[] };
    expect(out.family).toBe("static_mutex");
    expect(out.results.map((c) => [c.scenario, c.verdict])).toEqual([
      ["henv", "ok"],
      ["interp-end", "ok"],
    ]);
  });

  it("works the same from an ESM package with no interlock installed", () => {
    const dir = bareFolder("main_only.ts");
    writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module", private: true }));
    const r = interlock(dir, "verify", "--client", "main_only.ts", "--scenario", "henv");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^ {2}henv\s+safe/m);
  });

  it("reports a hazard in the client's code as a counterexample (exit 1) with its story, token and rerun command", () => {
    const dir = bareFolder("never_torn_down.ts");
    const r = interlock(dir, "verify", "--client", "never_torn_down.ts#unsafe", "--scenario", "interp-end");
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^client torn_down_by_every_instance \(static_mutex\)/);
    expect(r.stdout).toMatch(/interp-end\s+UNSAFE P2\s+interp \d still uses henv, but it is not live/);
    expect(r.stdout).toMatch(/token: il1:/);
    expect(r.stdout).toContain("rerun: npx interlock verify --client never_torn_down.ts#unsafe --family static_mutex --scenario interp-end");
  });

  it("gives a throwing client the verdict 'the module under test failed' (exit 4), not a property", () => {
    const dir = bareFolder("throwing.ts");
    const r = interlock(dir, "verify", "--client", "throwing.ts", "--scenario", "henv");
    expect(r.status).toBe(4);
    expect(r.stdout).toMatch(/henv\s+FAILED\s+the module under test failed in scenario henv: throwing exec in interp \d threw: PyErr_SetString/);
    expect(r.stdout).not.toMatch(/UNSAFE|P\d/);
  });

  it("gives a client whose hook never yields the same verdict, stopped at its deadline", () => {
    const dir = bareFolder();
    writeFileSync(
      join(dir, "hang.ts"),
      'import { defineClient, ok } from "interlock";\nexport default defineClient({ family: "static_mutex", *exec() { for (;;) {} }, *free() { return ok(); }, *use() { return ok(); } });\n',
    );
    const r = interlock(dir, "verify", "--client", "hang.ts", "--scenario", "henv", "--budget-ms", "3000");
    expect(r.status).toBe(4);
    expect(r.stdout).toMatch(/henv\s+FAILED\s+the module under test failed in scenario henv: it did not give control back within 3000 ms/);
    // stopped from outside, it still gets a report: the failure's message, no schedule to replay
    const report = readReport(dir, "hang.henv");
    expect(report.verdict).toBe("failed");
    expect(report.violation?.property).toBe("module-failed");
    expect(report.violation?.message).toMatch(/did not give control back within 3000 ms/);
    expect(report.token).toBeNull();
    const replayed = interlock(dir, "replay", "interlock-out/client/hang.henv.json");
    expect(replayed.status).toBe(0);
    expect(replayed.stdout).toMatch(/records a module failure stopped from outside \(no schedule\); there is no counterexample to replay/);
  });

  it.each([
    ["a missing file", ["--client", "nope.ts"], /^interlock: --client nope\.ts: no such file$/],
    ["a missing export", ["--client", "main_only.ts#nope"], /^interlock: --client main_only\.ts#nope: the module has no export "nope"$/],
    ["a report folder that is a file", ["--client", "main_only.ts", "--report-dir", "bad.ts"], /^interlock: cannot write reports into "bad\.ts\/client": a part of the path is a file; pass a writable directory$/],
    ["a malformed definition", ["--client", "bad.ts"], /^interlock: --client bad\.ts: the module failed to load \(malformed client definition: "free" \(m_free\) is required\)$/],
    ["the wrong family", ["--client", "main_only.ts", "--family", "global_lock"], /is written against static_mutex, not global_lock; pass --family static_mutex/],
    ["an unknown scenario", ["--client", "main_only.ts", "--scenario", "nope"], /^interlock: --scenario: unknown scenario "nope"; choose from henv, /],
    ["a scenario the client cannot run", ["--client", "main_only.ts", "--scenario", "cache"], /scenario "cache" calls module functions the client does not define/],
    ["--scenario without --client", ["--scenario", "henv"], /--scenario needs --client/],
    ["a flag that does not apply", ["--client", "main_only.ts", "--strategy", "pct"], /--strategy does not apply to --client/],
  ])("refuses %s with one line and exit 2", (_what, args, message) => {
    const dir = bareFolder("main_only.ts");
    writeFileSync(join(dir, "bad.ts"), 'import { defineClient } from "interlock";\nexport default defineClient({ family: "static_mutex", *exec() { return { _tag: "Ok", value: 0 } as const; } } as never);\n');
    const r = interlock(dir, "verify", ...args);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr.trim()).toMatch(message);
  });
});

describe("verify --client reports", () => {
  it("writes a decodable report of a hazard: story, programs, token, the swimlane with the client's hook names, the judge's evidence, the config replay needs", () => {
    const dir = bareFolder("never_torn_down.ts");
    const r = interlock(dir, "verify", "--client", "never_torn_down.ts#unsafe", "--scenario", "interp-end");
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("replay: npx interlock replay interlock-out/client/never_torn_down.unsafe.interp-end.json");
    const report = readReport(dir, "never_torn_down.unsafe.interp-end");
    expect(report.verdict).toBe("violation");
    expect(report.family).toBe("static_mutex");
    expect(report.subject).toBe("client:torn_down_by_every_instance/interp-end");
    expect(report.config.options).toMatchObject({ clientModule: "never_torn_down.ts", export: "unsafe", scenario: "interp-end" });
    expect(report.programs.map((p) => p.calls)).toEqual([["import", "use(henv)", "use(henv)", "unload"], ["import", "end"], ["import", "use(henv)", "end"]]);
    expect(report.token).toMatch(/^il1:/);
    expect(report.violation?.property).toBe("P2");
    expect(report.violation?.message).toMatch(/still uses henv, but it is not live/);
    expect(report.violation?.failingStep).toBe(report.steps[report.steps.length - 1]?.step);
    expect(report.violation?.narrative.at(-1)).toMatch(/still uses henv/);
    // every step a hook made names the hook; the m_free that frees henv under the others' feet is there
    expect(report.steps.some((s) => s.access.endsWith("— exec (Py_mod_exec)"))).toBe(true);
    expect(report.steps.some((s) => s.access.includes("library.henv") && s.access.endsWith("— free (m_free)"))).toBe(true);
    expect(report.memory["library.misuse"]).toBe(0);
    const md = readFileSync(join(dir, "interlock-out/client/never_torn_down.unsafe.interp-end.md"), "utf8");
    expect(md).toContain("## interp 3 still uses henv, but it is not live — P2 (");
    expect(readFileSync(join(dir, "interlock-out/client/never_torn_down.unsafe.interp-end.html"), "utf8")).toMatch(/^<!DOCTYPE html>[\s\S]*interp 3 still uses henv/);
    expect(readFileSync(join(dir, "interlock-out/client/index.html"), "utf8")).toContain("never_torn_down.unsafe.interp-end");
  });

  it("replays a hazard's report: the same property at the same step (exit 1); a client changed so the schedule no longer fits is one line, exit 2", () => {
    const dir = bareFolder("never_torn_down.ts");
    expect(interlock(dir, "verify", "--client", "never_torn_down.ts#unsafe", "--scenario", "interp-end").status).toBe(1);
    const again = interlock(dir, "replay", "interlock-out/client/never_torn_down.unsafe.interp-end.json", "--json");
    expect(again.status).toBe(1);
    const body = JSON.parse(again.stdout) as { reproduced: boolean; property: string; differences: string[] };
    expect(body).toMatchObject({ reproduced: true, property: "P2", differences: [] });
    // a tampered report (another property) is not "reproduced": the comparison can fail
    const file = join(dir, "interlock-out/client/never_torn_down.unsafe.interp-end.json");
    const tampered = JSON.parse(readFileSync(file, "utf8")) as { violation: { property: string } };
    tampered.violation.property = "P3";
    writeFileSync(join(dir, "tampered.json"), JSON.stringify(tampered));
    const other = interlock(dir, "replay", "tampered.json");
    expect(other.status).toBe(1);
    expect(other.stdout).toMatch(/^replayed, but not the same counterexample: property P2 instead of P3/);
    // the client's m_free changed (it no longer frees henv): its accesses no longer fit the schedule — one line, exit 2
    const source = readFileSync(join(dir, "never_torn_down.ts"), "utf8");
    const fixed = `${source.slice(0, source.indexOf("export const unsafe"))}export const unsafe = defineClient({ ...shared, name: "torn_down_by_every_instance", *free() { return ok(); } });\n`;
    writeFileSync(join(dir, "never_torn_down.ts"), fixed);
    const changed = interlock(dir, "replay", "interlock-out/client/never_torn_down.unsafe.interp-end.json");
    expect(changed.status).toBe(2);
    expect(changed.stdout).toBe("");
    expect(changed.stderr.trim().split("\n")).toHaveLength(1);
    expect(changed.stderr).toMatch(/the schedule no longer matches the client at .*; re-run verify --client to get a fresh report/);
  });

  it("writes an ok report for a safe cell with its coverage sentence, exhaustive or † bounded past the state budget", () => {
    const dir = bareFolder("main_only.ts");
    expect(interlock(dir, "verify", "--client", "main_only.ts", "--scenario", "henv").status).toBe(0);
    const ok = readReport(dir, "main_only.henv");
    expect(ok).toMatchObject({ verdict: "ok", token: null, violation: null });
    expect(ok.config.strategy).toBe("exhaustive");
    expect(ok.coverage.guarantee).toBe("exhaustive");
    expect(ok.coverage.sentence).toMatch(/^exhaustive/);
    expect(interlock(dir, "verify", "--client", "main_only.ts", "--scenario", "interp-end", "--max-states", "10", "--format", "json").status).toBe(0);
    const bounded = readReport(dir, "main_only.interp-end");
    expect(bounded.verdict).toBe("ok");
    expect(bounded.config.strategy).toBe("bounded");
    expect(bounded.config.options["fallback"]).toMatch(/^exhaustive search /);
    expect(bounded.coverage.sentence).toMatch(/preemption/);
    expect(existsSync(join(dir, "interlock-out/client/main_only.interp-end.md"))).toBe(false);
  });

  it("writes a 'failed' report for a throwing client, with the message and the step where it failed, and replays it", () => {
    const dir = bareFolder("throwing.ts");
    expect(interlock(dir, "verify", "--client", "throwing.ts", "--scenario", "henv").status).toBe(4);
    const report = readReport(dir, "throwing.henv");
    expect(report.verdict).toBe("failed");
    expect(report.violation?.property).toBe("module-failed");
    expect(report.violation?.message).toMatch(/^the module under test failed in scenario henv: throwing exec in interp \d threw: PyErr_SetString/);
    expect(report.violation?.failingStep).toEqual(expect.any(Number));
    expect(report.memory["interlock.moduleFailed"]).toBe(1);
    const again = interlock(dir, "replay", "interlock-out/client/throwing.henv.json");
    expect(again.status).toBe(1);
    expect(again.stdout).toMatch(/^reproduced module-failed \(the module under test runs to completion/);
    // in JUnit a module failure is an error of its own type, not a property's failure
    expect(interlock(dir, "verify", "--client", "throwing.ts", "--scenario", "henv", "--format", "junit").status).toBe(4);
    const xml = readFileSync(join(dir, "interlock-out/client/throwing.henv.junit.xml"), "utf8");
    expect(xml).toMatch(/<error message="the module under test failed in scenario henv: [^"]*" type="module-failed">/);
    expect(xml).not.toContain("<failure");
  });

  it("writes byte-identical reports when the same command runs twice", () => {
    const dir = bareFolder("never_torn_down.ts");
    const files = (out: string): Record<string, string> => Object.fromEntries(readdirSync(join(dir, out, "client")).map((f) => [f, readFileSync(join(dir, out, "client", f), "utf8")]));
    const run = (): Record<string, string> => {
      expect(interlock(dir, "verify", "--client", "never_torn_down.ts#unsafe", "--scenario", "henv,interp-end", "--report-dir", "out").status).toBe(1);
      return files("out");
    };
    const [a, b] = [run(), run()];
    expect(Object.keys(a).sort()).toEqual(["index.html", ...["henv", "interp-end"].flatMap((s) => ["html", "json", "md"].map((x) => `never_torn_down.unsafe.${s}.${x}`))].sort());
    expect(b).toEqual(a);
  });
});

describe("a client report, built in-process", () => {
  /** A main-interpreter-only client whose `use` returns `value` (a malformed result when it is not an int32). */
  const client = (value: number) =>
    defineClient({
      family: "static_mutex",
      name: "odd_result",
      multipleInterpreters: "not-supported",
      *exec(x) {
        yield store(x.statics.handle("henv"), yield* x.lib.alloc("henv"));
        return ok();
      },
      *free(x) {
        yield* x.lib.free("henv", yield load(x.statics.handle("henv")));
        yield store(x.statics.handle("henv"), 0);
        return ok();
      },
      *use(x) {
        yield* x.lib.use("henv", yield load(x.statics.handle("henv")));
        return { _tag: "Ok", value } as never;
      },
    });
  const henv = scenarios.find((s) => s.id === "henv")!;
  const who = { path: "odd.ts", exportName: "" };

  it("gives a malformed result the verdict 'failed' with the step of the hook that returned it, never a property", () => {
    const { check, report } = checkScenario(client(1.5), who, henv, undefined);
    expect(check.verdict).toBe("failed");
    expect(check.message).toMatch(/^the module under test failed in scenario henv: odd_result use\(henv\) in interp 1 returned \{"_tag":"Ok","value":1\.5\}: a hook must return ok\(value\) with an int32 value/);
    expect(report.verdict).toBe("failed");
    expect(report.violation?.property).toBe("module-failed");
    const last = report.steps[report.steps.length - 1]!;
    expect(report.violation?.failingStep).toBe(last.step);
    expect(last.access).toBe("store(interlock.moduleFailed, 1)");
    expect(report.steps.some((s) => s.call === "use(henv)" && s.access.endsWith("— use"))).toBe(true);
    // the report is a valid one, and the same client gives the same bytes
    expect(encodeReport(report)).toBe(encodeReport(checkScenario(client(1.5), who, henv, undefined).report));
  });

  it("finds the same client safe once its result is well formed", () => {
    const { check, report } = checkScenario(client(7), who, henv, undefined);
    expect(check.verdict).toBe("ok");
    expect(report).toMatchObject({ verdict: "ok", token: null, violation: null });
  });
});

describe("the README's client", () => {
  it("is a whole client: copied into a bare folder it runs and is safe in every scenario it can run", () => {
    const readme = readFileSync(join(repo, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Checking your extension's code"));
    const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
    expect(code).toBeDefined();
    const dir = bareFolder();
    writeFileSync(join(dir, "my_ext.ts"), code as string);
    const r = interlock(dir, "verify", "--client", "my_ext.ts", "--family", "static_mutex", "--json");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { results: { scenario: string; verdict: string }[] };
    expect(out.results.map((c) => c.scenario)).toEqual(["henv", "churn", "init-failure", "interp-end", "runtime-reinit"]);
  });
});

describe("--impl from a bare folder", () => {
  it("loads a TypeScript implementation that imports interlock/impl with no package.json and no node_modules", () => {
    const dir = bareFolder();
    copyFileSync(join(repo, "test/fixtures/impl/tiny-static-mutex.ts"), join(dir, "tiny-static-mutex.ts"));
    writeFileSync(join(dir, "impl.ts"), 'export { tinyStaticMutex as static_mutex } from "./tiny-static-mutex.ts";\n');
    const r = interlock(dir, "verify", "--impl", "impl.ts", "--strategy", "pct", "--runs", "100", "--report-dir", join(dir, "out"), "--json");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect((JSON.parse(r.stdout) as { jobs: { verdict: string }[] }).jobs.map((j) => j.verdict)).toEqual(["ok"]);
  });
});
