import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { decodeReport } from "../reports/io.js";

/**
 * End to end through the installed command (bin/interlock.mjs over dist/, as a user runs it):
 * a user's implementation module outside interlock's tree, a mutant found by `verify` with all four
 * report renderings written, and `replay` reproducing it from the JSON.
 */
const repo = resolve(".");
const interlock = (cwd: string, ...args: string[]) =>
  spawnSync(process.execPath, [join(repo, "bin/interlock.mjs"), ...args], { cwd, encoding: "utf8", env: { ...process.env, CI: "true" } });

/** A throwaway user project with interlock installed (a symlink, as `npm install ../interlock` makes). */
function userProject(): string {
  const dir = mkdtempSync(join(tmpdir(), "interlock-user-"));
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(repo, join(dir, "node_modules", "interlock"), "dir");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "my-extension-checks", type: "module", private: true }));
  return dir;
}

describe("--impl: a user's own implementation, outside interlock's source tree", () => {
  it("verify runs a TypeScript module that implements static_mutex its own way and finds it in agreement", () => {
    const dir = userProject();
    copyFileSync(join(repo, "test/fixtures/impl/tiny-static-mutex.ts"), join(dir, "tiny-static-mutex.ts"));
    writeFileSync(join(dir, "impl.ts"), 'export { tinyStaticMutex as static_mutex } from "./tiny-static-mutex.ts";\n');
    // Exhaustive search of this module takes minutes (it declares no sharing disciplines, so every
    // access is a scheduling point): the test runs the probabilistic strategies.
    const r = interlock(dir, "verify", "--impl", "impl.ts", "--strategy", "pct,random", "--runs", "2000", "--json");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const summary = JSON.parse(r.stdout) as { jobs: { job: string; verdict: string; coverage: string }[] };
    expect(summary.jobs.map((j) => j.job)).toEqual(["static_mutex.pct", "static_mutex.random"]);
    expect(summary.jobs.every((j) => j.verdict === "ok")).toBe(true);
    expect(summary.jobs[0]!.coverage).toMatch(/^PCT depth 3/);
  });

  it("verify catches a bug in the user's module and says so with exit 1", () => {
    const dir = userProject();
    const source = readFileSync(join(repo, "test/fixtures/impl/tiny-static-mutex.ts"), "utf8");
    // The user's bug: every import reports that it ran the global init, first or not.
    const broken = source.replace("result = ok(first ? 1 : 0);", "result = ok(1);");
    expect(broken).not.toBe(source);
    writeFileSync(join(dir, "broken.ts"), broken.replace("export function tinyStaticMutex", "export function static_mutex"));
    const r = interlock(dir, "verify", "--impl", "broken.ts", "--strategy", "pct", "--report-dir", "out");
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("counterexample: static_mutex.pct");
    const replayed = interlock(dir, "replay", "out/verify/static_mutex.pct.json", "--impl", "broken.ts");
    expect(replayed.status).toBe(1);
    expect(replayed.stdout).toMatch(/^reproduced /);
  });

  it("the replay hint verify prints for an --impl run keeps --impl, and following it word for word reproduces the counterexample", () => {
    const dir = userProject();
    const source = readFileSync(join(repo, "test/fixtures/impl/tiny-static-mutex.ts"), "utf8");
    writeFileSync(join(dir, "broken.ts"), source.replace("result = ok(first ? 1 : 0);", "result = ok(1);").replace("export function tinyStaticMutex", "export function static_mutex"));
    const r = interlock(dir, "verify", "--impl", "broken.ts", "--strategy", "pct", "--report-dir", "out");
    expect(r.status).toBe(1);
    const hint = /^ {2}replay: npx interlock (replay .*)$/m.exec(r.stdout)?.[1];
    expect(hint).toBe("replay out/verify/static_mutex.pct.json --impl broken.ts");
    const followed = interlock(dir, ...(hint ?? "").split(" "));
    expect(followed.status).toBe(1);
    expect(followed.stdout).toMatch(/^reproduced /);
    // The report records the module, so replay finds it without being told.
    const report = decodeReport(readFileSync(join(dir, "out/verify/static_mutex.pct.json"), "utf8"), "report");
    expect(report.config.impl).toBe("broken.ts");
    expect(interlock(dir, "replay", "out/verify/static_mutex.pct.json").stdout).toMatch(/^reproduced /);
  });
});

describe("a mutant through verify, the reports and replay", () => {
  const dir = userProject();
  writeFileSync(
    join(dir, "mutant.ts"),
    [
      `import { mutants } from ${JSON.stringify(join(repo, "impl/mutants/index.ts"))};`,
      "const m = mutants.find((x) => x.id === \"unlocked-check-then-act\")!;",
      "export const module_slots = m.subject;",
    ].join("\n"),
  );
  const out = join(dir, "reports");

  it("verify finds the counterexample and writes JSON, Markdown, HTML and JUnit", () => {
    const r = interlock(dir, "verify", "--impl", "mutant.ts", "--strategy", "exhaustive", "--format", "json,md,html,junit", "--report-dir", out);
    expect(r.status).toBe(1);
    for (const ext of ["json", "md", "html", "junit.xml"]) expect(existsSync(join(out, "verify", `module_slots.exhaustive.${ext}`)), ext).toBe(true);
    expect(existsSync(join(out, "verify", "junit.xml"))).toBe(true);
    const report = decodeReport(readFileSync(join(out, "verify", "module_slots.exhaustive.json"), "utf8"), "report");
    expect(report.verdict).toBe("violation");
    expect(["P1", "P2"]).toContain(report.violation?.property);
    expect(report.steps.length).toBeGreaterThan(5);
    expect(report.violation?.narrative.at(-1)).toMatch(/^step \d+: .*returned/);
    expect(readFileSync(join(out, "verify", "module_slots.exhaustive.md"), "utf8")).toContain("◀ fails here");
    expect(readFileSync(join(out, "verify", "junit.xml"), "utf8")).toContain("<failure");
  });

  it("replay on the JSON reproduces the same violation", () => {
    const r = interlock(dir, "replay", join(out, "verify", "module_slots.exhaustive.json"), "--impl", "mutant.ts", "--json");
    expect(r.status).toBe(1);
    const outcome = JSON.parse(r.stdout) as { reproduced: boolean; property: string; expected: string };
    expect(outcome.reproduced).toBe(true);
    expect(outcome.property).toBe(outcome.expected);
  });
});
