import { threadOf } from "../../model/thread.js";
import { Schema } from "effect";
import { models, withThreads, type AnyCall, type FamilyName, type Result } from "../../model/index.js";
import { toPrograms } from "../../properties/judge/agreement.js";
import { agreementJudge } from "../../properties/judge/judge.js";
import { decodeToken, replay } from "../../properties/explorer/index.js";
import { subjectNamed } from "../../properties/verify/subject-by-name.js";
import { readReportFile } from "../../reports/io.js";
import { str } from "../args.js";
import { environmentLimits } from "../limits.js";
import { ExitCode, UsageError } from "../errors.js";
import { loadImplModule } from "../impl-module.js";
import { guardFactories, loadTimeoutMs, ModuleFailure, probeImplModule } from "../impl-sandbox.js";
import { register } from "../command.js";
import { reportErrorsAsUsage } from "../report-errors.js";
import { replayedOf, reportReplay } from "../replay-outcome.js";

register({
  name: "replay",
  summary: "replay a report's counterexample exactly, from its schedule token",
  help: [
    "Usage: interlock replay <report.json> [--impl path] [--json]",
    "",
    "Re-runs the execution a report records — the same programs, the same schedule — against the",
    "same implementation, and checks that the same property fails at the same point. Exit 1 when",
    "the counterexample reproduces, 0 when the report records agreement (nothing to replay), 2 when",
    "the report is unreadable, of another version, or no longer matches the code (the token says",
    "which step differs). Reproduced means the same property, at the same failing step, after the",
    "same history; anything else is said, difference by difference. The run's configuration",
    "(interpreters, capacity, --impl module, limits) comes from the report. A report of",
    "`verify --client` reruns its client module in the same sandbox (exit 2 if it no longer loads,",
    "4 if it hangs); a module failure it records is reproduced like a counterexample (exit 1).",
    "",
    "  --impl path   the implementation module (default: the one the report records); for a",
    "                report of `interlock client`, the C file; of `verify --client`, the",
    "                client module",
    "  --json        print the outcome as JSON",
  ].join("\n"),
  options: { impl: { type: "string" }, json: { type: "boolean" } },
  positionals: { min: 1, max: 1, name: "report file" },
  async run(args, out) {
    const path = args.positionals[0]!;
    const report = reportErrorsAsUsage(() => readReportFile(path));
    if (report.token === null || report.violation === null) {
      const what = report.verdict === "ok" ? "agreement" : report.verdict === "failed" ? "a module failure stopped from outside (no schedule)" : "a run that ran out of budget";
      out.out(`${path}: the report records ${what}; there is no counterexample to replay`);
      return ExitCode.agreement;
    }
    try {
      decodeToken(report.token);
    } catch (e) {
      throw new UsageError(`${path}: its schedule token is damaged (${(e as Error).message.split("\n")[0]}); re-run verify to get a fresh report`);
    }
    // A report of `verify --client module.ts` replays against its client module (cli/client-report-replay.ts).
    if (typeof report.config.options["clientModule"] === "string") {
      return (await import("../client-report-replay.js")).replayClientModuleReport(path, report, str(args.values["impl"]), args.values["json"] === true, out);
    }
    // A report of `interlock client file.c` replays against its C extension (cli/client-replay.ts).
    if (typeof report.config.options["client"] === "string") {
      return (await import("../client-replay.js")).replayClientReport(path, report, str(args.values["impl"]), args.values["json"] === true, out);
    }
    const family: FamilyName = report.family;
    // Exactly the configuration the run used: version 2 reports record it whole.
    const config = { interpreters: report.config.interpreters, capacity: report.config.capacity, ...(report.config.threads !== undefined ? { threads: report.config.threads } : {}) };
    const implPath = str(args.values["impl"]) ?? report.config.impl ?? undefined;
    // The module is probed in a worker first (a load that never ends, a contract break), then
    // guarded while it runs: what it does wrong is its failure, not a crash of interlock.
    if (implPath !== undefined) await probeImplModule(implPath, config, loadTimeoutMs(implPath), [family]);
    const implFactories = implPath === undefined ? undefined : guardFactories(implPath, await loadImplModule(implPath));
    const subject = subjectNamed(report.subject, family, config, implFactories);
    if (subject === undefined) {
      throw new UsageError(
        `${path}: the report was made with "${report.subject}", which this interlock does not have${implPath ? ` and ${implPath} does not provide ${family}` : "; pass --impl with the module it was made with"}`,
      );
    }
    const isCall = Schema.is(models[family].Call);
    const calls = report.programs.map((p, i) =>
      p.raw.map((call, j) => {
        if (!isCall(call)) throw new UsageError(`${path}: programs[${i}].raw[${j}] is not a ${family} call; the report is damaged`);
        return call as AnyCall;
      }),
    );
    // A program names its thread where it is not its interpreter's first (D18); older reports never do.
    const threads = report.programs.map((p) => threadOf(p));
    const programs = threads.every((t, i) => t === i + 1) ? calls : withThreads(calls, threads);
    const limits = { ...report.config.limits, ...environmentLimits() };
    const judge = agreementJudge({ family, config, subject });
    let r;
    try {
      r = replay<AnyCall, Result>(subject, toPrograms(programs), report.token, { ...judge.hooks, limits });
    } catch (e) {
      if (e instanceof ModuleFailure) {
        out.err(`interlock: the module under test failed: ${e.message}`);
        return ExitCode.moduleFailed;
      }
      if (e instanceof RangeError || e instanceof SyntaxError) throw new UsageError(`${path}: ${e.message.split("\n")[0]}; the report is damaged`);
      throw e;
    }
    if (r.status === "mismatch") {
      throw new UsageError(`${path}: the schedule no longer matches the code at ${r.message}; re-run verify to get a fresh report`);
    }
    // Reproduced means the same property, failing at the same step, after the same history (cli/replay-outcome.ts).
    const replayed = replayedOf(r.execution, r.violation);
    return reportReplay({ path, report, replayed, subject: "the implementation", json: args.values["json"] === true, out });
  },
});
