import { pathToFileURL } from "node:url";
import { checkAgreement, configFor, toPrograms } from "../properties/judge/agreement.js";
import { ampleBound, type AmpleBound } from "../properties/explorer/ampleBound.js";
import { agreementJudge } from "../properties/judge/judge.js";
import { implementations } from "../impl/index.js";
import { explore, type Limits, type StorageOption } from "../properties/explorer/index.js";
import { moduleSlotHistoryKey, moduleSlotMonitor, moduleSlotPrograms, moduleSlots } from "../properties/explorer/fixtures/moduleSlots.js";
import { typicalPrograms } from "../properties/workload/typical-programs.js";
import { defaultVerifySettings } from "../properties/verify/jobs.js";
import { familyNames, type FamilyName } from "../model/index.js";
import { runSpin, spinAvailable } from "./spin/run.js";

/**
 * The explorer beside SPIN, in one run: the module-slot protocol (N interpreters, each C times:
 * lock; if refcount == 0 global_init; refcount++; unlock; use; lock; refcount--; if refcount == 0
 * global_exit; unlock) explored exhaustively, N = 3, 4, 5 × C = 1, 2.
 *   - interlock, module_slots family: interlock's *real* implementation (impl/module_slots.ts)
 *     running its typical program ×C, judged against the model on every path by the online
 *     linearizability judge, with the exhaustive strategy's reductions — symmetry by renaming
 *     interpreters 2…N, sleep sets, and the visited set as given (`storage`) — within a budget;
 *   - interlock, protocol: the explorer's 3-word fixture of exactly that protocol over a futex mutex
 *     (properties/explorer/fixtures/moduleSlots.ts), with symmetry and its history key;
 *   - SPIN 6.5 on the equivalent Promela model (bench/spin/module_slots.pml) with partial-order
 *     reduction, twice: the lock as an atomic test-and-set (coarser than interlock's steps), and the
 *     futex mutex at interlock's granularity. When `spin` is missing the bench installs it with
 *     `apt-get install -y spin` (only here, never in `npm test`).
 * State counts are not the same unit across tools (each counts its own steps); wall time is.
 */
export interface ExplorerBenchRow {
  readonly n: number;
  readonly c: number;
  readonly tool: string;
  readonly verdict: string;
  readonly states: number;
  readonly seconds: number;
  /** Bytes of the visited set per stored state (interlock rows; SPIN reports its own memory). */
  readonly bytesPerState?: number;
  /** CPU seconds of this process for the row (interlock family rows): what load on a shared machine does not inflate as much as wall time. */
  readonly cpuSeconds?: number;
}

export interface ExplorerBenchOptions {
  readonly quick?: boolean;
  /** Wall-clock safety net per interlock family row (the budget proper is `maxStates`). */
  readonly familyBudgetMs?: number;
  readonly maxStates?: number;
  readonly storage?: StorageOption;
  /** Try `apt-get install -y spin` when SPIN is missing (default true). */
  readonly installSpin?: boolean;
}

/** Installs SPIN with apt when it is missing; true when it is available afterwards. */
async function ensureSpin(install: boolean): Promise<boolean> {
  if (await spinAvailable()) return true;
  if (!install) return false;
  const { execFileSync } = await import("node:child_process");
  try {
    execFileSync("apt-get", ["install", "-y", "spin"], { stdio: "ignore", timeout: 300_000 });
  } catch {
    return false;
  }
  return spinAvailable();
}

/**
 * One interlock row: a family's real implementation running its typical program (×C) in N
 * interpreters, exhaustively under the online judge with the default reductions — or with some
 * turned off (`off`), the same run's measure of what they cut — within `limits`.
 */
function judgedRow(family: FamilyName, n: number, c: number, storage: StorageOption, off: ReductionsOff, limits: Partial<Limits>): ExplorerBenchRow {
  const cpu = process.cpuUsage();
  const r = checkAgreement({ family, programs: typicalPrograms(family, n, c), strategy: { kind: "exhaustive", storage, ...off }, limits });
  const used = process.cpuUsage(cpu);
  const bytes = r.stats.storedBytes === undefined ? {} : { bytesPerState: r.stats.storedBytes / Math.max(1, r.stats.states) };
  const tool = `interlock (${family} family, judge, ${storage}${withoutText(off)})`;
  return { n, c, tool, verdict: r.verdict, states: r.stats.states, seconds: r.stats.elapsedMs / 1000, cpuSeconds: (used.user + used.system) / 1e6, ...bytes };
}

/** interlock's real module_slots beside SPIN: N interpreters × C cycles, hash compaction unless asked otherwise. */
function familyRow(n: number, c: number, o: ExplorerBenchOptions, off: ReductionsOff = {}): ExplorerBenchRow {
  return judgedRow("module_slots", n, c, o.storage ?? "hash-compact", off, { timeLimitMs: o.familyBudgetMs ?? 60_000, maxStates: o.maxStates ?? 50_000_000 });
}

/** ", without lock sections or blocking acquires" for the reductions `off` turns off ("" for none). */
function withoutText(off: ReductionsOff): string {
  const without = [off.lockSections === false ? "lock sections" : "", off.blockingAcquires === false ? "blocking acquires" : ""].filter((w) => w !== "");
  return without.length === 0 ? "" : `, without ${without.join(" or ")}`;
}

function protocolRow(n: number, c: number): ExplorerBenchRow {
  const r = explore(moduleSlots, moduleSlotPrograms(n, c), { strategy: { kind: "exhaustive" }, monitor: moduleSlotMonitor, historyKey: moduleSlotHistoryKey(false) });
  const row = { n, c, tool: "interlock (protocol fixture)", verdict: r.verdict, states: r.stats.states, seconds: r.stats.elapsedMs / 1000 };
  return r.stats.storedBytes === undefined ? row : { ...row, bytesPerState: r.stats.storedBytes / Math.max(1, r.stats.states) };
}

async function spinRows(n: number, c: number): Promise<ExplorerBenchRow[]> {
  const rows: ExplorerBenchRow[] = [];
  for (const futex of [false, true]) {
    const s = await runSpin({ n, c, futex, timeoutSeconds: 150 });
    rows.push({
      n,
      c,
      tool: futex
        ? "SPIN (futex mutex: every access a step, as interlock without lock sections or blocking acquires)"
        : "SPIN (test-and-set lock: one step a lock, as interlock with lock sections and blocking acquires)",
      verdict: s.complete ? (s.errors > 0 ? "violation" : "ok") : "incomplete",
      states: s.states,
      seconds: s.seconds,
    });
  }
  return rows;
}

export async function benchExplorer(options: ExplorerBenchOptions = {}): Promise<ExplorerBenchRow[]> {
  const rows: ExplorerBenchRow[] = [];
  const ns = options.quick ? [3] : [3, 4, 5];
  const cs = options.quick ? [1] : [1, 2];
  const spin = await ensureSpin(options.installSpin ?? true);
  for (const n of ns) {
    for (const c of cs) {
      rows.push(familyRow(n, c, options));
      // without the lock reductions (SPIN's futex granularity) only N=3 finishes in a minute
      if (n === 3) rows.push(familyRow(n, c, options, { lockSections: false, blockingAcquires: false }));
      rows.push(protocolRow(n, c));
      if (spin) rows.push(...(await spinRows(n, c)));
    }
  }
  if (!spin) rows.push({ n: 0, c: 0, tool: "SPIN not installed (apt-get install -y spin failed): not compared", verdict: "-", states: 0, seconds: 0 });
  // every family's real implementation at the largest N, within verify's budget
  if (!options.quick) rows.push(...familiesAt(5, options.familyBudgetMs ?? 60_000));
  return rows;
}

/** The exhaustive reductions a family row turns off (each on by default), to measure what it cuts in the same run. */
export interface ReductionsOff {
  readonly lockSections?: false;
  readonly blockingAcquires?: false;
}

/**
 * Every family's typical program at N interpreters, exhaustively under the online judge with
 * `npm run verify`'s default work budget (12 M states, exact storage): whether N fits that budget.
 */
export function familiesAt(n: number, budgetMs: number, off: ReductionsOff = {}): ExplorerBenchRow[] {
  return familyNames.map((family) => judgedRow(family, n, 1, "exact", off, { timeLimitMs: budgetMs, maxStates: defaultVerifySettings.maxStates }));
}

/**
 * What singleton ample sets (state-reducing partial-order reduction) could gain, per family's typical
 * program at N interpreters × C, under the online judge: properties/explorer/ampleBound.ts, an upper
 * bound with exact futures and no cycle proviso.
 */
export function ampleBounds(n: number, c: number): ({ family: string } & AmpleBound)[] {
  return familyNames.map((family) => {
    const programs = typicalPrograms(family, n, c);
    const config = configFor(programs);
    const judge = agreementJudge({ family, config, subject: implementations[family](config) });
    return { family, ...ampleBound(judge.subject, toPrograms(programs), judge.hooks) };
  });
}

/** `node dist/bench/explorer.js [--quick] [--budget-ms ms] [--exact] [--families [N] [--no-lock-sections] [--no-blocking-acquires]] [--ample-bound N C]`: the table with bytes per state. */
async function main(argv: readonly string[]): Promise<void> {
  const at = argv.indexOf("--budget-ms");
  const ample = argv.indexOf("--ample-bound");
  if (ample >= 0) {
    console.log("| family | N | C | states | branching | singleton ample | states explored with them | terminal states kept |\n|---|---|---|---:|---:|---:|---:|---|");
    const [n, c] = [Number(argv[ample + 1] ?? 3), Number(argv[ample + 2] ?? 1)];
    for (const b of ampleBounds(n, c)) console.log(`| ${b.family} | ${n} | ${c} | ${b.states} | ${b.branching} | ${b.singleton} | ${b.reducedStates} (${((100 * (b.states - b.reducedStates)) / b.states).toFixed(1)} % fewer) | ${b.terminalsKept ? "yes" : "NO"} |`);
    return;
  }
  const families = argv.indexOf("--families");
  if (families >= 0) {
    const n = Number(argv[families + 1]);
    const off: ReductionsOff = { ...(argv.includes("--no-lock-sections") ? { lockSections: false } : {}), ...(argv.includes("--no-blocking-acquires") ? { blockingAcquires: false } : {}) };
    printTable(familiesAt(Number.isInteger(n) && n > 0 ? n : 4, at >= 0 ? Number(argv[at + 1]) : 600_000, off));
    return;
  }
  const rows = await benchExplorer({
    quick: argv.includes("--quick"),
    familyBudgetMs: at >= 0 ? Number(argv[at + 1]) : 60_000,
    storage: argv.includes("--exact") ? "exact" : "hash-compact",
  });
  printTable(rows);
}

function printTable(rows: readonly ExplorerBenchRow[]): void {
  console.log("| N | C | tool | verdict | states | seconds | µs/state | CPU µs/state | bytes/state |\n|---|---|---|---|---:|---:|---:|---:|---:|");
  for (const r of rows) {
    const perState = r.states > 0 ? ((r.seconds * 1e6) / r.states).toFixed(1) : "-";
    const cpuPerState = r.states > 0 && r.cpuSeconds !== undefined ? ((r.cpuSeconds * 1e6) / r.states).toFixed(1) : "-";
    console.log(`| ${r.n} | ${r.c} | ${r.tool} | ${r.verdict} | ${r.states} | ${r.seconds.toFixed(2)} | ${perState} | ${cpuPerState} | ${r.bytesPerState?.toFixed(0) ?? "-"} |`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) void main(process.argv.slice(2));
