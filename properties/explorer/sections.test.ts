import { describe, expect, it } from "vitest";
import { AccessOp, type Code } from "../../impl/memory.js";
import { module_slots, ModuleSlots } from "../../impl/module_slots.js";
import { mutants } from "../../impl/mutants/index.js";
import { familyNames } from "../../model/index.js";
import { mutantProperty, typicalRun } from "../../test/judged-runs.js";
import { A, B, COUNTER, exploreMutex, increments, mutexSubject, oppositeOrders, pyLock, pyUnlock, shippedLock, shippedUnlock, silentUnlock, testThenSetLock, type Lock, type Unlock } from "../../test/mutex-litmus.js";
import { Machine } from "./machine.js";

describe("lock sections (an uncontended section of a declared PyMutex runs as one step: Lipton's reduction)", () => {
  it.each(familyNames.map((family) => ({ family })))(
    "keep the verdict and every terminal state of $family's typical program under the judge (N=2), with fewer states",
    ({ family }) => {
      const without = typicalRun(family, 2, { kind: "exhaustive", lockSections: false, blockingAcquires: false });
      const folded = typicalRun(family, 2, { kind: "exhaustive", lockSections: true, blockingAcquires: false });
      expect(folded.r.verdict).toBe("ok");
      expect(without.r.verdict).toBe("ok");
      expect(folded.finals).toEqual(without.finals);
      expect(folded.r.stats.states).toBeLessThan(without.r.stats.states);
      expect(folded.r.coverage.sentence).toMatch(/lock sections \([1-9]\d* times an uncontended section of the section locks? runtime\.lock/);
      expect(without.r.coverage.sentence).not.toContain("lock sections");
    },
  );

  it("keep every terminal state of module_slots at N=3, with a tenth of the states or fewer", () => {
    const without = typicalRun("module_slots", 3, { kind: "exhaustive", lockSections: false, blockingAcquires: false });
    const folded = typicalRun("module_slots", 3, { kind: "exhaustive", lockSections: true, blockingAcquires: false });
    expect(folded.r.verdict).toBe(without.r.verdict);
    expect(folded.finals).toEqual(without.finals);
    expect(folded.r.stats.states * 10).toBeLessThan(without.r.stats.states);
  });

  it("find every seeded bug the search without them finds", () => {
    for (const m of mutants) expect(mutantProperty(m, { kind: "exhaustive", lockSections: true, blockingAcquires: false }), m.id).toBe(mutantProperty(m, { kind: "exhaustive", lockSections: false, blockingAcquires: false }));
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
    const subject = mutexSubject(pyLock, pyUnlock, { sectionLocks: [A.lock, B.lock] });
    const without = exploreMutex(subject, increments(3, 2), { lockSections: false }, 6);
    const folded = exploreMutex(subject, increments(3, 2), { lockSections: true }, 6);
    expect(without.verdict).toBe("ok");
    expect(folded.verdict).toBe("ok");
    expect(folded.finals).toEqual(without.finals);
    expect(folded.stats.states).toBeLessThan(without.stats.states);
  });

  it("never take two acquires in one step: of two mutexes taken in opposite orders, a step takes one, and the deadlock is reached", () => {
    const subject = mutexSubject(pyLock, pyUnlock, { sectionLocks: [A.lock, B.lock] });
    const m = new Machine(subject, oppositeOrders, false);
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
    const bare = (lock: Lock, unlock: Unlock) => mutexSubject(lock, unlock, {}, false);
    const alone = { lockSections: false, quietWords: false, sleepSets: false } as const;
    expect(exploreMutex(bare(pyLock, pyUnlock), increments(3, 2), alone, 6).verdict).toBe("ok");
    // the shipped PyMutex (static_mutex's client lock): the same futex lock, a compare-and-swap release
    expect(exploreMutex(bare(shippedLock, shippedUnlock), increments(3, 2), alone, 6).verdict).toBe("ok");
    expect(exploreMutex(bare(pyLock, silentUnlock), increments(2, 1), alone, 2).violation?.message).toMatch(/blocked/);
    expect(exploreMutex(bare(testThenSetLock, pyUnlock), increments(2, 1), alone, 2).violation?.message).toMatch(/lost update/);
    // ...which a folded search, never contending for the lock, would not see: why only PyMutex's own words are declared
    expect(exploreMutex(mutexSubject(pyLock, silentUnlock, { sectionLocks: [A.lock] }), increments(2, 1), { lockSections: true }, 2).verdict).toBe("ok");
  });
});
