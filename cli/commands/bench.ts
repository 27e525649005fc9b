import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { benchExplorer } from "../../bench/explorer.js";
import { benchFastPaths } from "../../bench/fastpath.js";
import { benchModel } from "../../bench/model.js";
import { ExitCode, UsageError } from "../errors.js";
import { register } from "../command.js";
import { table } from "../output.js";

/**
 * `interlock bench [what]`: the benchmarks behind the figures in the README. Each prints a table;
 * heavy ones (explorer vs SPIN) have budgets and say what they skipped.
 */
/** Runs a compiled benchmark script (dist/bench/…) in its own process, so its memory is its own. */
function script(relative: string, extra: readonly string[] = []): (quick: boolean, out: (s: string) => void) => Promise<void> {
  return async (quick, out) => {
    const file = fileURLToPath(new URL(`../../${relative}`, import.meta.url));
    const r = spawnSync(process.execPath, [file, ...(quick ? ["--quick"] : []), ...extra], { encoding: "utf8", maxBuffer: 64 * 2 ** 20 });
    out((r.stdout ?? "").trimEnd());
    if (r.status !== 0) throw new UsageError(`benchmark ${relative} failed (exit ${r.status}): ${(r.stderr ?? "").trim().split("\n").at(-1) ?? ""}`);
  };
}

const benches: Record<string, { summary: string; run: (quick: boolean, out: (s: string) => void) => Promise<void> }> = {
  model: {
    summary: "model steps per second per family (goal ≥ 5 M/s)",
    async run(quick, out) {
      const rows = benchModel(quick ? 0.2 : 1);
      out(table(["family", "steps/s", "keys/s"], rows.map((r) => [r.family, fmt(r.stepsPerSecond), fmt(r.keysPerSecond)])));
    },
  },
  explorer: {
    summary: "exhaustive module-slot exploration, N = 3..5 × C = 1..2, beside SPIN in the same run",
    async run(quick, out) {
      const rows = await benchExplorer({ quick, familyBudgetMs: quick ? 10_000 : 60_000 });
      const perState = (r: (typeof rows)[number]): string => (r.states > 0 ? ((r.seconds * 1e6) / r.states).toFixed(1) : "-");
      out(table(["N", "C", "tool", "verdict", "states", "seconds", "µs/state", "bytes/state"], rows.map((r) => [`${r.n}`, `${r.c}`, r.tool, r.verdict, `${r.states}`, r.seconds.toFixed(2), perState(r), r.bytesPerState?.toFixed(0) ?? "-"])));
    },
  },
  fastpath: {
    summary: "ns per call of each family's fast paths on the real backend (uncontended, one thread)",
    async run(quick, out) {
      const rows = benchFastPaths(quick ? 0.1 : 0.5);
      out(table(["family", "calls", "ns/call"], rows.map((r) => [r.family, r.calls, r.nsPerCall.toFixed(0)])));
    },
  },
  impl: { summary: "uncontended lock+unlock vs raw Atomics; contended throughput on 2 workers", run: script("bench/impl.js") },
  checker: { summary: "linearizability check time and memory vs history size, threads, partitioning", run: script("bench/checker.js") },
  mutants: { summary: "time to first counterexample and counterexample length over the mutant catalogue", run: script("bench/mutants.js") },
  c: { summary: "the same protocol in C and in TypeScript (steps/s, executions/s); compile time of a ~200-line C file", run: script("bench/c.js") },
};

function fmt(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(0);
}

register({
  name: "bench",
  summary: "run the benchmarks (model, explorer vs SPIN, impl, checker, mutants, C) and print their figures",
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
