/**
 * Bench of the implementation layer: what the memory protocol costs on the real backend, and
 * contended throughput of PyMutex on real threads.
 *
 *   npm run build && node dist/bench/impl.js [--quick]
 *
 * Figures on a shared machine are noisy, so the comparison that matters is a ratio taken in one
 * run: uncontended PyMutex_Lock + PyMutex_Unlock through AtomicsMemory.run (the generator code the
 * explorer interleaves) against the raw `Atomics.compareExchange` + `Atomics.store` pair. Each
 * figure is the median of ROUNDS timed rounds, rounds of the variants interleaved so drift in
 * machine load hits all of them alike. The breakdown rows use bare generators (no lock algorithm)
 * to show where the time goes: resuming a generator per access, allocating a descriptor per
 * access, and starting one `run` per call.
 */
import { type Access, AtomicsMemory, type Code, cas, load, store } from "../impl/memory.js";
import { PyMutex_Lock, PyMutex_Unlock } from "../impl/pymutex.js";
import { CounterWords, counterProgram } from "../impl/stress/fixtures/counter.js";
import { runStress } from "../impl/stress/run.js";

const quick = process.argv.includes("--quick");
const ROUNDS = quick ? 3 : 9;
const PAIRS = quick ? 200_000 : 1_000_000;
const CONTENDED_CALLS = quick ? 200_000 : 1_000_000;

const LOCK = 0;
const OWNER = 1;
const memory = AtomicsMemory.allocate(4);
const w = memory.words;

/** A variant under test: runs `n` lock+unlock pairs (or their stand-in) and returns a checksum. */
type Variant = { readonly name: string; readonly run: (n: number) => number };

function* bareAccesses(fresh: boolean, prebuilt: readonly Access[]): Code<number> {
  // Six accesses, as many as one PyMutex lock+unlock makes uncontended.
  let sum = 0;
  for (let i = 0; i < 6; i++) sum += yield fresh ? load(2) : prebuilt[i]!;
  return sum;
}
const prebuilt: readonly Access[] = [load(2), load(2), load(2), load(2), load(2), load(2)];

const variants: readonly Variant[] = [
  {
    name: "raw Atomics.compareExchange + Atomics.store",
    run: (n) => {
      let s = 0;
      for (let i = 0; i < n; i++) {
        s += Atomics.compareExchange(w, LOCK, 0, 1);
        Atomics.store(w, LOCK, 0);
      }
      return s;
    },
  },
  {
    name: "PyMutex_Lock + PyMutex_Unlock via AtomicsMemory.run",
    run: (n) => {
      let s = 0;
      for (let i = 0; i < n; i++) {
        if (memory.run(PyMutex_Lock(LOCK, OWNER, 1)) === "acquired") s++;
        if (memory.run(PyMutex_Unlock(LOCK, OWNER, 1))) s++;
      }
      return s;
    },
  },
  {
    name: "floor: PyMutex's six uncontended Atomics ops, inline",
    // load owner, cas, store owner | load owner, store owner, sub: the accesses any implementation
    // of this two-word algorithm makes; no branching, so not a second copy of the algorithm.
    run: (n) => {
      let s = 0;
      for (let i = 0; i < n; i++) {
        s += Atomics.load(w, OWNER) + Atomics.compareExchange(w, LOCK, 0, 1) + Atomics.store(w, OWNER, 1);
        s += Atomics.load(w, OWNER) + Atomics.store(w, OWNER, 0) + Atomics.sub(w, LOCK, 1);
      }
      return s;
    },
  },
  {
    name: "breakdown: 1 run of a bare generator, 6 fresh descriptors",
    run: (n) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += memory.run(bareAccesses(true, prebuilt));
      return s;
    },
  },
  {
    name: "breakdown: 1 run of a bare generator, 6 prebuilt descriptors",
    run: (n) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += memory.run(bareAccesses(false, prebuilt));
      return s;
    },
  },
  {
    name: "breakdown: 6 performs of prebuilt descriptors, no generator",
    run: (n) => {
      let s = 0;
      const a = cas(LOCK, 0, 1);
      const b = store(LOCK, 0);
      for (let i = 0; i < n; i++) {
        s += memory.perform(a) + memory.perform(b) + memory.perform(prebuilt[0]!);
        s += memory.perform(prebuilt[1]!) + memory.perform(prebuilt[2]!) + memory.perform(prebuilt[3]!);
      }
      return s;
    },
  },
];

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function uncontended(): Map<string, number> {
  const samples = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  let checksum = 0;
  for (const v of variants) checksum += v.run(PAIRS / 10); // warm-up: let the JIT settle
  for (let r = 0; r < ROUNDS; r++) {
    for (const v of variants) {
      const t0 = process.hrtime.bigint();
      checksum += v.run(PAIRS);
      samples.get(v.name)!.push(Number(process.hrtime.bigint() - t0) / PAIRS);
    }
  }
  if (w[LOCK] !== 0 || w[OWNER] !== 0 || checksum === 0) throw new Error("bench left the mutex locked");
  return new Map([...samples].map(([k, xs]) => [k, median(xs)]));
}

async function contended(): Promise<void> {
  const fixture = new URL("../impl/stress/fixtures/counter.js", import.meta.url);
  const generate = { module: new URL("../impl/stress/fixtures/counter.js", import.meta.url), export: "counterProgram" };
  for (const [label, options] of [
    ["PyMutex counter, 1 worker", { locked: true, workers: 1 }],
    ["PyMutex counter, 2 workers", { locked: true, workers: 2 }],
    ["unlocked counter (mutant), 2 workers", { locked: false, workers: 2 }],
  ] as const) {
    const r = await runStress({
      subject: { module: fixture, export: "counterSubject", options: { locked: options.locked } },
      programs: Array.from({ length: options.workers }, (_, i) => ({ generate, seed: i + 1, length: CONTENDED_CALLS })),
      recordHistory: false,
    });
    let expected = 0;
    for (let i = 1; i <= options.workers; i++) for (const c of counterProgram(i, i, CONTENDED_CALLS)) if (c === "increment") expected++;
    const lost = expected - (r.memory[CounterWords.counter] ?? 0);
    console.log(
      `  ${label.padEnd(40)} ${r.outcome}, ${r.totalCalls} calls in ${r.elapsedMs.toFixed(0)} ms = ` +
        `${((r.totalCalls / r.elapsedMs) * 1000).toFixed(0)} calls/s, lost updates: ${lost}`,
    );
  }
}

async function main(): Promise<void> {
  console.log(`interlock impl bench (Node ${process.version}, ${ROUNDS} rounds × ${PAIRS} pairs${quick ? ", --quick" : ""})`);
  console.log("uncontended, one thread, median ns per lock+unlock pair:");
  const ns = uncontended();
  const raw = ns.get(variants[0]!.name)!;
  for (const [name, t] of ns) console.log(`  ${name.padEnd(62)} ${t.toFixed(1).padStart(7)} ns  ${(t / raw).toFixed(2)}×`);
  const ratio = ns.get(variants[1]!.name)! / raw;
  console.log(`PyMutex / raw = ${ratio.toFixed(2)}× (goal ≤ 1.5×: ${ratio <= 1.5 ? "met" : "missed"})`);
  console.log(`contended, real threads via runStress, ${CONTENDED_CALLS} calls per worker (~7/8 increments):`);
  await contended();
}

await main();
