import { appendFileSync } from "node:fs";
import { join } from "node:path";
import type { Progress } from "../properties/explorer/index.js";
import { replayCommand, type JobOutcome } from "./verify-job-report.js";
import { paint, table, type Output } from "./output.js";

/**
 * What `interlock verify` shows while it runs and when it is done: the live progress line, one
 * line per finished job, the summary table (fits 100 columns), and — on GitHub Actions — error
 * annotations and a job summary. The full coverage sentence of every job is in its report; the
 * table keeps a short word saying what each strategy's "ok" proved.
 */

/** The terminal width the table is made to fit. */
export const TABLE_WIDTH = 100;

/** The shape of an outcome this module reads (a JobOutcome, or anything with the same fields). */
export type Row = Pick<JobOutcome, "job" | "verdict" | "property" | "message" | "coverage" | "executions" | "states" | "elapsedMs"> & {
  /** The job's report, when it has one (for notes such as calls the model blocks forever too). */
  readonly report?: JobOutcome["report"];
};

/** Each outcome's mark: the word that opens its verdict cell and its colour. */
const marks = {
  ok: ["ok:", "green"],
  violation: ["COUNTEREXAMPLE", "red"],
  unknown: ["UNKNOWN:", "yellow"],
  failed: ["MODULE FAILED", "red"],
} as const;

/**
 * What an "ok" proved, in a few words, from the job's coverage sentence: "exhaustive",
 * "≤2 preemptions", "PCT: P(miss) ≤ 0.0123", "random: no guarantee".
 */
export function coverageWord(r: Pick<Row, "job" | "coverage">): string {
  switch (r.job.strategyName) {
    case "exhaustive":
      return "exhaustive";
    case "bounded": {
      const k = /at most (\d+) preemption/.exec(r.coverage)?.[1];
      return k === undefined ? "bounded preemptions" : `≤${k} preemptions`;
    }
    case "pct": {
      const p = /P\(miss\) ≤ ([^;\s]+)/.exec(r.coverage)?.[1];
      return p === undefined ? "PCT: probabilistic" : `PCT: P(miss) ≤ ${p}`;
    }
    case "random":
      return "random: no guarantee";
  }
}

/** The verdict cell: "ok: <what it proved>", "COUNTEREXAMPLE P1", "UNKNOWN: budget ran out" or "MODULE FAILED". */
export function verdictCell(r: Row): string {
  if (r.verdict === "violation") return `COUNTEREXAMPLE ${r.property ?? ""}`.trimEnd();
  if (r.verdict === "unknown") return "UNKNOWN: budget ran out";
  if (r.verdict === "failed") return "MODULE FAILED";
  return `ok: ${coverageWord(r)}`;
}

/** A count in at most 6 characters: 2618156 → "2.62 M". */
export function compactCount(n: number): string {
  if (n < 100_000) return `${n}`;
  if (n < 1e6) return `${(n / 1e3).toFixed(0)} k`;
  return `${(n / 1e6).toFixed(2)} M`;
}

/** A count in at most 6 characters for the progress line: 9999, 13.0 k, 5.39 M. */
export function shortCount(n: number): string {
  if (n < 10_000) return `${n}`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} k`;
  return `${(n / 1e6).toFixed(2)} M`;
}

function cut(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

/**
 * The summary table, one row per job, no line longer than TABLE_WIDTH: family, strategy, verdict
 * (with what "ok" means), executions, states, time. Colour (when enabled) is added after fitting.
 */
export function verifyTable(rows: readonly Row[], out?: Output): string {
  const header = ["family", "strategy", "verdict", "executions", "states", "time"];
  const cells = rows.map((r) => [r.job.family, r.job.strategyName, verdictCell(r), compactCount(r.executions), compactCount(r.states), `${(r.elapsedMs / 1000).toFixed(2)} s`]);
  const others = header.map((h, i) => (i === 2 ? 0 : Math.max(h.length, ...cells.map((c) => c[i]!.length))));
  const verdictWidth = TABLE_WIDTH - others.reduce((a, b) => a + b, 0) - 2 * (header.length - 1);
  const fitted = cells.map((c) => c.map((v, i) => (i === 2 ? cut(v, verdictWidth) : v)));
  const text = table(header, fitted);
  if (out === undefined || !out.color) return text;
  return text
    .split("\n")
    .map((line, i) => {
      const r = rows[i - 2];
      if (r === undefined) return line;
      const [word, colour] = marks[r.verdict];
      return line.replace(word, paint(out, colour, word));
    })
    .join("\n");
}

/**
 * The lines under the table: where the reports are, each counterexample with the command that
 * replays it (with --impl when the run had one), each unknown job and each failed module with why,
 * and each job whose programs cannot finish because the model blocks their calls too.
 */
export function verifyFooter(rows: readonly Row[], dir: string, shard: { index: number; count: number }, implPath?: string): string[] {
  const lines = [`\n${rows.length} job(s)${shard.count > 1 ? ` (shard ${shard.index}/${shard.count})` : ""}; reports (with each job's coverage sentence) in ${dir}/, index.html lists them`];
  const first = (text: string | null): string => (text ?? "").split("\n")[0] ?? "";
  for (const r of rows.filter((x) => x.verdict === "violation")) {
    lines.push(`counterexample: ${r.job.id} — ${first(r.message)}`);
    lines.push(`  replay: ${replayCommand(join(dir, `${r.job.id}.json`), implPath)}`);
  }
  for (const r of rows.filter((x) => x.verdict === "unknown")) lines.push(`unknown: ${r.job.id} — ${first(r.message)}`);
  for (const r of rows.filter((x) => x.verdict === "failed")) lines.push(`module failed: ${r.job.id} — ${first(r.message)}`);
  for (const r of rows) {
    const b = r.report?.coverage.blockedByDesign;
    if (b) lines.push(`note: ${r.job.id} — ${b.calls.join(", ")} can never complete, and the model blocks ${b.calls.length > 1 ? "them" : "it"} too: the programs cannot finish`);
  }
  return lines;
}

/**
 * The live view of a verify run: one progress line (jobs done/total, each running job's states,
 * elapsed time) redrawn as jobs report progress, whether they run here or on worker threads, and
 * one line per job as it finishes. Nothing is drawn unless the output is interactive; the
 * per-job lines are printed either way (to stderr), except under --json.
 */
export class VerifyProgress {
  private readonly running = new Map<string, Progress>();
  private done = 0;
  private readonly t0: number;

  constructor(
    private readonly out: Output,
    private readonly total: number,
    private readonly quiet: boolean,
    private readonly runs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.t0 = now();
  }

  /** A running job's latest progress. */
  update(jobId: string, p: Progress): void {
    this.running.set(jobId, p);
    this.draw();
  }

  /** A job finished: its line, then the progress line again. */
  finished(r: Row): void {
    this.running.delete(r.job.id);
    this.done++;
    this.out.endProgress();
    if (!this.quiet) {
      const [word, colour] = marks[r.verdict];
      const mark = paint(this.out, colour, word.replace(/:$/, ""));
      this.out.err(`${r.job.id}: ${mark} (${(r.elapsedMs / 1000).toFixed(2)} s)`);
    }
    if (this.done < this.total) this.draw();
  }

  end(): void {
    this.out.endProgress();
  }

  /** The progress line, cut to the table width. */
  line(): string {
    const elapsed = ((this.now() - this.t0) / 1000).toFixed(1);
    const jobs = [...this.running].map(([id, p]) => `${id} ${this.amount(id, p)}`);
    return cut(`${this.done}/${this.total} done, ${elapsed} s${jobs.length ? " · " + jobs.join(" · ") : ""}`, TABLE_WIDTH);
  }

  private draw(): void {
    if (!this.quiet) this.out.progress(this.line());
  }

  /**
   * How far a job is: PCT runs a known number of executions, so a share of them; a stateful
   * search its states so far (its size is unknown until done); otherwise executions so far.
   */
  private amount(jobId: string, p: Progress): string {
    if (jobId.endsWith(".pct") && this.runs > 0) return `${Math.min(100, Math.round((100 * p.executions) / this.runs))}% of runs`;
    return p.states > 0 ? `${shortCount(p.states)} states` : `${shortCount(p.executions)} runs`;
  }
}

/** GitHub's workflow-command escaping: data and property values. */
function ghData(text: string): string {
  return text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}
function ghProperty(text: string): string {
  return ghData(text).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

/**
 * GitHub Actions annotations: one `::error` per counterexample, on the implementation file
 * (`--impl`'s module, else interlock's own impl/<family>.ts), titled with the job and the property,
 * the message naming the report to open and the replay command.
 */
export function githubAnnotations(rows: readonly Row[], dir: string, implPath: string | undefined): string[] {
  return rows
    .filter((r) => r.verdict === "violation")
    .map((r) => {
      const file = implPath ?? `impl/${r.job.family}.ts`;
      const report = join(dir, `${r.job.id}.json`);
      const message = `${(r.message ?? "counterexample").split("\n")[0]}\nreport: ${join(dir, `${r.job.id}.md`)}\nreplay: ${replayCommand(report, implPath)}`;
      return `::error file=${ghProperty(file)},title=${ghProperty(`interlock ${r.job.id}: ${r.property ?? "counterexample"}`)}::${ghData(message)}`;
    });
}

/** The job summary for `$GITHUB_STEP_SUMMARY`: a Markdown table of the jobs, then the counterexamples. */
export function githubStepSummary(rows: readonly Row[], dir: string, shard: { index: number; count: number }): string {
  const lines = [
    `### interlock verify${shard.count > 1 ? ` (shard ${shard.index}/${shard.count})` : ""}`,
    "",
    "| job | verdict | executions | states |",
    "|---|---|---:|---:|",
    ...rows.map((r) => `| \`${r.job.id}\` | ${r.verdict === "ok" ? "✅" : r.verdict === "violation" || r.verdict === "failed" ? "❌" : "⚠️"} ${verdictCell(r)} | ${r.executions} | ${r.states} |`),
    "",
  ];
  for (const r of rows.filter((x) => x.verdict === "violation")) {
    lines.push(`- **${r.job.id}** (${r.property ?? "counterexample"}): ${(r.message ?? "").split("\n")[0]} — \`${replayCommand(join(dir, `${r.job.id}.json`), undefined)}\``);
  }
  return lines.join("\n") + "\n";
}

/**
 * On GitHub Actions (`GITHUB_ACTIONS=true`): prints the annotations to stdout (where the runner
 * reads workflow commands) and appends the job summary to the `$GITHUB_STEP_SUMMARY` file.
 * Elsewhere it does nothing.
 */
export function reportToGithub(
  rows: readonly Row[],
  dir: string,
  shard: { index: number; count: number },
  implPath: string | undefined,
  out: Output,
  env: NodeJS.ProcessEnv = process.env,
): void {
  if (env["GITHUB_ACTIONS"] !== "true") return;
  for (const a of githubAnnotations(rows, dir, implPath)) out.out(a);
  const summary = env["GITHUB_STEP_SUMMARY"];
  if (summary) appendFileSync(summary, githubStepSummary(rows, dir, shard));
}
