/**
 * `interlock client <file.c>`: checks an extension written in C (cfront/client.ts) in every
 * scenario it supports, with any explorer strategy, and writes a report per scenario (JSON,
 * Markdown, HTML: the schema of `interlock verify`, replayable with `interlock replay`). Exit codes
 * as everywhere: 0 safe in every scenario, 1 a counterexample, 2 a usage error (a C file that does
 * not compile: clang's message), 3 a scenario left undecided.
 */
import { existsSync } from "node:fs";
import { basename, join } from "node:path";
import { choiceListFlag, intFlag, str } from "../args.js";
import { ExitCode, UsageError } from "../errors.js";
import { register } from "../command.js";
import { table } from "../output.js";
import { replayCommand } from "../verify-job-report.js";
import { writeReportIndex } from "../../reports/index-page.js";
import { checkReportDirectory, reportFormats, writeReportFiles, type ReportFileFormat } from "../../reports/io.js";
import type { Report } from "../../reports/schema.js";
import { checkCClient, cClientScenarios, clientOptions, clientStrategies, defaultClientSettings, scenariosFor, type ClientRow, type ClientSettings, type ClientStrategy } from "../../cfront/client-check.js";
import { clientReport } from "../../cfront/client-report.js";
import type { CompiledC } from "../../cfront/compile.js";
import { compileForCli } from "../c-impl.js";
import { cClientFamily } from "../../cfront/client.js";
import { familyNames, type FamilyName } from "../../model/index.js";
import type { Scenario } from "../../properties/scenarios/scenarios.js";
import { reportErrorsAsUsage } from "../report-errors.js";

register({
  name: "client",
  summary: "check an extension written in C (module exec, m_free, module functions) in the scenarios",
  help: [
    "Usage: interlock client <file.c> [--family f] [--scenario id,...] [--strategy s] [--max-states n] [--runs n] [--seed n] [--report-dir dir] [--format f,...] [--json]",
    "",
    "Compiles the C file (include/interlock.h) with the bundled clang and runs it through the client",
    "contract (the same harness as `interlock verify --client file.ts`): its Py_mod_exec, m_free,",
    "Py_mod_global_init / Py_mod_global_exit, use_resource (or use_henv), acquire_resource,",
    "release_resource and call_library exports are the extension of every interpreter in each",
    "scenario whose module functions it exports",
    `(${cClientScenarios.map((s) => s.id).join(", ")}),`,
    "under the family's runtime; the C code calls the family's API (PyThread_EnsureGlobalLock,",
    "PyRuntime_store_* …) as declared in include/interlock.h. It then",
    "explores the interleavings of 3 interpreters and judges the wrapped library's monitor and the",
    "runtime (P1, P2, P5, P6, P7, P9; a trap of the C code is the finding `crash`). A counterexample",
    "is shrunk. One report per scenario goes to <report-dir>/client/<file>.<scenario>.{json,md,html},",
    "its swimlane naming the C file and line of every step; `interlock replay <report.json>` reruns it.",
    "",
    "  --family f         the family the extension is written against:",
    `                     ${familyNames.join(", ")}`,
    "                     (default: the file's IL_FAMILY(f), else module_slots if it exports",
    "                     Py_mod_global_init, else static_mutex)",
    "  --scenario ids     comma-separated scenarios (default: all it can run)",
    "  --strategy s       auto (default: exhaustive, then every schedule with at most 2 preemptions",
    "                     when the states exceed --max-states), exhaustive, bounded, pct, random",
    `  --max-states n     state budget of exhaustive and bounded (default ${defaultClientSettings.maxStates})`,
    `  --runs n           runs of pct and random (default ${defaultClientSettings.runs})`,
    `  --seed n           seed of pct and random (default ${defaultClientSettings.seed})`,
    "  --report-dir dir   where reports go (default interlock-out)",
    "  --format f[,f]     report formats: json, md, html, junit (default json,md,html)",
    "  --json             print the rows as JSON",
    "",
    "Exit codes: 0 safe in every scenario, 1 a counterexample, 2 usage or compile error, 3 undecided.",
  ].join("\n"),
  options: {
    family: { type: "string" },
    scenario: { type: "string" },
    strategy: { type: "string" },
    "max-states": { type: "string" },
    runs: { type: "string" },
    seed: { type: "string" },
    "report-dir": { type: "string" },
    format: { type: "string" },
    json: { type: "boolean" },
  },
  positionals: { min: 1, max: 1, name: "file.c" },
  async run(args, out) {
    const v = args.values;
    const file = args.positionals[0] as string;
    if (!file.endsWith(".c")) throw new UsageError(`interlock client: ${file} is not a .c file`);
    if (!existsSync(file)) throw new UsageError(`interlock client: ${file}: no such file`);
    const wanted = v["scenario"] === undefined ? undefined : choiceListFlag(v["scenario"], "scenario", cClientScenarios.map((s) => s.id), "scenario", `one of ${cClientScenarios.map((s) => s.id).join(", ")}`);
    const strategy = v["strategy"] === undefined ? "auto" : (choiceListFlag(v["strategy"], "strategy", clientStrategies, "strategy", clientStrategies.join(", "))[0] as ClientStrategy);
    const settings: ClientSettings = {
      strategy,
      maxStates: intFlag(v["max-states"], "max-states", 1, 100_000_000, defaultClientSettings.maxStates),
      runs: intFlag(v["runs"], "runs", 1, 10_000_000, defaultClientSettings.runs),
      seed: intFlag(v["seed"], "seed", 0, 2 ** 31 - 1, defaultClientSettings.seed),
    };
    const formats: ReportFileFormat[] = v["format"] === undefined ? ["json", "md", "html"] : choiceListFlag(v["format"], "format", reportFormats, "report format", reportFormats.join(", "));
    const reportDir = join(str(v["report-dir"]) ?? "interlock-out", "client");
    reportErrorsAsUsage(() => checkReportDirectory(reportDir));
    const asked = v["family"] === undefined ? undefined : (choiceListFlag(v["family"], "family", familyNames, "family", familyNames.join(", "))[0] as FamilyName);
    const compiled = await compileOrExplain(file, out);
    let family: FamilyName;
    let runnable: readonly Scenario[];
    try {
      family = cClientFamily(compiled, asked);
      runnable = scenariosFor(compiled, family);
    } catch (e) {
      throw new UsageError(`${(e as Error).message.split("\n")[0]}`);
    }
    for (const id of wanted ?? []) {
      if (!runnable.some((s) => s.id === id)) throw new UsageError(`--scenario ${id}: ${file} does not export every module function that scenario calls (use_resource, acquire_resource, release_resource, call_library)`);
    }
    if (runnable.length === 0) throw new UsageError(`${file} exports no module function a scenario calls: export use_resource(interp, r) or use_henv(interp)`);
    const rows: { row: ClientRow; report: Report; paths: string[] }[] = [];
    for (const s of runnable.filter((x) => wanted === undefined || wanted.includes(x.id))) {
      out.progress(`client: ${s.id}`);
      let row: ClientRow;
      try {
        row = checkCClient(compiled, s, settings, family);
      } catch (e) {
        throw new UsageError(`${file}: ${(e as Error).message.split("\n")[0]}`);
      }
      const base = `${basename(file, ".c")}.${s.id}`;
      const report = clientReport({ compiled, file, family, scenario: s, row, seed: settings.seed, options: clientOptions(row, settings), replay: replayCommand(join(reportDir, `${base}.json`), undefined), elapsedMs: null });
      rows.push({ row, report, paths: [] });
      reportErrorsAsUsage(() => rows[rows.length - 1]!.paths.push(...writeReportFiles(reportDir, base, report, formats)));
    }
    out.endProgress();
    if (rows.length > 0) writeReportIndex(reportDir, `interlock client ${file}`);
    printRows(rows, v["json"] === true, reportDir, out);
    if (rows.some((r) => r.row.result.verdict === "violation")) return ExitCode.counterexample;
    return rows.every((r) => r.row.result.verdict === "ok") ? ExitCode.agreement : ExitCode.budget;
  },
});

/** Compiles the file; a compile error is a usage error carrying clang's message. */
async function compileOrExplain(file: string, out: { progress(l: string): void; endProgress(): void; err(l: string): void }): Promise<CompiledC> {
  try {
    out.progress(`compiling ${file}`);
    // clang's diagnostics whole (with the source line and caret), then the one-line usage error
    return await compileForCli(file, "", (line) => {
      out.endProgress();
      out.err(line);
    });
  } finally {
    out.endProgress();
  }
}

function printRows(rows: readonly { row: ClientRow; report: Report; paths: string[] }[], json: boolean, dir: string, out: { out(l: string): void }): void {
  const verdictOf = (r: ClientRow): string => (r.result.verdict === "violation" ? `unsafe ${r.result.violation?.property ?? ""}` : r.result.verdict === "ok" ? "safe" : "undecided");
  if (json) {
    out.out(
      JSON.stringify(
        rows.map(({ row: r, paths }) => ({
          scenario: r.scenario,
          strategy: r.strategy,
          verdict: verdictOf(r),
          states: r.result.stats.states,
          executions: r.result.stats.executions,
          coverage: r.result.coverage.sentence,
          message: r.result.violation?.message ?? null,
          token: r.result.violation?.token ?? null,
          reports: paths,
        })),
        null,
        2,
      ),
    );
    return;
  }
  out.out(table(["scenario", "strategy", "verdict", "states", "what"], rows.map(({ row: r }) => [r.scenario, r.strategy, verdictOf(r), `${r.result.stats.states}`, r.result.violation?.message.split("\n")[0] ?? r.fallback ?? ""])));
  out.out(`reports in ${dir}/ (index.html lists them)`);
  for (const { row, report, paths } of rows) {
    if (row.result.verdict !== "violation") continue;
    out.out(`counterexample: ${row.scenario} — ${paths.find((p) => p.endsWith(".md")) ?? paths[0] ?? ""}`);
    out.out(`  replay: ${report.replay}`);
  }
}
