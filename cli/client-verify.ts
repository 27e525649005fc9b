import { Worker } from "node:worker_threads";
import type { FamilyName } from "../model/index.js";
import type { ClientCheck } from "../properties/scenarios/check-client.js";
import type { Report } from "../reports/schema.js";
import type { ReplayOutcome, ReplayRequest } from "./client-report-replay-cell.js";
import { clientReportDir, writeClientReports } from "./client-report-files.js";
import { moduleBeside } from "../impl/stress/run.js";
import { ExitCode, UsageError } from "./errors.js";
import { implResourceLimits, IMPL_HEAP_MB, oneLine } from "./impl-sandbox.js";
import type { Output } from "./output.js";

/**
 * `interlock verify --client file --family f [--scenario id,…]`: the extension's own code (the
 * client contract) run in the named scenario workloads — by default every one whose module
 * functions it defines — under every interleaving of 3 interpreters, judged for hazards. The
 * client runs on a worker thread with a heap limit and a deadline per scenario: a throw, a
 * malformed result, a hook that never gives control back or a memory hog is "the module under
 * test failed" (exit 4), never a counterexample. Loaded only when --client is given.
 */
export interface ClientVerifyOptions {
  readonly path: string;
  readonly family: FamilyName | undefined;
  readonly scenarios: readonly string[] | undefined;
  readonly loadTimeoutMs: number;
  /** Deadline of one scenario (its safety net; verdicts are decided by state budgets). */
  readonly scenarioDeadlineMs: number;
  readonly maxExhaustiveStates: number | undefined;
  readonly json: boolean;
  /** Where reports go (`<reportDir>/client/`) and in which formats. */
  readonly reportDir: string;
  readonly formats: readonly ("json" | "md" | "html" | "junit")[];
}

/** What the worker is asked: check scenarios, or replay one report's token. */
type WorkerJob = Pick<ClientVerifyOptions, "path" | "family" | "scenarios" | "maxExhaustiveStates" | "loadTimeoutMs" | "scenarioDeadlineMs"> & { readonly replay?: ReplayRequest };

interface Loaded {
  readonly family: FamilyName;
  readonly name: string;
  readonly scenarios: readonly string[];
}

type Message = { usage?: string; family?: FamilyName; name?: string; scenarios?: string[]; check?: ClientCheck; report?: Report; replayed?: ReplayOutcome; done?: boolean };

/** What the worker sent back: one check per scenario (a stopped scenario is "failed"), a report per check it could build, a replay's outcome. */
export interface WorkerResult {
  readonly loaded: Loaded;
  readonly checks: ClientCheck[];
  readonly reports: (Report | undefined)[];
  readonly replayed?: ReplayOutcome;
}

/** Runs the worker; resolves with what it loaded and sent. */
export function runClientWorker(o: WorkerJob): Promise<WorkerResult> {
  const script = moduleBeside(import.meta.url, "./client-worker");
  const workerData = { path: o.path, family: o.family, scenarios: o.scenarios, maxExhaustiveStates: o.maxExhaustiveStates, ...(o.replay ? { replay: o.replay } : {}) };
  const worker = new Worker(script, { workerData, resourceLimits: implResourceLimits, stdout: true, stderr: true });
  worker.stdout.resume();
  worker.stderr.resume();
  return new Promise((resolve, reject) => {
    let loaded: Loaded | undefined;
    const checks: ClientCheck[] = [];
    const reports: (Report | undefined)[] = [];
    let replayed: ReplayOutcome | undefined;
    const result = (): WorkerResult => ({ loaded: loaded as Loaded, checks, reports, ...(replayed ? { replayed } : {}) });
    let timer: NodeJS.Timeout | undefined;
    const settle = (f: () => void): void => {
      clearTimeout(timer);
      worker.removeAllListeners();
      void worker.terminate();
      f();
    };
    const arm = (ms: number, why: () => string): void => {
      clearTimeout(timer);
      timer = setTimeout(() => stop(why()), ms);
    };
    /** The scenario in progress failed (or, before loading, the module): record it and stop. */
    const stop = (why: string): void => {
      if (loaded === undefined) return settle(() => reject(new UsageError(`--client ${o.path}: ${why}`)));
      const scenario = loaded.scenarios[checks.length];
      if (scenario !== undefined) checks.push({ scenario, verdict: "failed", message: `the module under test failed in scenario ${scenario}: ${why}`, coverage: "", states: 0 });
      settle(() => resolve(result()));
    };
    arm(o.loadTimeoutMs, () => `the module did not finish loading within ${o.loadTimeoutMs / 1000} s (a top-level await that never settles, or a loop at load time?)`);
    worker.on("message", (m: Message) => {
      if (m.usage !== undefined) return settle(() => reject(new UsageError(m.usage)));
      if (m.family !== undefined) loaded = { family: m.family, name: m.name ?? "client", scenarios: m.scenarios ?? [] };
      if (m.check !== undefined) {
        checks.push(m.check);
        reports[checks.length - 1] = m.report;
      }
      if (m.replayed !== undefined) replayed = m.replayed;
      if (m.done === true) return settle(() => resolve(result()));
      arm(o.scenarioDeadlineMs, () => `it did not give control back within ${o.scenarioDeadlineMs} ms (a hook that never yields, or a loop without accesses)`);
    });
    worker.on("error", (e: Error & { code?: string }) => stop(e.code === "ERR_WORKER_OUT_OF_MEMORY" ? `it ran out of memory (heap limit ${IMPL_HEAP_MB} MB)` : oneLine(e.message)));
    worker.on("exit", (code) => stop(`it ended its worker (exit code ${code})`));
  });
}

const label = (c: ClientCheck): string => (c.verdict === "ok" ? "safe" : c.verdict === "violation" ? `UNSAFE ${c.property ?? ""}` : c.verdict === "failed" ? "FAILED" : "unknown");

/** The command that runs one scenario of this check again. */
const rerun = (o: ClientVerifyOptions, family: FamilyName, scenario: string): string => `npx interlock verify --client ${o.path} --family ${family} --scenario ${scenario}`;

export async function runClientVerify(o: ClientVerifyOptions, out: Output): Promise<ExitCode> {
  clientReportDir(o.reportDir);
  const { loaded, checks, reports } = await runClientWorker(o);
  const written = writeClientReports(o, loaded, checks, reports);
  if (o.json) {
    out.out(JSON.stringify({ client: loaded.name, family: loaded.family, results: checks.map((c, i) => ({ ...c, rerun: rerun(o, loaded.family, c.scenario), reports: written.files[i] ?? [] })) }, null, 2));
  } else {
    out.out(`client ${loaded.name} (${loaded.family}): ${checks.length} scenario(s), 3 interpreters, every interleaving (≤ 2 preemptions where the state budget runs out)`);
    const width = Math.max(...checks.map((c) => c.scenario.length), 8);
    for (const [i, c] of checks.entries()) {
      out.out(`  ${c.scenario.padEnd(width)}  ${label(c).padEnd(10)} ${c.verdict === "ok" ? `${c.states} states` : (c.message ?? "")}`);
      if (c.verdict === "violation") {
        out.out(`    ${c.story ?? ""}`);
        out.out(`    token: ${c.token ?? ""}`);
      }
      if (c.verdict !== "ok") out.out(`    rerun: ${rerun(o, loaded.family, c.scenario)}`);
      const replay = written.replay[i];
      if (replay !== undefined) out.out(`    replay: ${replay}`);
    }
    out.out(`reports in ${written.dir}/ (index.html lists them)`);
  }
  if (checks.some((c) => c.verdict === "violation")) return ExitCode.counterexample;
  if (checks.some((c) => c.verdict === "failed")) return ExitCode.moduleFailed;
  if (checks.some((c) => c.verdict === "unknown")) return ExitCode.budget;
  return ExitCode.agreement;
}
