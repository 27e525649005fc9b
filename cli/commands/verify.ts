import { existsSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { basename, join } from "node:path";
import { ProgramsFileError, programsRun, readProgramsFile } from "../../properties/io/programs-file.js";
import { familyNames } from "../../model/index.js";
import { implementations } from "../../impl/index.js";
import { junitForReports } from "../../reports/render/junit.js";
import { checkReportDirectory, writeReportFiles, writeTextFile, reportFormats, type ReportFileFormat } from "../../reports/io.js";
import { configOf, defaultVerifySettings, planJobs, shardJobs, strategyNames, type StrategyName, type VerifySettings } from "../../properties/verify/jobs.js";
import { failedJob, runJobToReport, type JobOutcome, type JobRequest } from "../verify-job-report.js";
import { choiceListFlag, familiesFlag, intFlag, shardFlag, str } from "../args.js";
import { environmentLimits } from "../limits.js";
import { ExitCode, UsageError } from "../errors.js";
import { IMPL_HEAP_MB, JOB_GRACE_MS, implResourceLimits, loadTimeoutMs, oneLine, probeImplModule } from "../impl-sandbox.js";
import { moduleBeside } from "../../impl/stress/run.js";
import type { Progress } from "../../properties/explorer/index.js";
import { register } from "../command.js";
import type { Output } from "../output.js";
import { reportToGithub, verifyFooter, verifyTable, VerifyProgress } from "../verify-table.js";
import { junitFileName } from "../../reports/render/junit.js";
import { writeReportIndex } from "../../reports/index-page.js";
import { reportErrorsAsUsage } from "../report-errors.js";

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
  "  --max-states n      work budget of exhaustive and bounded: most states stored (default 12000000)",
  "  --budget-ms n       wall-clock safety net per job (default 1800000); budgets that decide a",
  "                      verdict count work (states, runs, program sets), never time",
  "  --impl path         check your own implementation module instead (impl/README.md)",
  "  --programs file     chosen workloads: a JSON object mapping each family to one program per",
  "                      interpreter (calls of the family's Call schema; an index may be",
  "                      \"received\"); every strategy runs them instead of the typical program,",
  "                      the families default to the file's, the interpreters to its program count",
  "  --client path[#e]   check your extension's own code instead: a defineClient module (export e,",
  "                      else client or default) run in the scenario workloads under every",
  "                      interleaving of 3 interpreters (README, \"Checking your extension's",
  "                      code\"); --family, if given, must be the client's; --budget-ms is then the",
  "                      deadline of one scenario (default 600000), --max-states its state budget",
  "                      before ≤ 2 preemptions (default 100000)",
  "  --scenario id[,id]  with --client: the scenario workloads (default: every one the client can",
  "                      run): henv, resources, cache, library, churn, init-failure, interp-end,",
  "                      runtime-reinit",
  "  --shard i/n         run only shard i of n (jobs are split deterministically)",
  "  --report-dir dir    where reports go (default interlock-out); files go to <dir>/verify/",
  "                      (with --client: <dir>/client/<module>.<scenario>.*, one per scenario)",
  "  --format f[,f]      report formats: json, md, html, junit (default json,md,html); a JUnit",
  "                      file for the run is always written: junit.xml (junit-<i>-of-<n>.xml per shard)",
  "  --timings           record wall time in reports (then reports differ run to run)",
  "  --jobs n            run jobs on n worker threads (default: the number of cores)",
  "  --json              print the summary as JSON",
  "",
  "Exit codes: 0 agreement, 1 counterexample, 2 usage error, 3 a budget ran out before the",
  "stated coverage (verdict unknown), 4 the --impl or --client module failed (threw, returned a",
  "malformed result, broke the contract, hung).",
  "Limits can also be set with INTERLOCK_MAX_STEPS,",
  "INTERLOCK_MAX_STATES, INTERLOCK_MAX_EXECUTIONS, INTERLOCK_MAX_THREADS and",
  "INTERLOCK_TIME_LIMIT_MS (positive whole numbers; the flags above win).",
].join("\n");

function strategiesFlag(v: unknown): StrategyName[] {
  if (v === undefined || v === "all") return [...strategyNames];
  return choiceListFlag(v, "strategy", strategyNames, "strategy", `one of ${strategyNames.join(", ")} or all`);
}

function formatsFlag(v: unknown): ReportFileFormat[] {
  if (v === undefined) return ["json", "md", "html"];
  return choiceListFlag(v, "format", reportFormats, "report format", reportFormats.join(", "));
}



/** `--programs`: the file's programs and the families and interpreters they set (a bad file is exit 2, before anything runs). */
function chosenPrograms(v: Record<string, unknown>, s: VerifySettings): Pick<VerifySettings, "programs" | "programsSource" | "families" | "interpreters"> | undefined {
  const path = str(v["programs"]);
  if (path === undefined) return undefined;
  try {
    const programs = readProgramsFile(path);
    const run = programsRun(programs, `--programs ${JSON.stringify(path)}`, v["family"] !== undefined ? s.families : undefined, v["interpreters"] !== undefined ? s.interpreters : undefined);
    return { programs, programsSource: basename(path), ...run };
  } catch (e) {
    if (e instanceof ProgramsFileError) throw new UsageError(e.message);
    throw e;
  }
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
    "max-states": { type: "string" },
    impl: { type: "string" },
    programs: { type: "string" },
    client: { type: "string" },
    scenario: { type: "string" },
    shard: { type: "string" },
    "report-dir": { type: "string" },
    format: { type: "string" },
    timings: { type: "boolean" },
    json: { type: "boolean" },
    jobs: { type: "string" },
  },
  async run(args, out) {
    const v = args.values;
    if (v["client"] !== undefined || v["scenario"] !== undefined) return verifyClient(v, out);
    const env = environmentLimits();
    let settings: VerifySettings = {
      ...defaultVerifySettings,
      families: familiesFlag(v["family"]),
      strategies: strategiesFlag(v["strategy"]),
      interpreters: intFlag(v["interpreters"], "interpreters", 1, 8, defaultVerifySettings.interpreters),
      runs: intFlag(v["runs"], "runs", 1, 10_000_000, defaultVerifySettings.runs),
      programSets: intFlag(v["program-sets"], "program-sets", 1, 100_000, defaultVerifySettings.programSets),
      seed: intFlag(v["seed"], "seed", 0, 2 ** 31 - 1, defaultVerifySettings.seed),
      budgetMs: intFlag(v["budget-ms"], "budget-ms", 1, 86_400_000, env.timeLimitMs ?? defaultVerifySettings.budgetMs),
      maxStates: intFlag(v["max-states"], "max-states", 1, 1_000_000_000, env.maxStates ?? defaultVerifySettings.maxStates),
      limits: env,
    };
    const chosen = chosenPrograms(v, settings);
    if (chosen !== undefined) settings = { ...settings, ...chosen };
    const shard = shardFlag(v["shard"]);
    const formats = formatsFlag(v["format"]);
    const reportDir = str(v["report-dir"]) ?? "interlock-out";
    const implPath = str(v["impl"]);
    if (reportDir.trim() === "") throw new UsageError("--report-dir is empty; pass a folder, e.g. --report-dir interlock-out");
    for (const d of [reportDir, join(reportDir, "verify")]) {
      if (existsSync(d) && !statSync(d).isDirectory()) throw new UsageError(`report directory "${d}" is a file; pass a directory with --report-dir`);
    }

    // An --impl module never runs in this thread: it is probed in a worker, then every job runs on
    // workers with a heap limit and a deadline (cli/impl-sandbox.ts).
    let families = settings.families;
    if (implPath !== undefined) {
      const asked = v["family"] !== undefined || chosen !== undefined ? families : undefined;
      const provided = await probeImplModule(implPath, configOf(settings), loadTimeoutMs(implPath), asked);
      if (asked === undefined) families = familyNames.filter((f) => provided.includes(f));
    }

    const jobs = shardJobs(planJobs({ ...settings, families }), shard.index, shard.count);
    const dir = join(reportDir, "verify");
    reportErrorsAsUsage(() => checkReportDirectory(dir));
    const parallel = Math.min(intFlag(v["jobs"], "jobs", 1, 64, availableParallelism()), Math.max(1, jobs.length));
    const requests: JobRequest[] = jobs.map((job) => ({ job, settings, dir, implPath, timings: v["timings"] === true }));
    const progress = new VerifyProgress(out, requests.length, v["json"] === true, settings.runs);
    const results: JobOutcome[] =
      parallel <= 1 && implPath === undefined
        ? requests.map((req) => {
            const r = runJobToReport(req, implementations, (p) => progress.update(req.job.id, p));
            progress.finished(r);
            return r;
          })
        : await runOnWorkers(requests, parallel, implPath, settings.budgetMs + JOB_GRACE_MS, (r) => progress.finished(r), (id, p) => progress.update(id, p));
    progress.end();
    const reports = results.flatMap((r) => (r.report === null ? [] : [r.report]));
    const written: string[] = [];
    reportErrorsAsUsage(() => {
      for (const r of results) if (r.report !== null) written.push(...writeReportFiles(dir, r.job.id, r.report, formats));
      if (jobs.length > 0) written.push(writeTextFile(dir, junitFileName(shard), junitForReports(reports)));
      if (jobs.length > 0) written.push(writeReportIndex(dir));
    });

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
      for (const line of verifyFooter(results, dir, shard, implPath)) out.out(line);
    }
    reportToGithub(results, dir, shard, implPath, out);
    if (results.some((r) => r.verdict === "violation")) return ExitCode.counterexample;
    if (results.some((r) => r.verdict === "failed")) return ExitCode.moduleFailed;
    if (results.some((r) => r.verdict === "unknown")) return ExitCode.budget;
    return ExitCode.agreement;
  },
});

/** `--client`: the extension's own code in the scenario workloads (cli/client-verify.ts, loaded only here). */
async function verifyClient(v: Record<string, unknown>, out: Output): Promise<ExitCode> {
  const path = str(v["client"]);
  if (path === undefined || path.trim() === "") throw new UsageError("--scenario needs --client path/to/client.ts (the extension code to run in the scenarios)");
  for (const flag of ["impl", "strategy", "shard", "program-sets", "runs", "seed", "interpreters", "jobs", "timings"]) {
    if (v[flag] !== undefined) throw new UsageError(`--${flag} does not apply to --client (each scenario is explored exhaustively with 3 interpreters); drop it`);
  }
  const families = v["family"] === undefined ? undefined : familiesFlag(v["family"]);
  if (families !== undefined && families.length !== 1) throw new UsageError(`--client checks one family: pass --family with one of ${familyNames.join(", ")}`);
  const scenarioText = str(v["scenario"]);
  const scenarios = scenarioText === undefined || scenarioText === "all" ? undefined : scenarioText.split(",").map((s) => s.trim()).filter((s) => s !== "");
  const { runClientVerify } = await import("../client-verify.js");
  return runClientVerify(
    {
      path,
      family: families?.[0],
      scenarios,
      loadTimeoutMs: loadTimeoutMs(path),
      scenarioDeadlineMs: intFlag(v["budget-ms"], "budget-ms", 1, 86_400_000, 600_000),
      maxExhaustiveStates: v["max-states"] === undefined ? undefined : intFlag(v["max-states"], "max-states", 1, 1_000_000_000, 100_000),
      json: v["json"] === true,
      reportDir: str(v["report-dir"]) ?? "interlock-out",
      formats: formatsFlag(v["format"]),
    },
    out,
  );
}

/**
 * The portfolio over cores: `parallel` worker threads take jobs from one queue; outcomes come back
 * in job order whatever finishes first, so the summary and the reports do not depend on timing.
 * With an --impl module every worker has a heap limit and each job a deadline (`jobDeadlineMs`):
 * a job that overruns it, a worker that runs out of memory or dies, and anything the module throws
 * end that job as "failed" (the module under test failed), and the lane goes on with a new worker.
 */
async function runOnWorkers(
  requests: readonly JobRequest[],
  parallel: number,
  implPath: string | undefined,
  jobDeadlineMs: number,
  onDone: (r: JobOutcome) => void,
  onProgress: (jobId: string, p: Progress) => void,
): Promise<JobOutcome[]> {
  const results: (JobOutcome | undefined)[] = new Array(requests.length);
  let next = 0;
  // Workers start compiled JS (Node 20 cannot start a .ts worker).
  const script = moduleBeside(import.meta.url, "../verify-worker");
  const sandboxed = implPath !== undefined;
  const finish = (index: number, outcome: JobOutcome): void => {
    results[index] = outcome;
    onDone(outcome);
  };
  /** One lane: a worker taking jobs until the queue is empty; replaced when a job kills it. */
  const lane = (): Promise<void> =>
    new Promise((resolveLane, rejectLane) => {
      const worker = new Worker(script, { workerData: { implPath }, ...(sandboxed ? { resourceLimits: implResourceLimits } : {}) });
      let current = -1;
      let started = 0;
      let timer: NodeJS.Timeout | undefined;
      let replaced = false;
      const replace = (why: string): void => {
        if (replaced) return;
        replaced = true;
        clearTimeout(timer);
        const req = requests[current];
        if (req !== undefined && results[current] === undefined) finish(current, failedJob(req.job, why, performance.now() - started));
        void worker.terminate();
        // A fresh worker for the jobs still queued; none when the queue is empty.
        if (next < requests.length) lane().then(resolveLane, rejectLane);
        else resolveLane();
      };
      const feed = (): void => {
        clearTimeout(timer);
        if (next >= requests.length) {
          worker.postMessage(null);
          return;
        }
        current = next++;
        started = performance.now();
        if (sandboxed) {
          timer = setTimeout(
            () => replace(`the module under test failed in ${requests[current]?.job.id}: it did not give control back within ${jobDeadlineMs} ms (a call that never yields, or a loop without accesses)`),
            jobDeadlineMs,
          );
        }
        worker.postMessage(requests[current]);
      };
      worker.on("message", (m: { ok?: JobOutcome; failure?: string; error?: string; progress?: Progress }) => {
        const req = requests[current];
        if (m.progress !== undefined) {
          if (req !== undefined) onProgress(req.job.id, m.progress);
          return;
        }
        if (m.ok !== undefined) finish(current, m.ok);
        else if (m.failure !== undefined && req !== undefined) finish(current, failedJob(req.job, m.failure, performance.now() - started));
        else {
          clearTimeout(timer);
          void worker.terminate();
          rejectLane(new Error(`verify worker failed on ${req?.job.id}: ${m.error}`));
          return;
        }
        feed();
      });
      worker.on("error", (e: Error & { code?: string }) => {
        if (!sandboxed) return rejectLane(e);
        const job = requests[current]?.job.id ?? "loading";
        replace(
          e.code === "ERR_WORKER_OUT_OF_MEMORY"
            ? `the module under test failed in ${job}: it ran out of memory (heap limit ${IMPL_HEAP_MB} MB)`
            : `the module under test failed in ${job}: ${oneLine(e.message)}`,
        );
      });
      worker.on("exit", (code) => {
        clearTimeout(timer);
        if (replaced) return;
        if (sandboxed && current >= 0 && results[current] === undefined) return replace(`the module under test failed in ${requests[current]?.job.id}: it ended its worker (exit code ${code})`);
        resolveLane();
      });
      feed();
    });
  await Promise.all(Array.from({ length: parallel }, lane));
  return results.map((r, i) => {
    if (r === undefined) throw new Error(`internal: job ${requests[i]?.job.id} produced no outcome`);
    return r;
  });
}
