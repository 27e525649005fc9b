/**
 * Explorer benchmark on the fixture: the module-slot protocol written for the explorer
 * (fixtures/moduleSlots.ts) explored exhaustively for N = 3, 4, 5 interpreters × C = 1, 2 cycles,
 * and the controlled backend's raw speed (the real implementations beside SPIN: bench/explorer.ts).
 * Run after `npm run build`:
 *
 *   node dist/properties/explorer/fixture-bench.js            # table on stdout, live progress on stderr
 *   node dist/properties/explorer/fixture-bench.js --json     # one JSON object per measurement
 *
 * Reference (anchors.md, same kind of machine): SPIN 6.5.2, N=5, C=2: 8.47 M states in 9.4 s with
 * partial-order reduction. Compare ratios within one run; these machines are noisy.
 */
import { explore } from "./explore.js";
import { Machine } from "./machine.js";
import { mulberry32, below } from "./prng.js";
import { moduleSlotHistoryKey, moduleSlotMonitor, moduleSlotPrograms, moduleSlots } from "./fixtures/moduleSlots.js";

const json = process.argv.includes("--json");
const rows: Record<string, string | number>[] = [];

function emit(row: Record<string, string | number>): void {
  rows.push(row);
  if (json) console.log(JSON.stringify(row));
}

function progressLine(label: string): (p: { states: number; transitions: number; elapsedMs: number; stepsPerSecond: number }) => void {
  return (p) => {
    if (process.stderr.isTTY) {
      process.stderr.write(`\r${label}: ${p.states} states, ${p.transitions} transitions, ${(p.elapsedMs / 1000).toFixed(1)} s, ${Math.round(p.stepsPerSecond)} steps/s   `);
    }
  };
}

// 1. Exhaustive search of the module-slot protocol.
const configs: { n: number; c: number; symmetry: "auto" | "off"; historyKey: boolean }[] = [];
for (const n of [3, 4, 5]) for (const c of [1, 2]) configs.push({ n, c, symmetry: "auto", historyKey: true });
configs.push({ n: 3, c: 1, symmetry: "off", historyKey: true }, { n: 4, c: 2, symmetry: "off", historyKey: true });
configs.push({ n: 2, c: 2, symmetry: "auto", historyKey: false });

for (const { n, c, symmetry, historyKey } of configs) {
  const label = `exhaustive N=${n} C=${c} symmetry=${symmetry} historyKey=${historyKey ? "on" : "off"}`;
  const r = explore(moduleSlots, moduleSlotPrograms(n, c), {
    strategy: { kind: "exhaustive", symmetry },
    monitor: moduleSlotMonitor,
    ...(historyKey ? { historyKey: moduleSlotHistoryKey(false) } : {}),
    onProgress: progressLine(label),
    progressIntervalMs: 500,
  });
  if (process.stderr.isTTY) process.stderr.write("\r\x1b[K");
  emit({
    measure: "exhaustive",
    n,
    c,
    symmetry,
    historyKey: historyKey ? "on" : "off",
    verdict: r.verdict,
    states: r.stats.states,
    transitions: r.stats.transitions,
    executions: r.stats.executions,
    seconds: +(r.stats.elapsedMs / 1000).toFixed(3),
    statesPerSecond: Math.round((r.stats.states * 1000) / r.stats.elapsedMs),
    rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
  });
}

// 2. Raw speed of the controlled backend: random walks, no hooks (the machine alone), N=5, C=2.
// Without a history key new thread histories keep appearing (each costs generator work); with it
// the thread-local tables fill up during warm-up and a step is table lookups.
for (const historyKey of [true, false]) {
  const m = new Machine(moduleSlots, moduleSlotPrograms(5, 2), false, historyKey ? moduleSlotHistoryKey(false) : undefined);
  const random = mulberry32(1);
  const enabled: number[] = [];
  const run = (executions: number): number => {
    let steps = 0;
    for (let e = 0; e < executions; e++) {
      m.reset();
      for (;;) {
        enabled.length = 0;
        for (let t = 0; t < m.n; t++) if (m.isEnabled(t)) enabled.push(t);
        if (enabled.length === 0) break;
        m.step(enabled[below(random, enabled.length)] as number);
      }
      steps += m.steps;
    }
    return steps;
  };
  run(20_000); // warm-up: builds most thread-local nodes
  const started = performance.now();
  const executions = 100_000;
  const steps = run(executions);
  const seconds = (performance.now() - started) / 1000;
  emit({ measure: "backend", n: 5, c: 2, historyKey: historyKey ? "on" : "off", nodes: m.nodeCount(), executions, steps, seconds: +seconds.toFixed(3), stepsPerSecond: Math.round(steps / seconds), executionsPerSecond: Math.round(executions / seconds) });
}

// 3. The random strategy end to end (session, monitor and history), N=5, C=2.
{
  const r = explore(moduleSlots, moduleSlotPrograms(5, 2), {
    strategy: { kind: "random", runs: 50_000, seed: 1 },
    monitor: moduleSlotMonitor,
    historyKey: moduleSlotHistoryKey(false),
  });
  emit({
    measure: "random strategy",
    n: 5,
    c: 2,
    historyKey: "on",
    executions: r.stats.executions,
    steps: r.stats.transitions,
    seconds: +(r.stats.elapsedMs / 1000).toFixed(3),
    stepsPerSecond: Math.round((r.stats.transitions * 1000) / r.stats.elapsedMs),
  });
}

if (!json) {
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  console.log(keys.join("\t"));
  for (const r of rows) console.log(keys.map((k) => r[k] ?? "").join("\t"));
}
