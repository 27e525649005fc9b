import { describe, expect, it } from "vitest";
import { implementations } from "../../impl/index.js";
import { AccessOp, load, loopEnter, loopHead, store, wait, type Code } from "../../impl/memory.js";
import { module_slots, ModuleSlots } from "../../impl/module_slots.js";
import { mutants } from "../../impl/mutants/index.js";
import { PyMutex_Lock, PyMutex_Unlock } from "../../impl/pymutex.js";
import type { Discipline, Program, Subject } from "../../impl/subject.js";
import { familyNames, type FamilyName } from "../../model/index.js";
import { typicalPrograms } from "../workload/typical-programs.js";
import { explore } from "./index.js";
import { judgedRun, mutantProperty, type Exhaustive } from "../../test/judged-runs.js";
import { Machine } from "./machine.js";

/** A family's typical program under the online judge; every terminal outcome and memory the search reached. */
function run(family: FamilyName, n: number, strategy: Exhaustive) {
  const config = { interpreters: n, capacity: 4 };
  return judgedRun(family, implementations[family](config), config, typicalPrograms(family, n, 1), strategy);
}

// ---- a two-word-per-mutex fixture over impl/pymutex.ts ---------------------------------------

/** Words: lock A, owner A, lock B, owner B, the counter A protects. */
const A = { lock: 0, owner: 1 };
const B = { lock: 2, owner: 3 };
const COUNTER = 4;
type Mutex = typeof A;
type Lock = (m: Mutex, interp: number) => Code<unknown>;
type Unlock = (m: Mutex, interp: number) => Code<unknown>;

const pyLock: Lock = (m, interp) => PyMutex_Lock(m.lock, m.owner, interp);
const pyUnlock: Unlock = (m, interp) => PyMutex_Unlock(m.lock, m.owner, interp);

/** Deliberately broken mutexes (impl/pymutex.test.ts has them too): each fails the exhaustive check below. */
function* silentUnlock(m: Mutex): Code<boolean> {
  // a lost wake-up: hands the word back to 0 and never notifies a sleeper
  yield store(m.owner, 0);
  yield store(m.lock, 0);
  return true;
}
function* testThenSetLock(m: Mutex, interp: number): Code<void> {
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

type Call = { readonly kind: "increment" } | { readonly kind: "both"; readonly first: "A" | "B" };

/** A fixture Subject: `increment` adds one to the counter under A; `both` takes A and B in the given order. */
function mutexSubject(lock: Lock, unlock: Unlock, sectionLocks: readonly number[], withDisciplines = true): Subject<Call, number> {
  return {
    name: "litmus/section-locks",
    words: 5,
    sectionLocks,
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

const increments = (n: number, rounds: number): Program<Call>[] =>
  Array.from({ length: n }, (_, i) => ({ interp: i + 1, calls: Array.from({ length: rounds }, () => ({ kind: "increment" as const })) }));

/** Explores `programs` exhaustively; a finished execution must leave the counter at `expected` and both mutexes free. */
function exploreMutex(subject: Subject<Call, number>, programs: Program<Call>[], lockSections: boolean, expected = 0) {
  return explore(subject, programs, {
    strategy: { kind: "exhaustive", lockSections },
    check: (e) => {
      if (e.outcome === "deadlock") return { property: "P6", message: "every unfinished interpreter is blocked" };
      if (e.outcome !== "finished") return undefined;
      if (e.memory[COUNTER] !== expected) return { property: "P1", message: `counter ${e.memory[COUNTER]}, expected ${expected}: a lost update` };
      if (e.memory[A.lock] !== 0 || e.memory[B.lock] !== 0) return { property: "P6", message: "a mutex left locked" };
      return undefined;
    },
  });
}

describe("lock sections (an uncontended section of a declared PyMutex runs as one step: Lipton's reduction)", () => {
  it.each(familyNames.map((family) => ({ family })))(
    "keep the verdict and every terminal state of $family's typical program under the judge (N=2), with fewer states",
    ({ family }) => {
      const without = run(family, 2, { kind: "exhaustive", lockSections: false });
      const folded = run(family, 2, { kind: "exhaustive", lockSections: true });
      expect(folded.r.verdict).toBe("ok");
      expect(without.r.verdict).toBe("ok");
      expect(folded.finals).toEqual(without.finals);
      expect(folded.r.stats.states).toBeLessThan(without.r.stats.states);
      expect(folded.r.coverage.sentence).toMatch(/lock sections \([1-9]\d* times an uncontended section of the section locks? runtime\.lock/);
      expect(without.r.coverage.sentence).not.toContain("lock sections");
    },
  );

  it("keep every terminal state of module_slots at N=3, with a tenth of the states or fewer", () => {
    const without = run("module_slots", 3, { kind: "exhaustive", lockSections: false });
    const folded = run("module_slots", 3, { kind: "exhaustive", lockSections: true });
    expect(folded.r.verdict).toBe(without.r.verdict);
    expect(folded.finals).toEqual(without.finals);
    expect(folded.r.stats.states * 10).toBeLessThan(without.r.stats.states);
  });

  it("find every seeded bug the search without them finds", () => {
    for (const m of mutants) expect(mutantProperty(m, { kind: "exhaustive", lockSections: true }), m.id).toBe(mutantProperty(m, { kind: "exhaustive", lockSections: false }));
  });

  it("are declared only for a runtime lock taken with impl/pymutex.ts's own code: a variant with its own lockRuntime loses the runtime lock's", () => {
    const config = { interpreters: 2, capacity: 4 };
    class OwnRuntimeLock extends ModuleSlots {
      override *lockRuntime(interp: number): Code<void> {
        yield* super.lockRuntime(interp);
      }
    }
    const plain = module_slots(config);
    const variant = module_slots(config, new OwnRuntimeLock(config), "module_slots/own-runtime-lock");
    const runtimeLock = plain.wordNames?.()["runtime.lock"];
    expect(plain.sectionLocks).toContain(runtimeLock);
    expect(variant.sectionLocks).not.toContain(runtimeLock);
    expect(variant.sectionLocks?.length).toBe((plain.sectionLocks?.length ?? 0) - 1);
  });

  it("keep the counter's every terminal state and lose no update with three incrementers (the fixture), in fewer states", () => {
    const subject = mutexSubject(pyLock, pyUnlock, [A.lock, B.lock]);
    const without = exploreMutex(subject, increments(3, 2), false, 6);
    const folded = exploreMutex(subject, increments(3, 2), true, 6);
    expect(without.verdict).toBe("ok");
    expect(folded.verdict).toBe("ok");
    expect(folded.stats.states).toBeLessThan(without.stats.states);
  });

  it("never take two acquires in one step: of two mutexes taken in opposite orders, a step takes one, and the deadlock is reached", () => {
    const subject = mutexSubject(pyLock, pyUnlock, [A.lock, B.lock]);
    const programs: Program<Call>[] = [
      { interp: 1, calls: [{ kind: "both", first: "A" }] },
      { interp: 2, calls: [{ kind: "both", first: "B" }] },
    ];
    const m = new Machine(subject, programs, false);
    m.assumeQuiet(new Int8Array(subject.words)); // no word quiet, but the reduced search's machine
    m.foldLockSections(true);
    for (let k = 0; k < 5 && m.mem[A.lock] === 0; k++) m.step(0);
    // interp 1 holds A; its acquire of B is its next step, not part of the one that took A
    expect([m.mem[A.lock], m.mem[B.lock]]).toEqual([1, 0]);
    expect(m.pending(0)).toMatchObject({ op: AccessOp.cas, addr: B.lock });
    for (let k = 0; k < 5 && m.mem[B.lock] === 0; k++) m.step(1);
    expect([m.mem[A.lock], m.mem[B.lock]]).toEqual([1, 1]);
    for (let k = 0; k < 20 && !m.deadlocked(); k++) m.step(m.isEnabled(0) ? 0 : 1);
    expect(m.deadlocked()).toBe(true);
    // a section whose body needs no second lock runs whole: acquire, increment, release in one step
    const inc = new Machine(subject, increments(1, 1), false);
    inc.assumeQuiet(new Int8Array(subject.words));
    inc.foldLockSections(true);
    for (let k = 0; k < 5 && inc.mem[A.lock] === 0 && !inc.allFinished(); k++) inc.step(0);
    expect(inc.allFinished()).toBe(true);
    expect(inc.mem[COUNTER]).toBe(1);
  });

  it("trust the mutex, as the sharing disciplines do: its contended paths, searched exhaustively with neither, keep the counter for three interpreters × two rounds, and a broken mutex fails that search", () => {
    // the premise of the reduction (and of `protectedBy`), checked on PyMutex itself: every access a scheduling point
    const bare = (lock: Lock, unlock: Unlock) => mutexSubject(lock, unlock, [], false);
    expect(exploreMutex(bare(pyLock, pyUnlock), increments(3, 2), false, 6).verdict).toBe("ok");
    expect(exploreMutex(bare(pyLock, silentUnlock), increments(2, 1), false, 2).violation?.message).toMatch(/blocked/);
    expect(exploreMutex(bare(testThenSetLock, pyUnlock), increments(2, 1), false, 2).violation?.message).toMatch(/lost update/);
    // ...which a folded search, never contending for the lock, would not see: why only PyMutex's own words are declared
    expect(exploreMutex(mutexSubject(pyLock, silentUnlock, [A.lock]), increments(2, 1), true, 2).verdict).toBe("ok");
  });
});
