import { models, type AnyCall, type FamilyName, type Result } from "../../model/index.js";
import { agreementHooks, toPrograms } from "../../properties/agreement.js";
import { replay } from "../../properties/explorer/index.js";
import { subjectNamed } from "../../properties/subjects.js";
import { readReportFile, ReportError } from "../../reports/io.js";
import { str } from "../args.js";
import { ExitCode, UsageError } from "../errors.js";
import { checkSubjectContract, loadImplModule } from "../impl-module.js";
import { register } from "../main.js";

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
    "which step differs).",
    "",
    "  --impl path   the implementation module the report was made with (for --impl reports)",
    "  --json        print the outcome as JSON",
  ].join("\n"),
  options: { impl: { type: "string" }, json: { type: "boolean" } },
  positionals: { min: 1, max: 1, name: "report file" },
  async run(args, out) {
    const path = args.positionals[0]!;
    let report;
    try {
      report = readReportFile(path);
    } catch (e) {
      if (e instanceof ReportError) throw new UsageError(e.message);
      throw e;
    }
    if (report.token === null || report.violation === null) {
      out.out(`${path}: the report records ${report.verdict === "agreement" ? "agreement" : "a run that ran out of budget"}; there is no counterexample to replay`);
      return ExitCode.agreement;
    }
    const family: FamilyName = report.family;
    const config = { interpreters: Math.max(report.config.interpreters, 3), capacity: report.config.capacity };
    const implPath = str(args.values["impl"]);
    const implFactories = implPath === undefined ? undefined : await loadImplModule(implPath);
    if (implPath !== undefined && implFactories?.[family]) checkSubjectContract(implPath, family, implFactories[family]!, config);
    const subject = subjectNamed(report.subject, family, config, implFactories);
    if (subject === undefined) {
      throw new UsageError(
        `${path}: the report was made with "${report.subject}", which this interlock does not have${implPath ? ` and ${implPath} does not provide ${family}` : "; pass --impl with the module it was made with"}`,
      );
    }
    const decode = (x: unknown): AnyCall => x as AnyCall;
    const programs = report.programs.map((p) => p.raw.map(decode));
    for (const [i, calls] of programs.entries()) {
      for (const [j, call] of calls.entries()) {
        const Call = models[family].Call;
        const { Schema } = await import("effect");
        if (!Schema.is(Call)(call)) throw new UsageError(`${path}: programs[${i}].raw[${j}] is not a ${family} call; the report is damaged`);
      }
    }
    const r = replay<AnyCall, Result>(subject, toPrograms(programs), report.token, agreementHooks(family, config, undefined, subject.decode?.bind(subject)));
    if (r.status === "mismatch") {
      throw new UsageError(`${path}: the schedule no longer matches the code at ${r.message}; re-run verify to get a fresh report`);
    }
    const same = r.violation !== null && r.violation.property === report.violation.property;
    const body = {
      report: path,
      reproduced: same,
      property: r.violation?.property ?? null,
      expected: report.violation.property,
      message: r.violation?.message.split("\n")[0] ?? null,
      steps: r.execution.steps,
    };
    if (args.values["json"]) out.out(JSON.stringify(body, null, 2));
    else if (same) out.out(`reproduced ${report.violation.property} (${report.violation.propertyName}) after ${r.execution.steps} steps: ${body.message}`);
    else if (r.violation !== null) out.out(`replayed, but a different property failed: ${r.violation.property} instead of ${report.violation.property}: ${body.message}`);
    else out.out(`replayed ${r.execution.steps} steps and nothing failed: the implementation no longer shows this counterexample`);
    return r.violation !== null ? ExitCode.counterexample : ExitCode.agreement;
  },
});
