import { existsSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { join } from "node:path";
import { familyNames, type FamilyName } from "../../model/index.js";
import { implementations } from "../../impl/index.js";
import { junitForReports } from "../../reports/render/junit.js";
import { writeReportFiles, writeTextFile, ReportError, reportFormats, type ReportFileFormat } from "../../reports/io.js";
import { defaultVerifySettings, planJobs, shardJobs, strategyNames, type StrategyName, type SubjectFactory, type VerifySettings } from "../../properties/verify.js";
import { runJobToReport, type JobOutcome, type JobRequest } from "../verify-job.js";
import { familiesFlag, intFlag, shardFlag, str } from "../args.js";
import { ExitCode, UsageError } from "../errors.js";
import { checkSubjectContract, loadImplModule } from "../impl-module.js";
import { moduleBeside } from "../../impl/stress/run.js";
import type { Progress } from "../../properties/explorer/index.js";
import { register } from "../main.js";
import { reportToGithub, verifyFooter, verifyTable, VerifyProgress } from "../verify-table.js";
import { junitFileName } from "../../reports/render/junit.js";
import { writeReportIndex } from "../../reports/index-page.js";

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
  "  --jobs n            run jobs on n worker threads (default: the number of cores)",
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
    jobs: { type: "string" },
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
    const dir = join(reportDir, "verify");
    const parallel = Math.min(intFlag(v["jobs"], "jobs", 1, 64, availableParallelism()), Math.max(1, jobs.length));
    const requests: JobRequest[] = jobs.map((job) => ({ job, settings, dir, implPath, timings: v["timings"] === true }));
    const progress = new VerifyProgress(out, requests.length, v["json"] === true, settings.runs);
    const results: JobOutcome[] =
      parallel <= 1
        ? requests.map((req) => {
            const r = runJobToReport(req, factories, (p) => progress.update(req.job.id, p));
            progress.finished(r);
            return r;
          })
        : await runOnWorkers(requests, parallel, implPath, (r) => progress.finished(r), (id, p) => progress.update(id, p));
    progress.end();
    const reports = results.map((r) => r.report);
    const written: string[] = [];
    try {
      for (const r of results) written.push(...writeReportFiles(dir, r.job.id, r.report, formats));
      if (jobs.length > 0) written.push(writeTextFile(dir, junitFileName(shard), junitForReports(reports)));
      if (jobs.length > 0) written.push(writeReportIndex(dir));
    } catch (e) {
      if (e instanceof ReportError) throw new UsageError(e.message);
      throw e;
    }

    const rows = results.map((r) => ({
      job: r.job.id,
      family: r.job.family,
      strategy: r.job.strategyName,
      verdict: r.verdict,
      property: r.property,
      coverage: r.coverage,
      executions: r.executions,
      states: r.states,
      seconds: Number((r.elapsedMs / 1000).toFixed(2)),
    }));
    if (v["json"]) {
      out.out(JSON.stringify({ shard: `${shard.index}/${shard.count}`, jobs: rows, reports: written }, null, 2));
    } else {
      out.out(verifyTable(results, out));
      for (const line of verifyFooter(results, dir, shard)) out.out(line);
    }
    reportToGithub(results, dir, shard, implPath, out);
    if (results.some((r) => r.verdict === "violation")) return ExitCode.counterexample;
    if (results.some((r) => r.verdict === "incomplete")) return ExitCode.budget;
    return ExitCode.agreement;
  },
});

/**
 * The portfolio over cores: `parallel` worker threads take jobs from one queue; outcomes come back
 * in job order whatever finishes first, so the summary and the reports do not depend on timing.
 */
async function runOnWorkers(
  requests: readonly JobRequest[],
  parallel: number,
  implPath: string | undefined,
  onDone: (r: JobOutcome) => void,
  onProgress: (jobId: string, p: Progress) => void,
): Promise<JobOutcome[]> {
  const results: (JobOutcome | undefined)[] = new Array(requests.length);
  let next = 0;
  // Workers start compiled JS (Node 20 cannot start a .ts worker).
  const script = moduleBeside(import.meta.url, "../verify-worker");
  const lane = (): Promise<void> =>
    new Promise((resolveLane, rejectLane) => {
      const worker = new Worker(script, { workerData: { implPath } });
      let current = -1;
      const feed = (): void => {
        if (next >= requests.length) {
          worker.postMessage(null);
          return;
        }
        current = next++;
        worker.postMessage(requests[current]);
      };
      worker.on("message", (m: { ok?: JobOutcome; error?: string; progress?: Progress }) => {
        if (m.progress !== undefined) {
          onProgress(requests[current]!.job.id, m.progress);
          return;
        }
        if (m.error !== undefined || m.ok === undefined) {
          void worker.terminate();
          rejectLane(new Error(`verify worker failed on ${requests[current]?.job.id}: ${m.error}`));
          return;
        }
        results[current] = m.ok;
        onDone(m.ok);
        feed();
      });
      worker.on("error", rejectLane);
      worker.on("exit", () => resolveLane());
      feed();
    });
  await Promise.all(Array.from({ length: parallel }, lane));
  return results.map((r, i) => {
    if (r === undefined) throw new Error(`internal: job ${requests[i]?.job.id} produced no outcome`);
    return r;
  });
}
