import { mutants } from "../../impl/mutants/index.js";
import { renderMutantTable, runMutants, type StrategyKind } from "../../properties/mutants.js";
import { intFlag } from "../args.js";
import { ExitCode, UsageError } from "../errors.js";
import { register } from "../main.js";

const strategyKinds: readonly StrategyKind[] = ["exhaustive", "bounded", "pct", "random"];

register({
  name: "mutants",
  summary: "run the catalogue of seeded bugs under each strategy: every one must be caught",
  help: [
    "Usage: interlock mutants [--strategy s[,s]] [--only id[,id]] [--seed n] [--budget-ms n] [--json]",
    "",
    "Each mutant is a small, documented change to the correct implementation that reproduces a",
    "hazard the thread raises, tied to the property it breaks. Prints, per mutant and strategy:",
    "caught or not, executions and time to the first counterexample, the property found, and the",
    "shrunk counterexample's length (steps / preemptions). The correct implementation runs on the",
    "same programs and strategies, and any alarm there is reported. Exit 1 if a mutant survives",
    "or the correct implementation raises an alarm.",
    "",
    "  --strategy s   strategies (default all): " + strategyKinds.join(", "),
    "  --only ids     only these mutants (ids from the table)",
    "  --seed n       seed for PCT and random (default 1)",
    "  --budget-ms n  budget of each single run (default 10000)",
    "  --json         the rows as JSON",
  ].join("\n"),
  options: { strategy: { type: "string" }, only: { type: "string" }, seed: { type: "string" }, "budget-ms": { type: "string" }, json: { type: "boolean" } },
  async run(args, out) {
    const v = args.values;
    const strategies = v["strategy"] === undefined ? strategyKinds : String(v["strategy"]).split(",").map((s) => s.trim());
    for (const s of strategies) if (!(strategyKinds as readonly string[]).includes(s)) throw new UsageError(`unknown strategy "${s}"; expected one of ${strategyKinds.join(", ")}`);
    const only = v["only"] === undefined ? undefined : String(v["only"]).split(",").map((s) => s.trim());
    for (const id of only ?? []) if (!mutants.some((m) => m.id === id)) throw new UsageError(`unknown mutant "${id}"; run \`interlock mutants --json\` for the ids`);
    const rows = runMutants({
      strategies: strategies as StrategyKind[],
      seed: intFlag(v["seed"], "seed", 0, 2 ** 31 - 1, 1),
      budgetMs: intFlag(v["budget-ms"], "budget-ms", 1, 86_400_000, 10_000),
      ...(only ? { only } : {}),
    });
    if (v["json"]) out.out(JSON.stringify(rows, null, 2));
    else out.out(renderMutantTable(rows));
    const survived = rows.some((r) => r.results.some((x) => !x.caught));
    const falseAlarm = rows.some((r) => r.correct.some((c) => c.verdict === "violation"));
    return survived || falseAlarm ? ExitCode.counterexample : ExitCode.agreement;
  },
});
