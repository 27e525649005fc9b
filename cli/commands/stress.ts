import { dirname, basename } from "node:path";
import { encodeHistory } from "../../properties/io/history-file.js";
import { stressFamily } from "../../properties/verify/thread-stress.js";
import { criticalMinimum } from "../../properties/workload/critical-programs.js";
import { checkReportDirectory, writeTextFile } from "../../reports/io.js";
import { familiesFlag, intFlag, str } from "../args.js";
import { ExitCode, UsageError } from "../errors.js";
import { register } from "../command.js";
import { reportErrorsAsUsage } from "../report-errors.js";

register({
  name: "stress",
  summary: "run a family on real worker threads (Atomics on a SharedArrayBuffer) and judge it",
  help: [
    "Usage: interlock stress --family f [--workers n] [--calls n] [--history file.json] [--json]",
    "",
    "Each worker thread is an interpreter running the family's critical program (a reference taken",
    "once, then lock / one non-atomic library call / unlock, or import/use/unload churn) on the real",
    "backend. Judged three ways: the library counter must equal the calls made (no lost update),",
    "runtime finalisation on the memory the workers left must leak nothing, and — with --history —",
    "the recorded history must be linearizable. --history also writes it as a history file that",
    "`interlock check-history` reads. Exit 1 when a judgement fails; exit 3 when the run was cut",
    "short by --budget-ms and nothing that was done failed (then only the calls that returned are",
    "judged: the library count against them, no finalisation).",
    "",
    "  --family f      one of the families (required)",
    "  --workers n     worker threads = interpreters (default 2, at most 8)",
    "  --calls n       calls per worker: at least one setup and one critical section (4; module_slots 3)",
    "                  (default 100000; recorded histories: keep it ≤ 10000)",
    "  --budget-ms n   the run's time limit (default 120000)",
    "  --history file  record the history, check it, and write it to this file",
    "  --json          print the outcome as JSON",
  ].join("\n"),
  options: {
    family: { type: "string" },
    workers: { type: "string" },
    calls: { type: "string" },
    "budget-ms": { type: "string" },
    history: { type: "string" },
    json: { type: "boolean" },
  },
  async run(args, out) {
    const v = args.values;
    if (v["family"] === undefined) throw new UsageError("stress: --family is required; see `interlock stress --help`");
    const families = familiesFlag(v["family"]);
    if (families.length !== 1) throw new UsageError("stress: give exactly one --family");
    const family = families[0]!;
    const workers = intFlag(v["workers"], "workers", 1, 8, 2);
    const minimum = criticalMinimum(family) ?? 4;
    const calls = intFlag(v["calls"], "calls", minimum, 100_000_000, 100_000);
    const budgetMs = intFlag(v["budget-ms"], "budget-ms", 1, 86_400_000, 120_000);
    const historyPath = str(v["history"]);
    if (historyPath !== undefined) checkWritable(historyPath);
    const config = { interpreters: workers, capacity: 4 };
    const r = await stressFamily({ family, workers, callsPerWorker: calls, recordHistory: historyPath !== undefined, config, timeoutMs: budgetMs });
    if (historyPath !== undefined) {
      reportErrorsAsUsage(() => writeTextFile(dirname(historyPath), basename(historyPath), encodeHistory({ family, config, operations: [...r.operations] })));
    }
    const lib = r.library;
    // Lost updates: fewer library calls counted than returned, or more than were even started.
    const lost = lib !== null && (lib.counted < lib.expected || lib.counted > lib.expected + lib.inFlight);
    const fin = r.finalization;
    const leaked = fin !== null && (fin.leaks !== 0 || !fin.results.every((l) => l.endsWith(": ok")));
    const failedWorkers = r.interpreters.filter((i) => i.status !== "completed" && i.status !== "stopped");
    const judged = r.verdict === null ? "not recorded" : r.verdict.kind;
    const body = {
      family,
      workers,
      completed: r.completed,
      cutShort: r.cutShort,
      totalCalls: r.totalCalls,
      callsPerSecond: Math.round(r.totalCalls / Math.max(r.elapsedMs / 1000, 1e-9)),
      library: r.library,
      finalization: r.finalization,
      linearizable: judged,
      ...(historyPath !== undefined ? { history: historyPath } : {}),
    };
    if (v["json"]) out.out(JSON.stringify(body, null, 2));
    else {
      const planned = workers * calls;
      out.out(
        `${family}: ${workers} workers, ${r.totalCalls} calls in ${(r.elapsedMs / 1000).toFixed(2)} s (${body.callsPerSecond} calls/s)` +
          (r.cutShort ? ` — cut short by --budget-ms ${budgetMs} after ${r.totalCalls} of ${planned} calls; judged on what was done` : "") +
          (failedWorkers.length > 0 ? ` — a worker failed: ${JSON.stringify(failedWorkers)}` : ""),
      );
      if (lib) {
        const range = lib.inFlight > 0 ? `${lib.expected}–${lib.expected + lib.inFlight}` : `${lib.expected}`;
        out.out(`library calls: ${lib.counted} counted, ${range} made by the calls that ran${lost ? " — LOST UPDATES (P9)" : ""}`);
      }
      out.out(fin === null ? "finalisation: not judged (the run was cut short with workers mid-call)" : `finalisation: ${fin.results.join("; ")}; leaks ${fin.leaks}${leaked ? " — LEAK (P7)" : ""}`);
      out.out(`history: ${judged}${historyPath !== undefined ? ` (written to ${historyPath})` : ""}`);
    }
    const bad = failedWorkers.length > 0 || lost || leaked || (r.verdict !== null && r.verdict.kind === "violation");
    if (bad) return ExitCode.counterexample;
    return r.cutShort || r.verdict?.kind === "unknown" ? ExitCode.budget : ExitCode.agreement;
  },
});

/** The history file's folder must be writable before the run starts, not after it. */
function checkWritable(path: string): void {
  if (path.trim() === "" || basename(path) === "") throw new UsageError("--history needs a file path, e.g. --history stress.history.json");
  reportErrorsAsUsage(() => checkReportDirectory(dirname(path)));
}
