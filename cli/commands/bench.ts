import { benchModel } from "../../bench/model.js";
import { ExitCode, UsageError } from "../errors.js";
import { register } from "../main.js";
import { table } from "../output.js";

/**
 * `interlock bench [what]`: the benchmarks behind the figures in the README. Each prints a table;
 * heavy ones (explorer vs SPIN) have budgets and say what they skipped.
 */
const benches: Record<string, { summary: string; run: (quick: boolean, out: (s: string) => void) => Promise<void> }> = {
  model: {
    summary: "model steps per second per family (goal ≥ 5 M/s)",
    async run(quick, out) {
      const rows = benchModel(quick ? 0.2 : 1);
      out(table(["family", "steps/s", "keys/s"], rows.map((r) => [r.family, fmt(r.stepsPerSecond), fmt(r.keysPerSecond)])));
    },
  },
};

function fmt(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(0);
}

register({
  name: "bench",
  summary: "run the benchmarks (model, …) and print their figures",
  help: [
    "Usage: interlock bench [what ...] [--quick]",
    "",
    "what: " + Object.keys(benches).join(", ") + " (default: all)",
    "  --quick   shorter runs, for a smoke test",
  ].join("\n"),
  options: { quick: { type: "boolean" } },
  positionals: { min: 0, max: 10, name: "benchmark" },
  async run(args, out) {
    const names = args.positionals.length ? args.positionals : Object.keys(benches);
    for (const n of names) if (!benches[n]) throw new UsageError(`unknown benchmark "${n}"; expected ${Object.keys(benches).join(", ")}`);
    for (const n of names) {
      out.out(`# ${n}: ${benches[n]!.summary}`);
      await benches[n]!.run(args.values["quick"] === true, (s) => out.out(s));
      out.out("");
    }
    return ExitCode.agreement;
  },
});
