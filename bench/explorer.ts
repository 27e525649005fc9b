import { explore } from "../properties/explorer/index.js";
import { moduleSlotHistoryKey, moduleSlotMonitor, moduleSlotPrograms, moduleSlots } from "../properties/explorer/fixtures/moduleSlots.js";
import { checkAgreement } from "../properties/agreement.js";
import { typicalPrograms } from "../properties/programs.js";
import { runSpin, spinAvailable } from "./spin/run.js";

/**
 * The explorer beside SPIN, in one run: the module-slot protocol (N interpreters, each C times:
 * lock; if refcount == 0 global_init; refcount++; unlock; use; lock; refcount--; if refcount == 0
 * global_exit; unlock) explored exhaustively, N = 3, 4, 5 × C = 1, 2.
 *   - interlock, protocol: the explorer's fixture of exactly that protocol over a futex mutex
 *     (properties/explorer/fixtures/moduleSlots.ts), with symmetry and its history key;
 *   - interlock, family: interlock's real module_slots implementation running its typical program
 *     ×C, judged against the model on every path (online linearizability), within a budget;
 *   - SPIN 6.5.2 on the equivalent Promela model (bench/spin/module_slots.pml) with partial-order
 *     reduction, twice: the lock as an atomic test-and-set (coarser than interlock's steps), and the
 *     futex mutex at interlock's granularity — when `spin` and `gcc` are installed.
 * State counts are not the same unit across tools (each counts its own steps); wall time is.
 */
export interface ExplorerBenchRow {
  readonly n: number;
  readonly c: number;
  readonly tool: string;
  readonly verdict: string;
  readonly states: number;
  readonly seconds: number;
}

export async function benchExplorer(options: { quick?: boolean; familyBudgetMs?: number } = {}): Promise<ExplorerBenchRow[]> {
  const rows: ExplorerBenchRow[] = [];
  const ns = options.quick ? [3] : [3, 4, 5];
  const cs = options.quick ? [1] : [1, 2];
  const spin = await spinAvailable();
  for (const n of ns) {
    for (const c of cs) {
      const fixture = explore(moduleSlots, moduleSlotPrograms(n, c), {
        strategy: { kind: "exhaustive" },
        monitor: moduleSlotMonitor,
        historyKey: moduleSlotHistoryKey(false),
      });
      rows.push({ n, c, tool: "interlock (protocol)", verdict: fixture.verdict, states: fixture.stats.states, seconds: fixture.stats.elapsedMs / 1000 });
      const family = checkAgreement({
        family: "module_slots",
        programs: typicalPrograms("module_slots", n, c),
        strategy: { kind: "exhaustive" },
        limits: { timeLimitMs: options.familyBudgetMs ?? 60_000, maxStates: 30_000_000 },
      });
      rows.push({ n, c, tool: "interlock (module_slots family)", verdict: family.verdict, states: family.stats.states, seconds: family.stats.elapsedMs / 1000 });
      if (spin) {
        for (const futex of [false, true]) {
          const s = await runSpin({ n, c, futex, timeoutSeconds: 150 });
          rows.push({
            n,
            c,
            tool: futex ? "SPIN (futex mutex, same granularity)" : "SPIN (test-and-set lock)",
            verdict: s.complete ? (s.errors > 0 ? "violation" : "ok") : "incomplete",
            states: s.states,
            seconds: s.seconds,
          });
        }
      }
    }
  }
  if (!spin) rows.push({ n: 0, c: 0, tool: "SPIN not installed (apt-get install -y spin): not compared", verdict: "-", states: 0, seconds: 0 });
  return rows;
}
