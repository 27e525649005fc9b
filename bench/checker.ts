/**
 * Benchmark of the linearizability checker on key-value histories: check time, memo size and
 * memory against history size, concurrency (threads) and partitioning, plus non-linearizable
 * histories. Each case runs in its own child process so its peak RSS is its own.
 *
 *   npm run build && node dist/bench/checker.js           # 1k / 10k / 100k ops × 2 / 8 / 32 threads
 *   npm run build && node dist/bench/checker.js --quick   # 1k / 10k ops × 2 / 8 threads
 *
 * Histories are generated from a seeded simulated run (properties/checker/random-history.ts), so
 * every run checks the same histories; only the times vary. Generation is not timed.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { checkHistory, emptyStats, type Operation } from "../properties/checker/index.js";
import { kvModel, kvModelUnpartitioned, type KvCall } from "../properties/checker/example-models.js";
import { randomHistory } from "../properties/checker/random-history.js";

/** One measurement: a history shape and how it is checked. */
interface Case {
  operations: number;
  threads: number;
  partitioned: boolean;
  /** Make the history non-linearizable: one get near the end returns a value nobody put. */
  corrupt: boolean;
  /** Budget for the check, ms. */
  timeMs: number;
}

/** What the child reports for one case. */
interface Measurement {
  verdict: string;
  ms: number;
  nodes: number;
  memoEntries: number;
  partitions: number;
  heapDeltaMB: number;
  maxRssMB: number;
}

const keys = ["k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9"];
const seed = 20261126;

function history(c: Case): Operation<KvCall, number>[] {
  const ops = randomHistory(
    kvModel,
    {
      threads: c.threads,
      operations: c.operations,
      crashRate: 0.001,
      nextCall: (random): KvCall => {
        const key = keys[Math.floor(random() * keys.length)]!;
        return random() < 0.5 ? { _tag: "get", key } : { _tag: "put", key, value: 1 + Math.floor(random() * 5) };
      },
    },
    seed + c.operations + c.threads,
  );
  if (c.corrupt) {
    const victim = ops.findLast((op) => op.call._tag === "get" && op.respond !== undefined && op.id < ops.length * 0.9);
    if (victim) victim.result = 1000; // no put ever writes 1000
  }
  return ops;
}

function measure(c: Case): Measurement {
  const ops = history(c);
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const stats = emptyStats();
  const start = performance.now();
  const verdict = checkHistory(c.partitioned ? kvModel : kvModelUnpartitioned, ops, { stats, timeMs: c.timeMs });
  const ms = performance.now() - start;
  const heapAfter = process.memoryUsage().heapUsed;
  return {
    verdict: verdict.kind === "unknown" ? `unknown (${verdict.reason})` : verdict.kind,
    ms,
    nodes: stats.nodes,
    memoEntries: stats.memoEntries,
    partitions: stats.partitions,
    heapDeltaMB: (heapAfter - heapBefore) / 2 ** 20,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
  };
}

function main(): void {
  const args = process.argv.slice(2);
  const caseArg = args.indexOf("--case");
  if (caseArg >= 0) {
    process.stdout.write(JSON.stringify(measure(JSON.parse(args[caseArg + 1]!) as Case)));
    return;
  }
  const quick = args.includes("--quick");
  const sizes = quick ? [1_000, 10_000] : [1_000, 10_000, 100_000];
  const threadCounts = quick ? [2, 8] : [2, 8, 32];
  const timeMs = quick ? 10_000 : 60_000;
  const cases: Case[] = [];
  for (const operations of sizes) {
    for (const threads of threadCounts) {
      for (const partitioned of [true, false]) cases.push({ operations, threads, partitioned, corrupt: false, timeMs });
    }
  }
  for (const partitioned of [true, false]) cases.push({ operations: 10_000, threads: 8, partitioned, corrupt: true, timeMs });

  const self = fileURLToPath(import.meta.url);
  const header = ["ops", "threads", "partitioned", "history", "verdict", "check ms", "nodes", "memo peak", "partitions", "heap Δ MB", "max RSS MB"];
  const rows: string[][] = [];
  for (const c of cases) {
    const child = spawnSync(process.execPath, ["--expose-gc", "--max-old-space-size=4096", self, "--case", JSON.stringify(c)], {
      encoding: "utf8",
      maxBuffer: 1 << 20,
    });
    const base = [String(c.operations), String(c.threads), c.partitioned ? "yes" : "no", c.corrupt ? "corrupted" : "valid"];
    if (child.status !== 0) {
      rows.push([...base, `child failed (${child.status ?? child.signal}): ${child.stderr.split("\n")[0] ?? ""}`]);
      continue;
    }
    const m = JSON.parse(child.stdout) as Measurement;
    rows.push([
      ...base,
      m.verdict,
      m.ms.toFixed(1),
      String(m.nodes),
      String(m.memoEntries),
      String(m.partitions),
      m.heapDeltaMB.toFixed(1),
      m.maxRssMB.toFixed(0),
    ]);
    process.stderr.write(".");
  }
  process.stderr.write("\n");
  const widths = header.map((h, k) => Math.max(h.length, ...rows.map((r) => (r[k] ?? "").length)));
  const line = (cells: string[]): string => `| ${cells.map((cell, k) => cell.padEnd(widths[k] ?? 0)).join(" | ")} |`;
  console.log(`checker benchmark (KV model, ${keys.length} keys, seed ${seed}, Node ${process.version}${quick ? ", --quick" : ""})`);
  console.log(line(header));
  console.log(line(widths.map((w) => "-".repeat(w))));
  for (const row of rows) console.log(line(row));
}

main();
