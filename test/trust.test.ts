import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { mutants } from "../impl/mutants/index.js";
import { mutantConfig } from "../impl/mutants/mutant.js";
import { decodeReport } from "../reports/io.js";

/**
 * Verdicts that can be trusted, end to end through the installed command: the limits a user sets
 * are honoured, a report replays in exactly the configuration its run used, and the same command
 * gives byte-identical reports on an idle machine and on a loaded one.
 */
const repo = resolve(".");
const interlock = (cwd: string, env: Record<string, string>, ...args: string[]) =>
  spawnSync(process.execPath, [join(repo, "bin/interlock.mjs"), ...args], { cwd, encoding: "utf8", env: { ...process.env, CI: "true", ...env } });
const temp = (): string => mkdtempSync(join(tmpdir(), "interlock-trust-"));

describe("limits from the environment", () => {
  it("INTERLOCK_MAX_STATES caps an exhaustive job, which then ends unknown (exit 3) naming the limit", () => {
    const dir = temp();
    // refcounted_lock: module_slots's whole state space (lock sections folded) is smaller than the cap
    const r = interlock(dir, { INTERLOCK_MAX_STATES: "1000" }, "verify", "--family", "refcounted_lock", "--strategy", "exhaustive", "--json", "--report-dir", "out");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(3);
    const summary = JSON.parse(r.stdout) as { jobs: { verdict: string; states: number }[] };
    expect(summary.jobs[0]?.verdict).toBe("unknown");
    expect(summary.jobs[0]?.states).toBeLessThanOrEqual(1001);
    const report = decodeReport(readFileSync(join(dir, "out/verify/refcounted_lock.exhaustive.json"), "utf8"), "report");
    expect(report.config.limits["maxStates"]).toBe(1000);
    expect(report.coverage.sentence).toMatch(/maxStates \(1000\)/);
  });

  it.each([
    ["INTERLOCK_MAX_STATES", "abc"],
    ["INTERLOCK_MAX_STEPS", "-5"],
    ["INTERLOCK_TIME_LIMIT_MS", "1.5"],
    ["INTERLOCK_MAX_THREADS", "99"],
  ])("%s=%s is a usage error: exit 2, one line naming the variable, nothing run", (variable, value) => {
    const r = interlock(temp(), { [variable]: value }, "verify", "--family", "module_slots", "--strategy", "exhaustive");
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(variable);
  });

  it("a wall-clock budget too small to finish anything ends unknown (exit 3) and names --budget-ms, for every strategy", () => {
    const dir = temp();
    const r = interlock(dir, {}, "verify", "--family", "refcounted_lock", "--budget-ms", "1", "--json", "--report-dir", "out");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(3);
    const summary = JSON.parse(r.stdout) as { jobs: { job: string; verdict: string }[] };
    expect(summary.jobs.map((j) => j.verdict)).toEqual(["unknown", "unknown", "unknown", "unknown"]);
    for (const j of summary.jobs) {
      const report = decodeReport(readFileSync(join(dir, "out/verify", `${j.job}.json`), "utf8"), j.job);
      expect(report.verdict).toBe("unknown");
      expect(report.coverage.sentence, j.job).toContain("raise it with --budget-ms");
      expect(report.coverage.sentence, j.job).not.toContain("timeLimitMs");
    }
  });
});

describe("replay rebuilds the configuration the report records", () => {
  it("every mutant's report, written by `interlock mutants --report-dir`, replays to the same property — the 1-interpreter ones included", () => {
    const dir = temp();
    const r = interlock(dir, {}, "mutants", "--strategy", "exhaustive", "--report-dir", "out");
    expect(r.status).toBe(0);
    const files = readdirSync(join(dir, "out/mutants")).filter((f) => f.endsWith(".json")).sort();
    expect(files).toEqual(mutants.map((m) => `${m.id}.exhaustive.json`).sort());
    expect(mutants.some((m) => m.programs.length === 1)).toBe(true);
    for (const f of files) {
      const report = decodeReport(readFileSync(join(dir, "out/mutants", f), "utf8"), f);
      const m = mutants.find((x) => f.startsWith(`${x.id}.`));
      // One interpreter per program, or the interpreters the programs' threads name (model D18).
      expect(report.config.interpreters, f).toBe(m === undefined ? undefined : mutantConfig(m).interpreters);
      const replayed = interlock(dir, {}, "replay", join("out/mutants", f), "--json");
      expect(replayed.status, `${f}: ${replayed.stderr}`).toBe(1);
      const outcome = JSON.parse(replayed.stdout) as { reproduced: boolean; property: string; differences: string[] };
      expect(outcome.differences, f).toEqual([]);
      expect(outcome.reproduced, f).toBe(true);
      expect(outcome.property, f).toBe(report.violation?.property);
    }
  }, 300_000);

  it("a report whose failing step was edited is not 'reproduced': replay says what differs", () => {
    const dir = temp();
    expect(interlock(dir, {}, "mutants", "--strategy", "exhaustive", "--only", "unlocked-check-then-act", "--report-dir", "out").status).toBe(0);
    const path = join(dir, "out/mutants/unlocked-check-then-act.exhaustive.json");
    const report = JSON.parse(readFileSync(path, "utf8")) as { violation: { failingStep: number } };
    report.violation.failingStep += 1;
    const edited = join(dir, "edited.json");
    writeFileSync(edited, JSON.stringify(report));
    const replayed = interlock(dir, {}, "replay", edited, "--json");
    const outcome = JSON.parse(replayed.stdout) as { reproduced: boolean; differences: string[] };
    expect(outcome.reproduced).toBe(false);
    expect(outcome.differences.join("; ")).toMatch(/^failing step \d+ instead of \d+$/);
  });
});

describe("the same command gives the same bytes on an idle machine and a loaded one", () => {
  it("verify's reports are byte-identical while two busy processes compete for the cores", async () => {
    const args = ["verify", "--family", "module_slots", "--strategy", "exhaustive,bounded,pct,random", "--runs", "200", "--program-sets", "5", "--format", "json,md", "--report-dir", "out", "--jobs", "1"];
    const idle = temp();
    expect(interlock(idle, {}, ...args).status).toBe(0);
    // Two processes spinning on the CPU for as long as the second run takes.
    const hogs = [0, 1].map(() => spawn(process.execPath, ["-e", "const end = Date.now() + 120000; while (Date.now() < end) {}"], { stdio: "ignore" }));
    try {
      const loaded = temp();
      const r = interlock(loaded, {}, ...args);
      expect(r.status).toBe(0);
      const names = readdirSync(join(idle, "out/verify")).sort();
      expect(readdirSync(join(loaded, "out/verify")).sort()).toEqual(names);
      for (const n of names) expect(readFileSync(join(loaded, "out/verify", n), "utf8"), n).toBe(readFileSync(join(idle, "out/verify", n), "utf8"));
    } finally {
      for (const h of hogs) h.kill();
    }
  }, 600_000);
});
