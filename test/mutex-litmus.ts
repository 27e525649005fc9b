/**
 * A litmus Subject over impl/pymutex.ts for the lock reductions' tests (properties/explorer/
 * sections.test.ts, blockingAcquires.test.ts): two mutexes of two words each and a counter the
 * first protects, locked with PyMutex, with the shipped PyMutex, or with a deliberately broken lock.
 */
import { load, loopEnter, loopHead, store, wait, type Code } from "../impl/memory.js";
import { PyMutex_Lock, PyMutex_Unlock, ShippedPyMutex_Lock, ShippedPyMutex_Unlock } from "../impl/pymutex.js";
import type { Discipline, Program, Subject } from "../impl/subject.js";
import { explore, type ExploreResult } from "../properties/explorer/index.js";
import type { Exhaustive } from "./judged-runs.js";

/** Words: lock A, owner A, lock B, owner B, the counter A protects. */
export const A = { lock: 0, owner: 1 };
export const B = { lock: 2, owner: 3 };
export const COUNTER = 4;
export type Mutex = typeof A;
export type Lock = (m: Mutex, interp: number) => Code<unknown>;
export type Unlock = (m: Mutex, interp: number) => Code<unknown>;

export const pyLock: Lock = (m, interp) => PyMutex_Lock(m.lock, m.owner, interp);
export const pyUnlock: Unlock = (m, interp) => PyMutex_Unlock(m.lock, m.owner, interp);
/** CPython's PyMutex as shipped: no owner word (static_mutex's client lock). */
export const shippedLock: Lock = (m) => ShippedPyMutex_Lock(m.lock);
export const shippedUnlock: Unlock = (m) => ShippedPyMutex_Unlock(m.lock);

/** Deliberately broken mutexes (impl/pymutex.test.ts has them too): each fails the exhaustive premise search. */
export function* silentUnlock(m: Mutex): Code<boolean> {
  // a lost wake-up: hands the word back to 0 and never notifies a sleeper
  yield store(m.owner, 0);
  yield store(m.lock, 0);
  return true;
}
export function* testThenSetLock(m: Mutex, interp: number): Code<void> {
  // two lockers can both see 0
  yield loopEnter(m.lock);
  for (;;) {
    yield loopHead(m.lock, 0);
    if ((yield load(m.lock)) === 0) break;
    yield wait(m.lock, 2);
  }
  yield loopHead(m.lock, 1);
  yield store(m.lock, 2);
  yield store(m.owner, interp);
}

const disciplines = new Map<number, Discipline>([
  [A.owner, "owner"],
  [B.owner, "owner"],
  [COUNTER, { protectedBy: A.owner }],
]);

export type Call = { readonly kind: "increment" } | { readonly kind: "both"; readonly first: "A" | "B" };

/** What the litmus Subject declares of its mutexes' lock words (Subject.sectionLocks, Subject.trustedMutexes). */
export interface Declared {
  readonly sectionLocks?: readonly number[];
  readonly trustedMutexes?: readonly number[];
}

/** A fixture Subject: `increment` adds one to the counter under A; `both` takes A and B in the given order. */
export function mutexSubject(lock: Lock, unlock: Unlock, declared: Declared, withDisciplines = true): Subject<Call, number> {
  return {
    name: "litmus/mutexes",
    words: 5,
    ...declared,
    ...(withDisciplines ? { discipline: (addr: number) => disciplines.get(addr) } : {}),
    *start(interp, call): Code<number> {
      if (call.kind === "increment") {
        yield* lock(A, interp);
        const v = yield load(COUNTER);
        yield store(COUNTER, v + 1);
        yield* unlock(A, interp);
        return v;
      }
      const [first, second] = call.first === "A" ? [A, B] : [B, A];
      yield* lock(first, interp);
      yield* lock(second, interp);
      yield* unlock(second, interp);
      yield* unlock(first, interp);
      return 0;
    },
  };
}

/** n interpreters, each incrementing the counter `rounds` times. */
export const increments = (n: number, rounds: number): Program<Call>[] =>
  Array.from({ length: n }, (_, i) => ({ interp: i + 1, calls: Array.from({ length: rounds }, () => ({ kind: "increment" as const })) }));

/** Two interpreters taking A and B in opposite orders. */
export const oppositeOrders: Program<Call>[] = [
  { interp: 1, calls: [{ kind: "both", first: "A" }] },
  { interp: 2, calls: [{ kind: "both", first: "B" }] },
];

/**
 * Explores `programs` exhaustively with `strategy` (its reductions); a finished execution must leave
 * the counter at `expected` and both mutexes free; every terminal memory reached is in `finals`.
 */
export function exploreMutex(subject: Subject<Call, number>, programs: Program<Call>[], strategy: Partial<Exhaustive>, expected = 0): ExploreResult<Call, number> & { readonly finals: readonly string[] } {
  const seen = new Set<string>();
  const r = explore(subject, programs, {
    strategy: { kind: "exhaustive", ...strategy },
    check: (e) => {
      seen.add(`${e.outcome}:${[...e.memory].join(",")}`);
      if (e.outcome === "deadlock") return { property: "P6", message: "every unfinished interpreter is blocked" };
      if (e.outcome !== "finished") return undefined;
      if (e.memory[COUNTER] !== expected) return { property: "P1", message: `counter ${e.memory[COUNTER]}, expected ${expected}: a lost update` };
      if (e.memory[A.lock] !== 0 || e.memory[B.lock] !== 0) return { property: "P6", message: "a mutex left locked" };
      return undefined;
    },
  });
  return { ...r, finals: [...seen].sort() };
}
