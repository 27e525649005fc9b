import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

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
  });

  it.each([
    ["a missing file", ["--client", "nope.ts"], /^interlock: --client nope\.ts: no such file$/],
    ["a missing export", ["--client", "main_only.ts#nope"], /^interlock: --client main_only\.ts#nope: the module has no export "nope"$/],
    ["a report folder, which --client does not write", ["--client", "main_only.ts", "--report-dir", "out"], /--report-dir does not apply to --client/],
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
