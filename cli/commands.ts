/**
 * The CLI's commands: name, one-line summary, and how to load the module that implements it.
 * Modules load only when their command runs (each registers itself with `register` on import), so
 * `interlock check-history` never imports the explorer and `interlock --help` imports nothing.
 * test/cli-conventions.test.ts checks every summary here against the command's own.
 */
export interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  readonly load: () => Promise<unknown>;
}

export const commandTable: readonly CommandEntry[] = [
  { name: "verify", summary: "explore each family's implementation and judge it against the model (the main job)", load: () => import("./commands/verify.js") },
  { name: "replay", summary: "replay a report's counterexample exactly, from its schedule token", load: () => import("./commands/replay.js") },
  { name: "mutants", summary: "run the catalogue of seeded bugs under each strategy: every one must be caught", load: () => import("./commands/mutants.js") },
  { name: "compare", summary: "run the thread's use cases against every proposal and write the comparison matrix", load: () => import("./commands/compare.js") },
  { name: "stress", summary: "run a family on real worker threads (Atomics on a SharedArrayBuffer) and judge it", load: () => import("./commands/stress.js") },
  { name: "check-history", summary: "judge a recorded history (interlock, JSON lines, Jepsen EDN, Porcupine) for linearizability", load: () => import("./commands/check-history.js") },
  { name: "show", summary: "list the reports in a folder with their verdicts and (re)write its index.html", load: () => import("./commands/show.js") },
  { name: "client", summary: "check an extension written in C (module exec, m_free, module functions) in the scenarios", load: () => import("./commands/client.js") },
  { name: "bench", summary: "run the benchmarks (model, explorer vs SPIN, impl, checker, mutants, C) and print their figures", load: () => import("./commands/bench.js") },
];
