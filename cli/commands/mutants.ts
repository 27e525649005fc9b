import { mutants } from "../../impl/mutants/index.js";
import { join } from "node:path";
import { mutantConfig } from "../../impl/mutants/mutant.js";
import { mutantCounterexample, renderMutantTable, runMutants, type StrategyKind } from "../../properties/verify/mutant-runs.js";
import { buildReport } from "../../reports/build.js";
import { writeReportIndex } from "../../reports/index-page.js";
import { checkReportDirectory, ReportError, writeReportFiles } from "../../reports/io.js";
import { choiceListFlag, intFlag, listFlag, str } from "../args.js";
import { replayCommand } from "../verify-job-report.js";
import { ExitCode, UsageError } from "../errors.js";
import { register } from "../command.js";

const strategyKinds: readonly StrategyKind[] = ["exhaustive", "bounded", "pct", "random"];

register({
  name: "mutants",
  summary: "run the catalogue of seeded bugs under each strategy: every one must be caught",
  help: [
    "Usage: interlock mutants [--strategy s[,s]] [--only id[,id]] [--seed n] [--budget-ms n] [--report-dir dir] [--json]",
    "",
    "Each mutant is a small, documented change to the correct implementation that reproduces a",
    "hazard the thread raises, tied to the property it breaks. Prints, per mutant and strategy:",
    "caught or not, executions and time to the first counterexample, the property found, and the",
    "shrunk counterexample's length (steps / preemptions). The correct implementation runs on the",
    "same programs and strategies, and any alarm there is reported. Exit 1 if a mutant survives",
    "or the correct implementation raises an alarm.",
    "",
    "  --strategy s   strategies (default all): " + strategyKinds.join(", "),
    "  --only ids     only these mutants (ids from the table)",
    "  --seed n       seed for PCT and random (default 1)",
    "  --budget-ms n  wall-clock safety net of each single run (default 10000)",
    "  --report-dir d write each caught mutant's counterexample as a report (JSON, Markdown, HTML)",
    "                 to <d>/mutants/<mutant>.<strategy>.*; `interlock replay` reproduces each",
    "  --json         the rows as JSON",
  ].join("\n"),
  options: {
    strategy: { type: "string" },
    only: { type: "string" },
    seed: { type: "string" },
    "budget-ms": { type: "string" },
    "report-dir": { type: "string" },
    json: { type: "boolean" },
  },
  async run(args, out) {
    const v = args.values;
    const strategies = v["strategy"] === undefined ? strategyKinds : choiceListFlag(v["strategy"], "strategy", strategyKinds, "strategy", `one of ${strategyKinds.join(", ")}`);
    const only = v["only"] === undefined ? undefined : listFlag(v["only"], "only");
    for (const id of only ?? []) if (!mutants.some((m) => m.id === id)) throw new UsageError(`unknown mutant "${id}"; run \`interlock mutants --json\` for the ids`);
    const reportDir = str(v["report-dir"]);
    if (reportDir !== undefined) {
      if (reportDir.trim() === "") throw new UsageError("--report-dir is empty; pass a folder, e.g. --report-dir interlock-out");
      try {
        checkReportDirectory(join(reportDir, "mutants"));
      } catch (e) {
        if (e instanceof ReportError) throw new UsageError(e.message);
        throw e;
      }
    }
    const seed = intFlag(v["seed"], "seed", 0, 2 ** 31 - 1, 1);
    const budgetMs = intFlag(v["budget-ms"], "budget-ms", 1, 86_400_000, 10_000);
    const rows = runMutants({
      strategies,
      seed,
      budgetMs,
      ...(only ? { only } : {}),
    });
    const written: string[] = [];
    if (reportDir !== undefined) {
      const dir = join(reportDir, "mutants");
      try {
        for (const row of rows) {
          const m = mutants.find((x) => x.id === row.id);
          if (m === undefined) continue;
          for (const o of row.results) {
            if (o.token === null) continue;
            const base = `${m.id}.${o.strategy}`;
            const report = buildReport({
              family: m.family,
              subject: m.subject(mutantConfig(m)).name,
              config: mutantConfig(m),
              impl: null,
              limits: { timeLimitMs: budgetMs },
              programs: m.programs,
              strategy: o.strategy,
              seed,
              options: { mutant: m.id, hazard: m.hazard },
              result: {
                verdict: "violation",
                coverage: { strategy: o.strategy, guarantee: o.guarantee, sentence: o.coverage },
                stats: { executions: o.executions, states: o.states },
                blockedByDesign: null,
              },
              counterexample: mutantCounterexample(m, o.token),
              replay: replayCommand(join(dir, `${base}.json`), undefined),
              elapsedMs: null,
            });
            written.push(...writeReportFiles(dir, base, report, ["json", "md", "html"]));
          }
        }
        if (written.length > 0) written.push(writeReportIndex(dir));
      } catch (e) {
        if (e instanceof ReportError) throw new UsageError(e.message);
        throw e;
      }
    }
    if (v["json"]) out.out(JSON.stringify(rows, null, 2));
    else out.out(renderMutantTable(rows));
    if (!v["json"] && written.length > 0) out.out(`\n${written.length} report files in ${join(reportDir ?? "", "mutants")}/; index.html lists them; replay one with \`npx interlock replay <file>.json\``);
    const survived = rows.some((r) => r.results.some((x) => !x.caught));
    const falseAlarm = rows.some((r) => r.correct.some((c) => c.verdict === "violation"));
    return survived || falseAlarm ? ExitCode.counterexample : ExitCode.agreement;
  },
});

