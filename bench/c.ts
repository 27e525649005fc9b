/**
 * Bench of the C front end: the same protocol written in C and in TypeScript, explored in one run,
 * and the time to compile a ~200-line C file.
 *
 *   npm run build && node dist/bench/c.js [--quick]
 *
 * The protocol is the module-slot pattern of anchors.md (exec: PyMutex lock, global_init on 0→1,
 * count++, unlock; use: read the handle; free: lock, count--, global_exit on 1→0, unlock), with
 * the same futex mutex on both sides, so both make exactly the same accesses (checked below).
 * Three figures, each C beside TypeScript:
 *   - raw: each call driven to its end on a plain memory, no explorer (what one access costs:
 *     asyncify unwind + rewind + copying a thread's stack, against resuming a JS generator);
 *   - random: the explorer's random strategy end to end (steps/s and executions/s; the explorer
 *     memoises thread states, so most steps cost the same on both sides);
 *   - exhaustive: states/s of the stateful search.
 * Compile: the first compile in the process (loading the compiler included), then a ~200-line
 * file with the compiler loaded and run once ("warm"), both bypassing the on-disk cache; wall time
 * (median and fastest), the CPU time of the process, the wall time of each phase, and the load
 * average the figures were taken under (other processes on the machine slow the wall time).
 */
import { availableParallelism, loadavg } from "node:os";
import { cas, exchange, load, loopEnter, loopHead, notify, performPlain, store, wait, AccessOp, type Code } from "../impl/memory.js";
import type { Program, Subject } from "../impl/subject.js";
import { explore } from "../properties/explorer/index.js";
import { compileUncached } from "../cfront/compile.js";
import { CInstance, type CReturn } from "../cfront/runtime.js";

const quick = process.argv.includes("--quick");

/** The protocol in C, written as an extension author would. */
const protocolC = `#include "interlock.h"
static PyMutex mutex;
static int count;
static int epoch;
static int handle;

int IL_EXPORT(do_exec)(void) {
  PyMutex_Lock(&mutex);
  if (count == 0) {
    epoch = epoch + 1;
    handle = epoch;
  }
  count = count + 1;
  PyMutex_Unlock(&mutex);
  return 0;
}

int IL_EXPORT(do_use)(void) { return handle; }

int IL_EXPORT(do_free)(void) {
  PyMutex_Lock(&mutex);
  count = count - 1;
  if (count == 0) handle = 0;
  PyMutex_Unlock(&mutex);
  return 0;
}
`;

type Call = "exec" | "use" | "free";
// Word layout of the C globals (checked against the compiled module below).
const MUTEX = 0, COUNT = 1, EPOCH = 2, HANDLE = 3;

/** The same protocol in TypeScript, access for access (interlock.h's PyMutex included). */
function* lock(): Code<void> {
  if ((yield cas(MUTEX, 0, 1)) === 0) return;
  yield loopEnter(MUTEX);
  for (;;) {
    yield loopHead(MUTEX, 0);
    if ((yield exchange(MUTEX, 2)) === 0) return;
    yield wait(MUTEX, 2);
  }
}
function* unlock(): Code<void> {
  if ((yield exchange(MUTEX, 0)) === 2) yield notify(MUTEX, 1);
}
function* protocolTs(call: Call): Code<number> {
  switch (call) {
    case "exec":
      yield* lock();
      if ((yield load(COUNT)) === 0) {
        yield store(EPOCH, (yield load(EPOCH)) + 1);
        yield store(HANDLE, yield load(EPOCH));
      }
      yield store(COUNT, (yield load(COUNT)) + 1);
      yield* unlock();
      return 0;
    case "use":
      return yield load(HANDLE);
    case "free":
      yield* lock();
      yield store(COUNT, (yield load(COUNT)) - 1);
      if ((yield load(COUNT)) === 0) yield store(HANDLE, 0);
      yield* unlock();
      return 0;
  }
}

function tsSubject(): Subject<Call, number> {
  return { name: "protocol/ts", words: 4, start: (_i, c) => protocolTs(c) };
}
function cSubject(inst: CInstance): Subject<Call, number> {
  return {
    name: "protocol/c",
    words: inst.words,
    *start(_i, c): Code<number> {
      const r: CReturn = yield* inst.run(`do_${c}`, []);
      if (!r.ok) throw new Error(r.trap);
      return r.value;
    },
  };
}

/** Drives one call to its end on a plain memory; returns the accesses it made. */
function drive(code: Code<number>, mem: Int32Array): number {
  let n = 0;
  let step = code.next();
  while (!step.done) {
    const a = step.value;
    n++;
    step = code.next(a.op === AccessOp.checkpoint || a.op === AccessOp.wait || a.op === AccessOp.notify ? 0 : performPlain(mem, a));
  }
  return n;
}

/** The accesses one exec/use/free round makes, as text, to check both sides agree. */
function trace(start: (c: Call) => Code<number>): string {
  const mem = new Int32Array(4);
  const out: string[] = [];
  for (const c of ["exec", "use", "free"] as const) {
    const g = start(c);
    let step = g.next();
    while (!step.done) {
      const a = step.value;
      out.push(`${a.op}:${a.addr}:${a.a}:${a.b}`);
      step = g.next(a.op === AccessOp.checkpoint || a.op === AccessOp.wait || a.op === AccessOp.notify ? 0 : performPlain(mem, a));
    }
  }
  return out.join(" ");
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

const fmt = (n: number): string => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(0));

async function main(): Promise<void> {
  const rows: string[][] = [];
  // Compile: cold (compiler load included), then warm, on a ~200-line file (module_slots.c + helpers).
  const { readFileSync } = await import("node:fs");
  const slots = readFileSync(new URL("../../examples/c/module_slots.c", import.meta.url), "utf8");
  const helpers = Array.from({ length: 10 }, (_, i) => `int IL_EXPORT(helper_${i})(int x) {\n  int y = x * ${i + 2};\n  if (y > ${i * 7}) return y - 1;\n  return y + 1;\n}\n`).join("");
  const big = `${slots}\n${helpers}`;
  const lines = big.split("\n").length;
  let t0 = performance.now();
  await compileUncached("bench_protocol.c", { "bench_protocol.c": protocolC });
  const cold = performance.now() - t0;
  // One compile of the big file first: V8 compiles the compiler's WebAssembly lazily and tiers hot
  // functions up while it runs, so the first compiles after loading are slower than the steady state.
  await compileUncached("module_slots_200.c", { "module_slots_200.c": big });
  const warm: number[] = [];
  const cpu: number[] = [];
  const phases = new Map<string, number[]>();
  for (let i = 0; i < (quick ? 1 : 5); i++) {
    t0 = performance.now();
    const c0 = process.cpuUsage();
    await compileUncached("module_slots_200.c", { "module_slots_200.c": big }, undefined, (p, ms) => phases.set(p, [...(phases.get(p) ?? []), ms]));
    const used = process.cpuUsage(c0);
    warm.push(performance.now() - t0);
    cpu.push((used.user + used.system) / 1000);
  }
  const secs = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  rows.push(["compile + asyncify, cold (compiler load, 25-line file)", secs(cold), "", ""]);
  rows.push([`compile + asyncify, warm (${lines}-line file, after one warm-up; median of ${warm.length})`, secs(median(warm)), "", ""]);
  rows.push([`  the same, fastest of ${warm.length}`, secs(Math.min(...warm)), "", ""]);
  rows.push(["  the same, CPU time of this process (less sensitive to a loaded machine)", secs(median(cpu)), "", ""]);
  for (const [p, ms] of phases) rows.push([`  of which ${p} (wall)`, secs(median(ms)), "", ""]);
  rows.push(["  load average (1 min) when measured, on cores", `${loadavg()[0]?.toFixed(1)} / ${availableParallelism()}`, "", ""]);

  const compiled = await compileUncached("bench_protocol.c", { "bench_protocol.c": protocolC });
  const inst = new CInstance(compiled);
  if (inst.wordNames.join(",") !== "mutex,count,epoch,handle") throw new Error(`unexpected C layout ${inst.wordNames.join(",")}`);
  const c = cSubject(inst);
  const ts = tsSubject();
  const tc = trace((x) => c.start(1, x, []));
  const tt = trace((x) => ts.start(1, x, []));
  if (tc !== tt) throw new Error(`the C and TypeScript protocols make different accesses:\nC  ${tc}\nTS ${tt}`);

  // raw: drive exec/use/free rounds, no explorer
  const rounds = quick ? 5_000 : 20_000;
  const raw = (s: Subject<Call, number>): number => {
    const mem = new Int32Array(4);
    const t = performance.now();
    let n = 0;
    for (let i = 0; i < rounds; i++) for (const call of ["exec", "use", "free"] as const) n += drive(s.start(1, call, []), mem);
    return n / ((performance.now() - t) / 1000);
  };
  const rawRates = { c: [] as number[], ts: [] as number[] };
  for (let r = 0; r < (quick ? 3 : 7); r++) {
    rawRates.ts.push(raw(ts));
    rawRates.c.push(raw(c));
  }
  const rc = median(rawRates.c), rt = median(rawRates.ts);
  rows.push(["raw: accesses/s, each call driven to its end", fmt(rc), fmt(rt), `${(rt / rc).toFixed(2)}×`]);

  // explorer, random strategy, 3 interpreters × (exec, use, free) × 2
  const calls: Call[] = ["exec", "use", "free", "exec", "use", "free"];
  const programs: Program<Call>[] = [1, 2, 3].map((interp) => ({ interp, calls }));
  const runs = quick ? 2_000 : 20_000;
  const random = (s: Subject<Call, number>) => explore(s, programs, { strategy: { kind: "random", runs, seed: 1 } });
  const rr = { c: random(c), ts: random(ts) };
  const sps = (x: typeof rr.c): number => x.stats.transitions / (x.stats.elapsedMs / 1000);
  const eps = (x: typeof rr.c): number => x.stats.executions / (x.stats.elapsedMs / 1000);
  rows.push([`random (${runs} runs, 3 interps): steps/s`, fmt(sps(rr.c)), fmt(sps(rr.ts)), `${(sps(rr.ts) / sps(rr.c)).toFixed(2)}×`]);
  rows.push([`random (${runs} runs, 3 interps): executions/s`, fmt(eps(rr.c)), fmt(eps(rr.ts)), `${(eps(rr.ts) / eps(rr.c)).toFixed(2)}×`]);

  // explorer, exhaustive, 3 interpreters × (exec, use, free)
  const once: Program<Call>[] = [1, 2, 3].map((interp) => ({ interp, calls: ["exec", "use", "free"] }));
  const ex = { c: explore(c, once, { strategy: { kind: "exhaustive" } }), ts: explore(ts, once, { strategy: { kind: "exhaustive" } }) };
  if (ex.c.stats.states !== ex.ts.stats.states) throw new Error(`exhaustive searches differ: C ${ex.c.stats.states} states, TS ${ex.ts.stats.states}`);
  const st = (x: typeof ex.c): number => x.stats.transitions / (x.stats.elapsedMs / 1000);
  rows.push([`exhaustive (3 interps, ${ex.c.stats.states} states, ${ex.c.stats.transitions} steps): steps/s`, fmt(st(ex.c)), fmt(st(ex.ts)), `${(st(ex.ts) / st(ex.c)).toFixed(2)}×`]);

  const head = ["measure", "C", "TypeScript", "TS/C"];
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (r: readonly string[]) => r.map((x, i) => x.padEnd(width[i] as number)).join("  ").trimEnd();
  console.log(line(head));
  console.log(width.map((w) => "-".repeat(w)).join("  "));
  for (const r of rows) console.log(line(r));
}

await main();
