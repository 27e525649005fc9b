import { describe, expect, it } from "vitest";
import {
  type Access,
  AccessOp,
  AtomicsMemory,
  type Code,
  WaitResult,
  cas,
  load,
  performPlain,
  store,
  wait,
} from "./memory.js";
import { PyMutexState, PyMutex_IsLocked, PyMutex_Lock, PyMutex_Unlock, PyMutex_WORDS, ShippedPyMutex_Lock, ShippedPyMutex_Unlock, StaticPyMutex_Lock } from "./pymutex.js";

// Word layout of the test memory: one PyMutex, then a plain counter the critical sections bump.
const LOCK = 0;
const OWNER = 1;
const COUNTER = PyMutex_WORDS;
const WORDS = PyMutex_WORDS + 1;

/**
 * A tiny interleaving driver (not an explorer): runs generator "threads" on a plain Int32Array,
 * one shared access per step, in an order the test dictates. `wait` blocks the thread while the
 * word equals the expected value; `notify` wakes blocked threads in the order they went to sleep.
 */
class Interleaving {
  readonly mem = new Int32Array(WORDS);
  private readonly threads: {
    code: Code<unknown>;
    pending: Access | undefined;
    result: unknown;
    blocked: boolean;
  }[] = [];
  private sleepers: number[] = [];

  constructor(programs: readonly ((interp: number) => Code<unknown>)[]) {
    programs.forEach((p, i) => {
      const t = { code: p(i + 1), pending: undefined as Access | undefined, result: undefined as unknown, blocked: false };
      this.threads.push(t);
      this.resume(i, 0);
    });
  }

  private resume(i: number, value: number): void {
    const t = this.threads[i]!;
    let r = t.code.next(value);
    // Loop checkpoints are promises to the explorer, not scheduling points: step over them.
    while (!r.done && r.value.op === AccessOp.checkpoint) r = t.code.next(0);
    if (r.done) {
      t.pending = undefined;
      t.result = r.value;
    } else t.pending = r.value;
  }

  runnable(): number[] {
    return this.threads.flatMap((t, i) => (t.pending !== undefined && !t.blocked ? [i] : []));
  }

  done(): boolean {
    return this.threads.every((t) => t.pending === undefined);
  }

  results(): unknown[] {
    return this.threads.map((t) => t.result);
  }

  /** Performs thread i's next access (thread indices are 0-based; interpreter ids are i + 1). */
  step(i: number): void {
    const t = this.threads[i];
    if (t?.pending === undefined || t.blocked) throw new Error(`thread ${i} cannot move`);
    const a = t.pending;
    if (a.op === AccessOp.wait) {
      if (this.mem[a.addr] !== a.a) return this.resume(i, WaitResult.notEqual);
      t.blocked = true;
      this.sleepers.push(i);
      return;
    }
    if (a.op === AccessOp.notify) {
      const woken = this.sleepers.filter((s) => this.threads[s]!.pending!.addr === a.addr).slice(0, a.a);
      this.sleepers = this.sleepers.filter((s) => !woken.includes(s));
      for (const s of woken) {
        this.threads[s]!.blocked = false;
        this.resume(s, WaitResult.woken);
      }
      return this.resume(i, woken.length);
    }
    this.resume(i, performPlain(this.mem, a));
  }

  /** Runs `[thread, steps]` slices in order. */
  run(slices: readonly (readonly [number, number])[]): this {
    for (const [i, n] of slices) for (let k = 0; k < n; k++) this.step(i);
    return this;
  }

  /**
   * Runs to the end choosing the next thread with a seeded generator (mulberry32). Returns
   * "done", or "deadlock" when threads remain but all are blocked.
   */
  runSeeded(seed: number, maxSteps = 100_000): "done" | "deadlock" {
    let s = seed >>> 0;
    const rand = (): number => {
      s = (s + 0x6d2b79f5) >>> 0;
      let t = s;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
    };
    for (let n = 0; n < maxSteps; n++) {
      if (this.done()) return "done";
      const r = this.runnable();
      if (r.length === 0) return "deadlock";
      this.step(r[Math.floor(rand() * r.length)]!);
    }
    throw new Error(`exceeded max steps (${maxSteps}): likely a spin loop`);
  }
}

type Lock = (lockAddr: number, ownerAddr: number, interp: number) => Code<"acquired" | "reentrant">;
type Unlock = (lockAddr: number, ownerAddr: number, interp: number) => Code<boolean>;

/** A client: `rounds` times lock, non-atomic load-then-store increment of COUNTER, unlock. */
const incrementer =
  (lock: Lock, unlock: Unlock, rounds: number) =>
  function* (interp: number): Code<string> {
    for (let r = 0; r < rounds; r++) {
      const got = yield* lock(LOCK, OWNER, interp);
      if (got !== "acquired") return `lock returned ${got}`;
      const v = yield load(COUNTER);
      yield store(COUNTER, v + 1);
      if (!(yield* unlock(LOCK, OWNER, interp))) return "unlock refused";
    }
    return "ok";
  };

// Deliberately broken mutexes, to show the checks below catch what they claim to catch.
/** Test-then-set with a plain load and store (of 2, so unlock notifies): two lockers can both see 0. */
function* testThenSetLock(lockAddr: number, ownerAddr: number, interp: number): Code<"acquired" | "reentrant"> {
  for (;;) {
    if ((yield load(lockAddr)) === 0) break;
    yield wait(lockAddr, 2);
  }
  yield store(lockAddr, 2);
  yield store(ownerAddr, interp);
  return "acquired";
}
/** Unlock that forgets to notify: a sleeping waiter is never woken (lost wake-up). */
function* silentUnlock(lockAddr: number, ownerAddr: number, interp: number): Code<boolean> {
  if ((yield load(ownerAddr)) !== interp) return false;
  yield store(ownerAddr, 0);
  yield store(lockAddr, 0);
  return true;
}
/** Lock whose contended path skips "maybe waiters" (cas 0→1 then wait on 1): unlock never notifies. */
function* noWaitersMarkLock(lockAddr: number, ownerAddr: number, interp: number): Code<"acquired" | "reentrant"> {
  while ((yield cas(lockAddr, 0, 1)) !== 0) yield wait(lockAddr, 1);
  yield store(ownerAddr, interp);
  return "acquired";
}

const SEEDS = Array.from({ length: 300 }, (_, i) => i + 1);

/** Runs three incrementers under every seed; reports the first seed that loses an update or deadlocks. */
function firstFailure(lock: Lock, unlock: Unlock): string | undefined {
  const rounds = 3;
  for (const seed of SEEDS) {
    const run = new Interleaving([0, 1, 2].map(() => incrementer(lock, unlock, rounds)));
    const outcome = run.runSeeded(seed);
    if (outcome === "deadlock") return `seed ${seed}: deadlock`;
    if (run.mem[COUNTER] !== 3 * rounds) return `seed ${seed}: counter ${run.mem[COUNTER]} != ${3 * rounds}`;
    if (run.results().some((r) => r !== "ok")) return `seed ${seed}: ${run.results().join(", ")}`;
    if (run.mem[LOCK] !== 0 || run.mem[OWNER] !== 0) return `seed ${seed}: left locked`;
  }
  return undefined;
}

describe("PyMutex on the controlled backend (fixed interleavings)", () => {
  const lockThenUnlock = function* (interp: number): Code<unknown[]> {
    const a = yield* PyMutex_Lock(LOCK, OWNER, interp);
    const b = yield* PyMutex_Unlock(LOCK, OWNER, interp);
    return [a, b];
  };

  it.each([
    {
      name: "a second locker sleeps on the word and the holder's unlock wakes it",
      // A: load owner, cas, store owner. B: load owner, cas (fails), exchange(2), wait (sleeps).
      // A unlock: load owner, store owner, sub (was 2), store 0, notify. B: exchange (0), store owner.
      slices: [[0, 3], [1, 4], [0, 5], [1, 2], [1, 5]] as const,
      results: [["acquired", true], ["acquired", true]],
    },
    {
      name: "an unlock that lands between the waiter's exchange and its wait is not lost",
      // B marks the word 2, then A unlocks completely before B sleeps: B's wait sees 0 (not-equal).
      slices: [[0, 3], [1, 3], [0, 5], [1, 3], [1, 5]] as const,
      results: [["acquired", true], ["acquired", true]],
    },
    {
      name: "two lockers racing on the first cas: exactly one wins, the other sleeps",
      slices: [[0, 1], [1, 1], [0, 1], [1, 1], [0, 1], [1, 2], [0, 5], [1, 2], [1, 5]] as const,
      results: [["acquired", true], ["acquired", true]],
    },
  ])("$name", ({ slices, results }) => {
    const run = new Interleaving([lockThenUnlock, lockThenUnlock]).run(slices);
    expect(run.done()).toBe(true);
    expect(run.results()).toEqual(results);
    expect([...run.mem]).toEqual([0, 0, 0]);
  });

  it("a sleeping locker stays asleep while the mutex is held", () => {
    const run = new Interleaving([lockThenUnlock, lockThenUnlock]).run([[0, 3], [1, 4]]);
    expect(run.runnable()).toEqual([0]);
    expect(run.mem[LOCK]).toBe(PyMutexState.lockedWithWaiters);
    expect(run.mem[OWNER]).toBe(1);
  });

  it("an unlock by an interpreter that does not hold the mutex is refused and changes nothing", () => {
    const run = new Interleaving([
      (i) => PyMutex_Lock(LOCK, OWNER, i),
      (i) => PyMutex_Unlock(LOCK, OWNER, i),
    ]).run([[0, 3], [1, 1]]);
    expect(run.results()).toEqual(["acquired", false]);
    expect([...run.mem]).toEqual([PyMutexState.locked, 1, 0]);
  });

  it("locking a mutex one already holds is reported as reentrant, not a deadlock", () => {
    const run = new Interleaving([
      function* (i) {
        const first = yield* PyMutex_Lock(LOCK, OWNER, i);
        const second = yield* PyMutex_Lock(LOCK, OWNER, i);
        return [first, second];
      },
    ]);
    expect(run.runSeeded(1)).toBe("done");
    expect(run.results()).toEqual([["acquired", "reentrant"]]);
    expect([...run.mem]).toEqual([PyMutexState.locked, 1, 0]);
  });

  it("three interpreters incrementing under the mutex never lose an update, deadlock or leave it locked", () => {
    expect(firstFailure(PyMutex_Lock, PyMutex_Unlock)).toBeUndefined();
  });

  it.each([
    { name: "a test-then-set lock loses updates", lock: testThenSetLock, unlock: PyMutex_Unlock, found: /counter/ },
    { name: "an unlock that never notifies deadlocks", lock: PyMutex_Lock, unlock: silentUnlock, found: /deadlock/ },
    { name: "a lock that never marks waiters deadlocks", lock: noWaitersMarkLock, unlock: PyMutex_Unlock, found: /deadlock/ },
  ])("the same check catches a broken mutex: $name", ({ lock, unlock, found }) => {
    expect(firstFailure(lock, unlock)).toMatch(found);
  });
});

describe("an extension's static PyMutex (StaticPyMutex_Lock: the shipped lock, with the owner word kept for the checker)", () => {
  const staticLock: Lock = function* (lockAddr, ownerAddr, interp) {
    yield* StaticPyMutex_Lock(lockAddr, ownerAddr, interp);
    return "acquired";
  };

  it("a second lock by the holder waits for itself: a self-deadlock, where PyMutex_Lock answers reentrant", () => {
    const run = new Interleaving([
      function* (i) {
        yield* StaticPyMutex_Lock(LOCK, OWNER, i);
        yield* StaticPyMutex_Lock(LOCK, OWNER, i);
        return "relocked";
      },
    ]);
    expect(run.runSeeded(1)).toBe("deadlock");
    expect(run.results()).toEqual([undefined]);
    expect([...run.mem]).toEqual([PyMutexState.lockedWithWaiters, 1, 0]);
  });

  it("an uncontended lock takes the word with one cas and records the holder in the owner word", () => {
    const run = new Interleaving([(i) => staticLock(LOCK, OWNER, i)]).run([[0, 2]]);
    expect(run.results()[0]).toBe("acquired");
    expect([...run.mem]).toEqual([PyMutexState.locked, 1, 0]);
  });

  it("three interpreters incrementing under it never lose an update, deadlock or leave it locked", () => {
    expect(firstFailure(staticLock, PyMutex_Unlock)).toBeUndefined();
  });
});

describe("PyMutex on the real backend (AtomicsMemory)", () => {
  it("locks, reports re-entry, refuses a non-holder's unlock, and unlocks back to zero", () => {
    const m = AtomicsMemory.allocate(WORDS);
    expect(m.run(PyMutex_IsLocked(LOCK))).toBe(false);
    expect(m.run(PyMutex_Lock(LOCK, OWNER, 3))).toBe("acquired");
    expect(m.run(PyMutex_IsLocked(LOCK))).toBe(true);
    expect(m.run(PyMutex_Lock(LOCK, OWNER, 3))).toBe("reentrant");
    expect(m.run(PyMutex_Unlock(LOCK, OWNER, 2))).toBe(false);
    expect([...m.words]).toEqual([PyMutexState.locked, 3, 0]);
    expect(m.run(PyMutex_Unlock(LOCK, OWNER, 3))).toBe(true);
    expect(m.run(PyMutex_Unlock(LOCK, OWNER, 3))).toBe(false);
    expect([...m.words]).toEqual([0, 0, 0]);
  });

  it("an unlock of a word marked 'maybe waiters' stores zero and notifies", () => {
    const m = AtomicsMemory.allocate(WORDS);
    m.words.set([PyMutexState.lockedWithWaiters, 1, 0]);
    const seen: string[] = [];
    const code = PyMutex_Unlock(LOCK, OWNER, 1);
    let step = code.next();
    while (!step.done) {
      if (step.value.op !== AccessOp.checkpoint) seen.push(`${step.value.op}`); // checkpoints are not accesses
      step = code.next(m.perform(step.value));
    }
    expect(step.value).toBe(true);
    expect(seen).toEqual([AccessOp.load, AccessOp.store, AccessOp.sub, AccessOp.store, AccessOp.notify].map(String));
    expect([...m.words]).toEqual([0, 0, 0]);
  });

  it("a locker blocked on a held mutex sleeps in Atomics.wait rather than spinning", () => {
    // With a finite wait timeout, each timed-out wait is followed by exactly one exchange: count them.
    const m = AtomicsMemory.allocate(WORDS, 5);
    m.run(PyMutex_Lock(LOCK, OWNER, 1));
    const code = PyMutex_Lock(LOCK, OWNER, 2);
    let step = code.next();
    let waits = 0;
    let accesses = 0;
    while (!step.done && waits < 4) {
      if (step.value.op === AccessOp.wait) waits++;
      if (step.value.op !== AccessOp.checkpoint) accesses++; // checkpoints are not shared accesses
      step = code.next(m.perform(step.value));
    }
    // load owner, cas, exchange, then (wait, exchange) per round: no access happens without a wait.
    expect(accesses).toBe(3 + 2 * 4 - 1);
    expect(m.words[LOCK]).toBe(PyMutexState.lockedWithWaiters);
  });
});

describe("the shipped PyMutex (no owner) on the controlled backend", () => {
  const shippedLock: Lock = function* (lockAddr) {
    yield* ShippedPyMutex_Lock(lockAddr);
    return "acquired";
  };
  const shippedUnlock: Unlock = (lockAddr) => ShippedPyMutex_Unlock(lockAddr);

  it("a second lock by the holder waits for itself: a self-deadlock", () => {
    const run = new Interleaving([
      function* () {
        yield* ShippedPyMutex_Lock(LOCK);
        yield* ShippedPyMutex_Lock(LOCK);
        return "relocked";
      },
    ]);
    expect(run.runSeeded(1)).toBe("deadlock");
  });

  it("any interpreter may unlock it, and unlocking it while unlocked is refused (CPython: Py_FatalError)", () => {
    const run = new Interleaving([
      function* () {
        yield* ShippedPyMutex_Lock(LOCK);
        return "locked";
      },
      function* () {
        const first = yield* ShippedPyMutex_Unlock(LOCK);
        const second = yield* ShippedPyMutex_Unlock(LOCK);
        return [first, second];
      },
    ]);
    run.run([[0, 1]]);
    while (!run.done()) run.step(run.runnable()[0]!);
    expect(run.results()).toEqual(["locked", [true, false]]);
    expect(run.mem[LOCK]).toBe(PyMutexState.unlocked);
  });

  it("three interpreters incrementing under it never lose an update, deadlock or leave it locked", () => {
    for (let seed = 1; seed <= 200; seed++) {
      const run = new Interleaving([1, 2, 3].map(() => incrementer(shippedLock, shippedUnlock, 3)));
      expect(run.runSeeded(seed)).toBe("done");
      expect(run.mem[COUNTER]).toBe(9);
      expect(run.mem[LOCK]).toBe(PyMutexState.unlocked);
    }
  });
});
