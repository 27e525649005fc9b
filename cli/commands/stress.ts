import { dirname, basename } from "node:path";
import { encodeHistory } from "../../properties/history.js";
import { stressFamily } from "../../properties/stress.js";
import { writeTextFile, ReportError } from "../../reports/io.js";
import { familiesFlag, intFlag, str } from "../args.js";
import { ExitCode, UsageError } from "../errors.js";
import { register } from "../main.js";

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
    "`interlock check-history` reads. Exit 1 when a judgement fails.",
    "",
    "  --family f      one of the families (required)",
    "  --workers n     worker threads = interpreters (default 2, at most 8)",
    "  --calls n       calls per worker (default 100000; recorded histories: keep it ≤ 10000)",
    "  --history file  record the history, check it, and write it to this file",
    "  --json          print the outcome as JSON",
  ].join("\n"),
  options: { family: { type: "string" }, workers: { type: "string" }, calls: { type: "string" }, history: { type: "string" }, json: { type: "boolean" } },
  async run(args, out) {
    const v = args.values;
    if (v["family"] === undefined) throw new UsageError("stress: --family is required; see `interlock stress --help`");
    const families = familiesFlag(v["family"]);
    if (families.length !== 1) throw new UsageError("stress: give exactly one --family");
    const family = families[0]!;
    const workers = intFlag(v["workers"], "workers", 1, 8, 2);
    const calls = intFlag(v["calls"], "calls", 1, 100_000_000, 100_000);
    const historyPath = str(v["history"]);
    const r = await stressFamily({
      family,
      workers,
      callsPerWorker: calls,
      recordHistory: historyPath !== undefined,
      config: { interpreters: Math.max(3, workers), capacity: 4 },
    });
    if (historyPath !== undefined) {
      try {
        writeTextFile(dirname(historyPath), basename(historyPath), encodeHistory({ family, config: { interpreters: Math.max(3, workers), capacity: 4 }, operations: [...r.operations] }));
      } catch (e) {
        if (e instanceof ReportError) throw new UsageError(e.message);
        throw e;
      }
    }
    const lost = r.library !== null && r.library.counted !== r.library.expected;
    const leaked = r.finalization.leaks !== 0 || !r.finalization.results.every((l) => l.endsWith(": ok"));
    const judged = r.verdict === null ? "not recorded" : r.verdict.kind;
    const body = {
      family,
      workers,
      completed: r.completed,
      totalCalls: r.totalCalls,
      callsPerSecond: Math.round(r.totalCalls / (r.elapsedMs / 1000)),
      library: r.library,
      finalization: r.finalization,
      linearizable: judged,
      ...(historyPath !== undefined ? { history: historyPath } : {}),
    };
    if (v["json"]) out.out(JSON.stringify(body, null, 2));
    else {
      out.out(`${family}: ${workers} workers, ${r.totalCalls} calls in ${(r.elapsedMs / 1000).toFixed(2)} s (${body.callsPerSecond} calls/s)${r.completed ? "" : " — a worker failed: " + JSON.stringify(r.interpreters.filter((i) => i.status !== "completed"))}`);
      if (r.library) out.out(`library calls: ${r.library.counted} counted, ${r.library.expected} made${lost ? " — LOST UPDATES (P9)" : ""}`);
      out.out(`finalisation: ${r.finalization.results.join("; ")}; leaks ${r.finalization.leaks}${leaked ? " — LEAK (P7)" : ""}`);
      out.out(`history: ${judged}${historyPath !== undefined ? ` (written to ${historyPath})` : ""}`);
    }
    const bad = !r.completed || lost || leaked || (r.verdict !== null && r.verdict.kind === "violation");
    return bad ? ExitCode.counterexample : r.verdict?.kind === "unknown" ? ExitCode.budget : ExitCode.agreement;
  },
});
