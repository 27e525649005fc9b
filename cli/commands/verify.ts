import { existsSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { familyNames, type FamilyName } from "../../model/index.js";
import { implementations } from "../../impl/index.js";
import { buildReport } from "../../reports/build.js";
import { junitForReports } from "../../reports/render/junit.js";
import { writeReportFiles, writeTextFile, ReportError, reportFormats, type ReportFileFormat } from "../../reports/io.js";
import type { Report } from "../../reports/schema.js";
import { defaultVerifySettings, planJobs, runJob, shardJobs, strategyNames, type JobResult, type StrategyName, type SubjectFactory, type VerifySettings } from "../../properties/verify.js";
import { familiesFlag, intFlag, shardFlag, str } from "../args.js";
import { ExitCode, UsageError } from "../errors.js";
import { checkSubjectContract, loadImplModule } from "../impl-module.js";
import { register } from "../main.js";
import { paint, table } from "../output.js";

const help = [
  "Usage: interlock verify [options]",
  "",
  "Explores the implementation of each API family under each strategy and judges every execution",
  "against the model (linearizability, blocking included) and the properties P1–P9. Prints a",
  "summary table and writes one report per job (JSON, Markdown, HTML) plus junit.xml.",
  "",
  "  --family f[,f]      families (default all): " + familyNames.join(", "),
  "  --strategy s[,s]    strategies (default all): " + strategyNames.join(", "),
  "                      exhaustive: every interleaving of the typical program (reductions stated)",
  "                      bounded:    every schedule with ≤ 2 preemptions, typical program ×2",
  "                      pct:        PCT depth 3, --runs runs, typical program ×2",
  "                      random:     fast-check programs (shrunk on failure), random schedules",
  "  --interpreters n    interpreters (default 3, at most 8)",
  "  --runs n            PCT runs per job; random walks per program set are runs/20 (default 1000)",
  "  --program-sets n    fast-check program sets for the random strategy (default 25)",
  "  --seed n            seed for PCT, random and fast-check (default 1)",
  "  --budget-ms n       wall-clock budget per job (default 60000); running out gives exit 3",
  "  --impl path         check your own implementation module instead (impl/README.md)",
  "  --shard i/n         run only shard i of n (jobs are split deterministically)",
  "  --report-dir dir    where reports go (default interlock-out); files go to <dir>/verify/",
  "  --format f[,f]      report formats: json, md, html, junit (default json,md,html; junit.xml always)",
  "  --timings           record wall time in reports (then reports differ run to run)",
  "  --json              print the summary as JSON",
  "",
  "Exit codes: 0 agreement, 1 counterexample, 2 usage error, 3 a budget ran out before the",
  "stated coverage. Limits can also be set with INTERLOCK_MAX_STEPS, INTERLOCK_MAX_STATES, …",
].join("\n");

function strategiesFlag(v: unknown): StrategyName[] {
  if (v === undefined || v === "all") return [...strategyNames];
  const names = String(v).split(",").map((x) => x.trim()).filter(Boolean);
  for (const n of names) {
    if (!(strategyNames as readonly string[]).includes(n)) throw new UsageError(`unknown strategy "${n}"; expected one of ${strategyNames.join(", ")} or all`);
  }
  return names as StrategyName[];
}

function formatsFlag(v: unknown): ReportFileFormat[] {
  if (v === undefined) return ["json", "md", "html"];
  const names = String(v).split(",").map((x) => x.trim()).filter(Boolean);
  for (const n of names) {
    if (!(reportFormats as readonly string[]).includes(n)) throw new UsageError(`unknown report format "${n}"; expected ${reportFormats.join(", ")}`);
  }
  return names as ReportFileFormat[];
}

function verdictOf(r: JobResult): "ok" | "violation" | "incomplete" {
  return r.result.verdict;
}

register({
  name: "verify",
  summary: "explore each family's implementation and judge it against the model (the main job)",
  help,
  options: {
    family: { type: "string" },
    strategy: { type: "string" },
    interpreters: { type: "string" },
    runs: { type: "string" },
    "program-sets": { type: "string" },
    seed: { type: "string" },
    "budget-ms": { type: "string" },
    impl: { type: "string" },
    shard: { type: "string" },
    "report-dir": { type: "string" },
    format: { type: "string" },
    timings: { type: "boolean" },
    json: { type: "boolean" },
  },
  async run(args, out) {
    const v = args.values;
    const settings: VerifySettings = {
      ...defaultVerifySettings,
      families: familiesFlag(v["family"]),
      strategies: strategiesFlag(v["strategy"]),
      interpreters: intFlag(v["interpreters"], "interpreters", 1, 8, defaultVerifySettings.interpreters),
      runs: intFlag(v["runs"], "runs", 1, 10_000_000, defaultVerifySettings.runs),
      programSets: intFlag(v["program-sets"], "program-sets", 1, 100_000, defaultVerifySettings.programSets),
      seed: intFlag(v["seed"], "seed", 0, 2 ** 31 - 1, defaultVerifySettings.seed),
      budgetMs: intFlag(v["budget-ms"], "budget-ms", 1, 86_400_000, defaultVerifySettings.budgetMs),
    };
    const shard = shardFlag(v["shard"]);
    const formats = formatsFlag(v["format"]);
    const reportDir = str(v["report-dir"]) ?? "interlock-out";
    const implPath = str(v["impl"]);
    for (const d of [reportDir, join(reportDir, "verify")]) {
      if (existsSync(d) && !statSync(d).isDirectory()) throw new UsageError(`report directory "${d}" is a file; pass a directory with --report-dir`);
    }

    let factories: Partial<Record<FamilyName, SubjectFactory>> = implementations;
    let families = settings.families;
    if (implPath !== undefined) {
      factories = await loadImplModule(implPath);
      const provided = familyNames.filter((f) => factories[f] !== undefined);
      if (v["family"] !== undefined) {
        const missing = families.filter((f) => factories[f] === undefined);
        if (missing.length) throw new UsageError(`--impl ${implPath} provides no ${missing.join(", ")} (it provides ${provided.join(", ")})`);
      } else families = provided;
      for (const f of families) checkSubjectContract(implPath, f, factories[f]!, settings.config);
    }

    const jobs = shardJobs(planJobs({ ...settings, families }), shard.index, shard.count);
    const results: JobResult[] = [];
    const reports: Report[] = [];
    const dir = join(reportDir, "verify");
    const written: string[] = [];
    for (const job of jobs) {
      const factory = factories[job.family]!;
      const r = runJob(job, settings, factory, (p) =>
        out.progress(`${job.id}: ${p.executions} executions, ${p.states} states, ${Math.round(p.stepsPerSecond)} steps/s, ${(p.elapsedMs / 1000).toFixed(1)} s`),
      );
      out.endProgress();
      results.push(r);
      const reportFile = join(dir, `${job.id}.json`);
      const report = buildReport({
        family: job.family,
        subject: factory(settings.config),
        config: settings.config,
        programs: r.programs,
        strategy: job.strategyName,
        seed: settings.seed,
        options: {
          workload: job.workload,
          interpreters: settings.interpreters,
          budgetMs: settings.budgetMs,
          ...(job.strategyName === "pct" || job.strategyName === "random" ? { runs: settings.runs } : {}),
          ...(job.strategyName === "random" ? { programSets: r.programSets } : {}),
          ...(job.strategyName === "bounded" ? { maxPreemptions: 2 } : {}),
        },
        result: r.result,
        replay: `npx interlock replay ${relative(process.cwd(), reportFile) || reportFile}${implPath ? ` --impl ${implPath}` : ""}`,
        elapsedMs: v["timings"] === true ? Math.round(r.elapsedMs) : 0,
      });
      reports.push(report);
      try {
        written.push(...writeReportFiles(dir, job.id, report, formats));
      } catch (e) {
        if (e instanceof ReportError) throw new UsageError(e.message);
        throw e;
      }
      if (!v["json"]) {
        const verdict = verdictOf(r);
        const mark = verdict === "ok" ? paint(out, "green", "ok") : verdict === "violation" ? paint(out, "red", "COUNTEREXAMPLE") : paint(out, "yellow", "incomplete");
        out.err(`${job.id}: ${mark} (${(r.elapsedMs / 1000).toFixed(2)} s)`);
      }
    }
    if (jobs.length > 0) {
      try {
        written.push(writeTextFile(dir, "junit.xml", junitForReports(reports)));
      } catch (e) {
        if (e instanceof ReportError) throw new UsageError(e.message);
        throw e;
      }
    }

    const rows = results.map((r) => ({
      job: r.job.id,
      family: r.job.family,
      strategy: r.job.strategyName,
      verdict: verdictOf(r),
      property: r.result.violation?.property ?? null,
      coverage: r.result.coverage.sentence,
      executions: r.result.stats.executions,
      states: r.result.stats.states,
      seconds: Number((r.elapsedMs / 1000).toFixed(2)),
    }));
    if (v["json"]) {
      out.out(JSON.stringify({ shard: `${shard.index}/${shard.count}`, jobs: rows, reports: written }, null, 2));
    } else {
      out.out(
        table(
          ["family", "strategy", "verdict", "executions", "states", "time", "coverage"],
          rows.map((r) => [r.family, r.strategy, r.verdict === "violation" ? `violation ${r.property}` : r.verdict, `${r.executions}`, `${r.states}`, `${r.seconds.toFixed(2)} s`, r.coverage]),
        ),
      );
      out.out(`\n${jobs.length} job(s)${shard.count > 1 ? ` (shard ${shard.index}/${shard.count})` : ""}; reports in ${dir}/`);
      for (const r of results.filter((x) => verdictOf(x) === "violation")) {
        out.out(`counterexample: ${r.job.id} — ${r.result.violation!.message.split("\n")[0]}`);
        out.out(`  replay: npx interlock replay ${join(dir, `${r.job.id}.json`)}`);
      }
    }
    if (results.some((r) => verdictOf(r) === "violation")) return ExitCode.counterexample;
    if (results.some((r) => verdictOf(r) === "incomplete")) return ExitCode.budget;
    return ExitCode.agreement;
  },
});
