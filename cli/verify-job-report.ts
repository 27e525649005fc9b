import { relative, join } from "node:path";
import { implementations } from "../impl/index.js";
import type { FamilyName } from "../model/index.js";
import { buildReport } from "../reports/build.js";
import type { Report } from "../reports/schema.js";
import { boundedPreemptions, runJob, type Job, type SubjectFactory, type VerifySettings } from "../properties/verify/jobs.js";
import type { Progress, Verdict } from "../properties/explorer/index.js";

/**
 * One verification job carried to its report: explore, judge, build the report. Runs the same in
 * the CLI's own thread and on a worker thread (verify --jobs), so the two give identical reports.
 * Everything in and out is structured-cloneable.
 */
export interface JobRequest {
  readonly job: Job;
  readonly settings: VerifySettings;
  /** The report folder (for the replay command written into the report). */
  readonly dir: string;
  readonly implPath: string | undefined;
  readonly timings: boolean;
}

export interface JobOutcome {
  readonly job: Job;
  /** The verdict, or "failed": the module under test threw, broke the contract or was stopped (no report then). */
  readonly verdict: Verdict | "failed";
  readonly property: string | null;
  readonly message: string | null;
  readonly coverage: string;
  readonly executions: number;
  readonly states: number;
  readonly elapsedMs: number;
  readonly report: Report | null;
}

/** The outcome of a job whose module under test failed: what it did, and no report. */
export function failedJob(job: Job, message: string, elapsedMs: number): JobOutcome {
  return { job, verdict: "failed", property: null, message, coverage: "", executions: 0, states: 0, elapsedMs, report: null };
}

/** The command that replays a report written to `reportFile`, with the --impl module when there was one. */
export function replayCommand(reportFile: string, implPath: string | undefined): string {
  return `npx interlock replay ${relative(process.cwd(), reportFile) || reportFile}${implPath ? ` --impl ${implPath}` : ""}`;
}

export function runJobToReport(
  req: JobRequest,
  factories: Partial<Record<FamilyName, SubjectFactory>> = implementations,
  onProgress?: (p: Progress) => void,
): JobOutcome {
  const { job, settings } = req;
  const factory = factories[job.family];
  if (factory === undefined) throw new Error(`internal: no implementation of ${job.family} for job ${job.id}`);
  const r = runJob(job, settings, factory, onProgress);
  const reportFile = join(req.dir, `${job.id}.json`);
  const report = buildReport({
    family: job.family,
    subject: factory(r.config).name,
    config: r.config,
    impl: req.implPath ?? null,
    limits: r.limits,
    programs: r.programs,
    strategy: job.strategyName,
    seed: settings.seed,
    options: {
      workload: job.workload,
      ...(job.strategyName === "exhaustive" || job.strategyName === "bounded" ? { maxStates: settings.maxStates } : {}),
      ...(job.strategyName === "pct" || job.strategyName === "random" ? { runs: settings.runs } : {}),
      ...(job.strategyName === "random" ? { programSets: r.programSets } : {}),
      ...(r.strategy.kind === "bounded" ? { maxPreemptions: r.strategy.maxPreemptions ?? boundedPreemptions } : {}),
      ...(r.strategy.kind === "pct" ? { depth: r.strategy.depth ?? 3 } : {}),
    },
    result: r.result,
    counterexample: r.counterexample,
    replay: replayCommand(reportFile, req.implPath),
    elapsedMs: req.timings ? Math.round(r.elapsedMs) : null,
  });
  return {
    job,
    verdict: r.result.verdict,
    property: r.result.violation?.property ?? null,
    message: r.result.violation?.message ?? r.result.limit?.message ?? null,
    coverage: r.result.coverage.sentence,
    executions: r.result.stats.executions,
    states: r.result.stats.states,
    elapsedMs: r.elapsedMs,
    report,
  };
}
