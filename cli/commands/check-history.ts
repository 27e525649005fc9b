import { describeResult, models } from "../../model/index.js";
import { checkHistory } from "../../properties/checker/index.js";
import { checkerModel } from "../../properties/family_checker.js";
import { decodeHistory, HistoryError } from "../../properties/history.js";
import { familiesFlag, intFlag, readJsonFile } from "../args.js";
import { ExitCode, UsageError } from "../errors.js";
import { register } from "../main.js";

register({
  name: "check-history",
  summary: "judge a recorded history file against the model (linearizability)",
  help: [
    "Usage: interlock check-history <file> [--family f] [--time-ms n] [--max-memo n] [--json]",
    "",
    "Checks that the history in <file> (format: README, \"History files\") is linearizable with",
    "respect to its family's model: some order of the operations, consistent with real time, that",
    "the model accepts with the same results. Pending operations may or may not have taken effect.",
    "",
    "  --family f     expect this family (the file names its own; a mismatch is an error)",
    "  --time-ms n    time budget (default 60000); running out gives exit code 3",
    "  --max-memo n   memo entries budget (default 2000000); running out gives exit code 3",
    "  --json         print the verdict as JSON",
  ].join("\n"),
  options: { family: { type: "string" }, "time-ms": { type: "string" }, "max-memo": { type: "string" }, json: { type: "boolean" } },
  positionals: { min: 1, max: 1, name: "history file" },
  async run(args, out) {
    const path = args.positionals[0]!;
    const expected = args.values["family"] === undefined ? undefined : familiesFlag(args.values["family"])[0];
    const timeMs = intFlag(args.values["time-ms"], "time-ms", 1, 86_400_000, 60_000);
    const maxMemoEntries = intFlag(args.values["max-memo"], "max-memo", 1, 15_000_000, 2_000_000);
    let history;
    try {
      history = decodeHistory(readJsonFile(path, "history file"), path);
    } catch (e) {
      if (e instanceof HistoryError) throw new UsageError(e.message);
      throw e;
    }
    if (expected && expected !== history.family) {
      throw new UsageError(`${path} holds a ${history.family} history, not ${expected}; drop --family or pick the right file`);
    }
    const family = models[history.family];
    const verdict = checkHistory(checkerModel(family, history.config), history.operations, { timeMs, maxMemoEntries });
    const ops = history.operations.length;
    if (args.values["json"]) {
      const describe = (o: (typeof history.operations)[number]) => ({
        id: o.id,
        call: family.describeCall(o.interp, o.call),
        result: o.result ? describeResult(o.result) : "pending",
      });
      const body =
        verdict.kind === "ok"
          ? { verdict: "ok", operations: ops, linearization: verdict.linearization.map((o) => o.id) }
          : verdict.kind === "violation"
            ? { verdict: "violation", operations: ops, partition: verdict.partition, prefix: verdict.prefix.map(describe), stuck: verdict.stuck.map(describe), explanation: verdict.explanation }
            : { verdict: "unknown", operations: ops, reason: verdict.reason, detail: verdict.detail };
      out.out(JSON.stringify(body, null, 2));
    } else if (verdict.kind === "ok") {
      out.out(`ok: ${ops} operations of ${history.family} are linearizable with respect to the model`);
    } else if (verdict.kind === "violation") {
      out.out(`violation: ${history.family} history is not linearizable (${verdict.prefix.length} of ${ops} operations placed)`);
      out.out(verdict.explanation);
    } else {
      out.out(`unknown: the ${verdict.reason} budget ran out (${verdict.detail})`);
    }
    return verdict.kind === "ok" ? ExitCode.agreement : verdict.kind === "violation" ? ExitCode.counterexample : ExitCode.budget;
  },
});
