/**
 * The stress worker: one interpreter. It loads the Subject and its program, meets the other
 * workers at a start barrier, then runs each call's implementation code on the real backend
 * (AtomicsMemory over the run's SharedArrayBuffer), recording progress in its slot so the parent
 * can see a hang even while this thread is blocked in `Atomics.wait`.
 *
 * Runs only as compiled JS (dist/impl/stress/worker.js): Node 20 cannot start a .ts worker.
 *
 * History entries are buffered and posted in chunks. So that a worker the parent must terminate
 * loses no completed entry, the buffer is also flushed before every `wait` access (the only place
 * the real backend blocks), every FLUSH_EVERY accesses within one call (a spin loop), when a call
 * throws, and when the thread exits.
 */
import { parentPort, workerData } from "node:worker_threads";
import { AccessOp, AtomicsMemory, type Code } from "../memory.js";
import {
  Go,
  Slot,
  type WireEntry,
  type WorkerInit,
  type WorkerMessage,
  OTHER_RESULTS,
  importExport,
  loadSubject,
  resultKey,
  slotOf,
} from "./protocol.js";

const FLUSH_EVERY = 1024;
const RESULT_KINDS = 32;

const init = workerData as WorkerInit;
const port = parentPort!;
const words = new Int32Array(init.buffer);
const memory = new AtomicsMemory(words, init.waitTimeoutMs);
const { layout, interp, recordHistory } = init;
const slot = slotOf(layout, interp);

let buffer: WireEntry[] = [];
let completed = 0;
const resultCounts: Record<string, number> = {};
let distinctResults = 0;

/** Counts a result by value, pooling values beyond the first RESULT_KINDS distinct ones under OTHER_RESULTS. */
function countResult(key: string): void {
  const n = resultCounts[key];
  if (n !== undefined) resultCounts[key] = n + 1;
  else if (distinctResults < RESULT_KINDS) {
    resultCounts[key] = 1;
    distinctResults++;
  } else resultCounts[OTHER_RESULTS] = (resultCounts[OTHER_RESULTS] ?? 0) + 1;
}

function post(message: WorkerMessage): void {
  port.postMessage(message);
}

function flush(): void {
  if (buffer.length === 0) return;
  post({ type: "entries", entries: buffer });
  buffer = [];
}

process.on("exit", flush);

/** Runs one call's code to completion on the real backend, flushing history before it may block. */
function drive<R>(code: Code<R>): R {
  let step = code.next();
  let accesses = 0;
  while (!step.done) {
    const access = step.value;
    if (buffer.length > 0 && (access.op === AccessOp.wait || ++accesses % FLUSH_EVERY === 0)) flush();
    step = code.next(memory.perform(access));
  }
  return step.value;
}

/** Meets the other workers so the calls start together (real contention from the first call). */
function barrier(): void {
  if (Atomics.add(words, layout.arrived, 1) + 1 === init.interpreters) {
    Atomics.store(words, layout.go, Go.go);
    Atomics.notify(words, layout.go);
  } else {
    while (Atomics.load(words, layout.go) === Go.waiting) Atomics.wait(words, layout.go, Go.waiting);
  }
}

async function program(): Promise<Iterable<unknown>> {
  const p = init.program;
  if (p.kind === "calls") return p.calls;
  const generate = await importExport(p.generator);
  if (typeof generate !== "function") throw new TypeError(`${p.generator.url}#${p.generator.export} is not a function`);
  return (generate as (thread: number, seed: number, length: number, options: unknown) => Iterable<unknown>)(init.thread, p.seed, p.length, p.options);
}

async function main(): Promise<void> {
  const subject = await loadSubject(init.subject);
  const calls = await program();
  barrier();
  let carry: readonly number[] = [];
  for (const raw of calls) {
    // The call as actually made: carried references (an index received earlier) filled in, so the
    // history records what the model must judge.
    const call = subject.resolve !== undefined ? subject.resolve(init.thread, raw, carry) : raw;
    const invoke = recordHistory ? Atomics.add(words, layout.clock, 1) : 0;
    Atomics.store(words, slot + Slot.invoke, invoke);
    Atomics.store(words, slot + Slot.started, completed + 1);
    const result = drive(subject.start(init.thread, call, carry));
    const respond = recordHistory ? Atomics.add(words, layout.clock, 1) : 0;
    if (subject.after !== undefined) carry = subject.after(init.thread, call, result, carry);
    if (recordHistory) {
      buffer.push({ index: completed, call, result, invoke, respond });
      if (buffer.length >= init.historyChunk) flush();
    } else {
      countResult(resultKey(result));
    }
    completed++;
    Atomics.store(words, slot + Slot.completed, completed);
  }
  flush();
  post({ type: "done", completed, resultCounts });
}

main().catch((err: unknown) => {
  flush();
  const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  post({ type: "threw", error, completed, resultCounts });
});
