import { mkdtempSync, readFileSync, writeFileSync, copyFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { commandTable } from "../cli/commands.js";
import { loadedCommands } from "../cli/command.js";
import { run } from "../cli/main.js";
import { colorEnabled, type Output } from "../cli/output.js";
import {
  compactCount,
  coverageWord,
  shortCount,
  githubAnnotations,
  githubStepSummary,
  reportToGithub,
  TABLE_WIDTH,
  verifyTable,
  VerifyProgress,
  type Row,
} from "../cli/verify-table.js";
import { planJobs, strategyNames } from "../properties/verify/jobs.js";
import { familyNames } from "../model/index.js";
import { junitFileName, junitForReports } from "../reports/render/junit.js";
import { decodeReport } from "../reports/io.js";
import { listReports, renderReportIndex, writeReportIndex } from "../reports/index-page.js";
import type { Report } from "../reports/schema.js";

/**
 * The conventions a newcomer expects of a command line, and the verify presentation: version and
 * help, colour variables, lazy command loading, the 100-column table with what each "ok" means,
 * live progress, GitHub annotations and summary, unique JUnit names, the report index page.
 */
const ROOT = resolve(import.meta.dirname, "..");

function capture(interactive = false): Output & { text: () => { out: string; err: string }; drawn: string[] } {
  let out = "";
  let err = "";
  const drawn: string[] = [];
  return {
    interactive,
    color: false,
    out: (l) => void (out += l + "\n"),
    err: (l) => void (err += l + "\n"),
    progress: (l) => void drawn.push(l),
    endProgress: () => undefined,
    text: () => ({ out, err }),
    drawn,
  };
}

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const o = capture();
  const code = await run(argv, o);
  return { code, ...o.text() };
}

describe("version and help", () => {
  const version = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
  it.each(["-v", "--version"])("interlock %s prints the package.json version", async (flag) => {
    expect(await cli(flag)).toEqual({ code: 0, out: `interlock ${version}\n`, err: "" });
  });

  it("interlock help <command> prints the same text as interlock <command> --help", async () => {
    const a = await cli("help", "check-history");
    expect(a.code).toBe(0);
    expect(a.out).toMatch(/^Usage: interlock check-history/);
    expect(a.out).toBe((await cli("check-history", "--help")).out);
  });

  it("interlock help <unknown> is a one-line usage error listing the commands", async () => {
    const r = await cli("help", "verfiy");
    expect(r.code).toBe(2);
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.err).toContain('unknown command "verfiy"');
    expect(r.err).toContain("check-history");
  });

  it("every command's summary in the lazy table is the one the command registers", async () => {
    for (const c of commandTable) await c.load();
    const registered = Object.fromEntries(loadedCommands().map((c) => [c.name, c.summary]));
    expect(Object.fromEntries(commandTable.map((c) => [c.name, c.summary]))).toEqual(registered);
  });
});

describe("colour", () => {
  it.each([
    [{}, true, true],
    [{}, false, false],
    [{ NO_COLOR: "1" }, true, false],
    [{ NO_COLOR: "" }, true, true],
    [{ CI: "true" }, true, false],
    [{ FORCE_COLOR: "1" }, false, true],
    [{ FORCE_COLOR: "1", NO_COLOR: "1", CI: "true" }, false, true],
    [{ FORCE_COLOR: "0" }, true, false],
    [{ FORCE_COLOR: "" }, true, true],
    [{ FORCE_COLOR: "", NO_COLOR: "x" }, true, false],
  ] as const)("env %j on a %s stdout TTY: colour %s", (env, tty, expected) => {
    expect(colorEnabled(env, tty)).toBe(expected);
  });
});

/** Module specifiers a file imports statically (`import … from`, `export … from`, `import "…"`), resolved to .ts sources. */
function staticImports(file: string): string[] {
  const src = readFileSync(file, "utf8");
  const found: string[] = [];
  for (const m of src.matchAll(/^\s*(?:import|export)\s[^;]*?from\s*"(\.[^"]+)"|^\s*import\s*"(\.[^"]+)"/gm)) {
    found.push(resolve(dirname(file), (m[1] ?? m[2])!.replace(/\.js$/, ".ts")));
  }
  return found;
}
function reachable(entry: string): Set<string> {
  const seen = new Set<string>();
  const walk = (f: string): void => {
    if (seen.has(f)) return;
    seen.add(f);
    for (const g of staticImports(f)) walk(g);
  };
  walk(entry);
  return seen;
}

describe("lazy command loading", () => {
  it("the CLI's entry imports no command module; check-history's module reaches no explorer module", () => {
    const fromMain = [...reachable(join(ROOT, "cli/main.ts"))].map((f) => f.slice(ROOT.length + 1));
    expect(fromMain.filter((f) => f.startsWith("cli/commands/"))).toEqual([]);
    const fromCheck = [...reachable(join(ROOT, "cli/commands/check-history.ts"))].map((f) => f.slice(ROOT.length + 1));
    expect(fromCheck).toContain("properties/checker/index.ts");
    expect(fromCheck.filter((f) => f.startsWith("properties/explorer/"))).toEqual([]);
  });

  it("the import walk used here does see the explorer behind verify", () => {
    expect([...reachable(join(ROOT, "cli/commands/verify.ts"))].some((f) => f.includes("/properties/explorer/"))).toBe(true);
  });
});

/** Rows as 20 verify jobs would give them, with realistic sizes and coverage sentences. */
function twentyRows(): Row[] {
  const sentence: Record<string, string> = {
    exhaustive: "exhaustive for these programs (typical program ×1 in 3 interpreters): all 5390902 reachable states judged, modulo symmetry of interps 1, 2 and 3; the online history judge …",
    bounded: "exhaustive up to 2 preemptions: every schedule with at most 2 preemptions reaches only states the monitor accepted (123456 states at the last level); …",
    pct: "PCT depth 3, 3 threads, k = 248 steps, seed 1: each run finds a given depth-3 bug with probability ≥ 5.42e-6; after 1000 runs P(miss) ≤ 0.995; the whole-history check judged 1000 executions.",
    random: "random walk, 1000 executions from seed 1: no coverage guarantee; the whole-history check judged 1000 executions.",
  };
  return planJobs({ families: familyNames, strategies: strategyNames, interpreters: 3 }).map((job, i) => ({
    job,
    verdict: i === 3 ? "violation" : i === 7 ? "unknown" : "ok",
    property: i === 3 ? "P2" : null,
    message: i === 3 ? "interp 3 still uses henv, but it is not live: it was torn down while in use" : null,
    coverage: sentence[job.strategyName]!,
    executions: 1_234_567 + i,
    states: 5_390_902 + i,
    elapsedMs: 18_880 + i,
  }));
}

describe("the verify table", () => {
  it("20 jobs give 22 lines, none wider than 100 columns", () => {
    const lines = verifyTable(twentyRows()).split("\n");
    expect(lines).toHaveLength(22);
    expect(lines.filter((l) => l.length > TABLE_WIDTH)).toEqual([]);
  });

  it("says in the verdict column what each strategy's ok proved", () => {
    const rows = twentyRows().filter((r) => r.verdict === "ok" && r.job.family === "static_mutex");
    expect(Object.fromEntries(rows.map((r) => [r.job.strategyName, coverageWord(r)]))).toEqual({
      exhaustive: "exhaustive",
      bounded: "≤2 preemptions",
      pct: "PCT: P(miss) ≤ 0.995",
      random: "random: no guarantee",
    });
    const text = verifyTable(twentyRows());
    expect(text).toContain("ok: PCT: P(miss) ≤ 0.995");
    expect(text).toContain("COUNTEREXAMPLE P2");
    expect(text).toContain("UNKNOWN: budget ran out");
    expect(text).not.toContain("the online history judge");
  });

  it("writes big counts compactly", () => {
    expect([compactCount(99_999), compactCount(136_386), compactCount(2_618_156)]).toEqual(["99999", "136 k", "2.62 M"]);
    expect([shortCount(9_999), shortCount(13_041), shortCount(5_390_902)]).toEqual(["9999", "13.0 k", "5.39 M"]);
  });

  it("keeps two running exhaustive jobs of the largest family on one 100-column progress line", () => {
    const out = capture(true);
    const progress = new VerifyProgress(out, 20, false, 1000, () => 12_345);
    for (const id of ["refcounted_lock.exhaustive", "refcounted_lock.bounded"]) {
      progress.update(id, { executions: 99, states: 5_390_902, transitions: 0, elapsedMs: 0, stepsPerSecond: 0 });
    }
    expect(out.drawn.at(-1)).toBe("0/20 done, 0.0 s · refcounted_lock.exhaustive 5.39 M states · refcounted_lock.bounded 5.39 M states");
    expect(out.drawn.at(-1)!.length).toBeLessThanOrEqual(TABLE_WIDTH);
  });
});

describe("live progress", () => {
  it("shows jobs done of total, each running job's states, and the elapsed time, while jobs run in parallel", () => {
    let now = 0;
    const out = capture(true);
    const rows = twentyRows();
    const progress = new VerifyProgress(out, 20, false, 1000, () => now);
    now = 1500;
    progress.update("global_lock.exhaustive", { executions: 12, states: 1_250_000, transitions: 0, elapsedMs: 1500, stepsPerSecond: 0 });
    progress.update("module_slots.pct", { executions: 250, states: 0, transitions: 0, elapsedMs: 1500, stepsPerSecond: 0 });
    expect(out.drawn.at(-1)).toBe("0/20 done, 1.5 s · global_lock.exhaustive 1.25 M states · module_slots.pct 25% of runs");
    now = 2000;
    progress.finished({ ...rows[0]!, job: { ...rows[0]!.job, id: "global_lock.exhaustive" } });
    expect(out.drawn.at(-1)).toBe("1/20 done, 2.0 s · module_slots.pct 25% of runs");
    expect(out.text().err).toBe("global_lock.exhaustive: ok (18.88 s)\n");
  });
});

describe("GitHub Actions", () => {
  const rows = twentyRows();
  it("annotates each counterexample on the implementation file, escaped as a workflow command", () => {
    const a = githubAnnotations(rows, "out/verify", undefined);
    expect(a).toHaveLength(1);
    expect(a[0]).toBe(
      `::error file=impl/global_lock.ts,title=interlock global_lock.random%3A P2::interp 3 still uses henv, but it is not live: it was torn down while in use%0Areport: out/verify/global_lock.random.md%0Areplay: npx interlock replay out/verify/global_lock.random.json`,
    );
    expect(githubAnnotations(rows, "out", "my, impl.ts")[0]).toContain("file=my%2C impl.ts,");
  });

  it("writes a job summary table to $GITHUB_STEP_SUMMARY and annotations to stdout only when GITHUB_ACTIONS is true", () => {
    const dir = mkdtempSync(join(tmpdir(), "interlock-gh-"));
    const summary = join(dir, "summary.md");
    writeFileSync(summary, "");
    const off = capture();
    reportToGithub(rows, "out", { index: 1, count: 1 }, undefined, off, { GITHUB_STEP_SUMMARY: summary });
    expect([off.text().out, readFileSync(summary, "utf8")]).toEqual(["", ""]);
    const on = capture();
    reportToGithub(rows, "out", { index: 2, count: 4 }, undefined, on, { GITHUB_ACTIONS: "true", GITHUB_STEP_SUMMARY: summary });
    expect(on.text().out).toMatch(/^::error file=/);
    expect(readFileSync(summary, "utf8")).toBe(githubStepSummary(rows, "out", { index: 2, count: 4 }));
    expect(readFileSync(summary, "utf8")).toContain("### interlock verify (shard 2/4)");
    expect(readFileSync(summary, "utf8").split("\n").filter((l) => l.startsWith("| `"))).toHaveLength(20);
  });
});

const fixture = (name: string): Report => decodeReport(readFileSync(join(ROOT, "test/fixtures/reports", `${name}.json`), "utf8"), name);

describe("JUnit for CI", () => {
  it("names 20 jobs' testcases uniquely (family / strategy / subject)", () => {
    const base = fixture("agreement");
    const reports = planJobs({ families: familyNames, strategies: strategyNames, interpreters: 3 }).map((j) => ({
      ...base,
      family: j.family,
      config: { ...base.config, strategy: j.strategyName },
    }));
    const names = [...junitForReports(reports).matchAll(/<testcase [^>]*name="([^"]+)"/g)].map((m) => m[1]);
    expect(names).toHaveLength(20);
    expect(new Set(names).size).toBe(20);
  });

  it("leaves out a time that was not recorded rather than writing 0", () => {
    const untimed = { ...fixture("agreement"), coverage: { ...fixture("agreement").coverage, elapsedMs: null } };
    expect(junitForReports([untimed])).not.toMatch(/time=/);
    expect(junitForReports([fixture("agreement")])).toMatch(/<testcase [^>]*time="0\.412"/);
  });

  it("gives each shard its own file", () => {
    expect([junitFileName({ index: 1, count: 1 }), junitFileName({ index: 2, count: 4 }), junitFileName({ index: 4, count: 4 })]).toEqual([
      "junit.xml",
      "junit-2-of-4.xml",
      "junit-4-of-4.xml",
    ]);
  });
});

describe("the report index page", () => {
  it("lists every report in the folder with its verdict, counterexamples first, and skips other JSON", () => {
    const dir = mkdtempSync(join(tmpdir(), "interlock-index-"));
    for (const f of ["agreement", "counterexample", "budget"]) copyFileSync(join(ROOT, "test/fixtures/reports", `${f}.json`), join(dir, `${f}.json`));
    writeFileSync(join(dir, "counterexample.html"), "<p>page</p>");
    writeFileSync(join(dir, "package.json"), "{}");
    mkdirSync(join(dir, "sub"));
    expect(listReports(dir).map((e) => e.name)).toEqual(["agreement", "budget", "counterexample"]);
    const html = readFileSync(writeReportIndex(dir, "t"), "utf8");
    const order = [...html.matchAll(/<tr class="(\w+)"><td><code>([^<]+)</g)].map((m) => `${m[2]}:${m[1]}`);
    expect(order).toEqual(["counterexample:violation", "budget:unknown", "agreement:ok"]);
    expect(html).toContain('<a href="counterexample.html">html</a>');
    expect(html).not.toContain('href="agreement.html"');
    expect(html).toContain("3 report(s): 1 violation, 1 unknown, 1 ok.");
  });

  it("escapes report text", () => {
    const r = fixture("counterexample");
    const hostile = { ...r, violation: { ...r.violation!, message: "<script>x</script>" } };
    expect(renderReportIndex("<t>", [{ name: "a<b", report: hostile }], new Set())).not.toMatch(/<script>|<t>|a<b/);
  });

  it("interlock show lists a folder's reports and writes its index; a missing folder is a usage error", async () => {
    const dir = mkdtempSync(join(tmpdir(), "interlock-show-"));
    copyFileSync(join(ROOT, "test/fixtures/reports/counterexample.json"), join(dir, "counterexample.json"));
    const r = await cli("show", dir);
    expect(r.code).toBe(0);
    expect(r.out).toContain("counterexample  violation  P1");
    expect(readFileSync(join(dir, "index.html"), "utf8")).toContain("counterexample");
    const missing = await cli("show", join(dir, "nope"));
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/^interlock: no report folder .*; run `interlock verify` first/);
  });
});
