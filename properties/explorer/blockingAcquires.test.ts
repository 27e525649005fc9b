import { describe, expect, it } from "vitest";
import { implementations } from "../../impl/index.js";
import { AccessOp, cas, load, notify, store, sub, type Code } from "../../impl/memory.js";
import type { Subject } from "../../impl/subject.js";
import { mutants } from "../../impl/mutants/index.js";
import { familyNames, type FamilyName } from "../../model/index.js";
import { mutantProperty, typicalRun, type Exhaustive } from "../../test/judged-runs.js";
import { A, B, exploreMutex, increments, mutexSubject, oppositeOrders, pyLock, pyUnlock, shippedLock, shippedUnlock, silentUnlock } from "../../test/mutex-litmus.js";
import { MutexTrustBroken } from "./engine/blockingAcquires.js";
import { explore } from "./index.js";
import { Machine, wordMask } from "./machine.js";

const on: Exhaustive = { kind: "exhaustive", blockingAcquires: true };
const off: Exhaustive = { kind: "exhaustive", blockingAcquires: false };
/** The families whose typical program takes a client lock across calls: blocking acquires reduce them most. */
const clientLockFamilies: readonly FamilyName[] = ["global_lock", "refcounted_lock", "static_mutex"];

describe("blocking acquires (a locker waits at its compare-and-swap while a trusted PyMutex is held, instead of the futex slow path)", () => {
  it.each(familyNames.flatMap((family) => [2, 3].map((n) => ({ family, n }))))(
    "keep the verdict and every terminal state of $family's typical program under the judge (N=$n), in no more states",
    ({ family, n }) => {
      const without = typicalRun(family, n, off);
      const blocking = typicalRun(family, n, on);
      expect(without.r.verdict).toBe("ok");
      expect(blocking.r.verdict).toBe("ok");
      expect(blocking.finals).toEqual(without.finals);
      expect(blocking.r.stats.states).toBeLessThanOrEqual(without.r.stats.states);
      if (clientLockFamilies.includes(family) && n === 3) expect(blocking.r.stats.states * 5).toBeLessThan(without.r.stats.states);
      expect(blocking.r.coverage.sentence).toMatch(/blocking acquires \(a locker waits at its winning compare-and-swap while the trusted mutex(es)? runtime\.lock/);
      expect(without.r.coverage.sentence).not.toContain("blocking acquires");
    },
  );

  it("find every seeded bug the search without them finds, as the same property", () => {
    for (const m of mutants) expect(mutantProperty(m, on), m.id).toBe(mutantProperty(m, off));
  });

  it("are declared only for mutexes locked and unlocked with impl/pymutex.ts's code: a variant with its own lock or unlock loses its client lock's words, not the runtime lock", () => {
    const config = { interpreters: 2, capacity: 4 };
    const own = (id: string) => {
      const m = mutants.find((x) => x.id === id);
      if (m === undefined) throw new Error(`no mutant ${id}`);
      const real = implementations[m.family](config);
      return { real: real.trustedMutexes ?? [], variant: m.subject(config).trustedMutexes ?? [], runtimeLock: real.wordNames?.()["runtime.lock"] };
    };
    for (const id of ["unlock-by-non-holder", "owner-is-the-interpreter", "lost-wakeup", "refcounted-owner-is-the-interpreter"]) {
      const { real, variant, runtimeLock } = own(id);
      expect(variant, id).toContain(runtimeLock);
      expect(variant.length, id).toBeLessThan(real.length);
      for (const w of variant) expect(real, id).toContain(w);
    }
    // a variant that keeps the lock code keeps every word
    const kept = own("no-generation-check");
    expect(kept.variant).toEqual(kept.real);
  });

  it("hold a locker at a held trusted mutex's compare-and-swap, never in the futex wait, and let it go when the mutex is released", () => {
    const subject = mutexSubject(pyLock, pyUnlock, { trustedMutexes: [A.lock] });
    const m = new Machine(subject, increments(2, 1), false);
    m.blockAcquires(wordMask(subject.words, subject.trustedMutexes));
    for (let k = 0; k < 5 && m.mem[A.lock] === 0; k++) m.step(0);
    expect(m.mem[A.lock]).toBe(1);
    for (let k = 0; k < 5 && m.isEnabled(1); k++) m.step(1);
    expect(m.isEnabled(1)).toBe(false);
    expect(m.pending(1)).toMatchObject({ op: AccessOp.cas, addr: A.lock, a: 0, b: 1 });
    expect(m.rank[1]).toBe(0);
    expect(m.deadlocked()).toBe(false);
    for (let k = 0; k < 10 && m.mem[A.lock] !== 0; k++) m.step(0);
    expect(m.isEnabled(1)).toBe(true);
    // the release found the word 1: nobody had marked it "maybe waiters"
    for (let k = 0; k < 10 && !m.allFinished(); k++) m.step(m.isEnabled(0) ? 0 : 1);
    expect(m.allFinished()).toBe(true);
  });

  it.each([
    { lock: "PyMutex", l: pyLock, u: pyUnlock },
    { lock: "the shipped PyMutex", l: shippedLock, u: shippedUnlock },
  ])("keep every terminal state of three incrementers under $lock (the litmus counter), lose no update, in fewer states", ({ l, u }) => {
    const subject = mutexSubject(l, u, { trustedMutexes: [A.lock, B.lock] }, false);
    const without = exploreMutex(subject, increments(3, 2), { blockingAcquires: false, quietWords: false }, 6);
    const blocking = exploreMutex(subject, increments(3, 2), { blockingAcquires: true }, 6);
    const plain = exploreMutex(subject, increments(3, 2), { blockingAcquires: false }, 6);
    expect(without.verdict).toBe("ok");
    expect(blocking.verdict).toBe("ok");
    expect(blocking.finals).toEqual(without.finals);
    expect(blocking.stats.states).toBeLessThan(plain.stats.states);
    expect(blocking.coverage.sentence).toContain("blocking acquires");
  });

  it("still reach the deadlock of two mutexes taken in opposite orders", () => {
    const r = exploreMutex(mutexSubject(pyLock, pyUnlock, { trustedMutexes: [A.lock, B.lock] }), oppositeOrders, { blockingAcquires: true });
    expect(r.verdict).toBe("violation");
    expect(r.violation?.property).toBe("P6");
  });

  it("check that a held-back compare-and-swap is a blocking acquire: a try-lock declared trusted loses the trust, and its failed tries are still explored", () => {
    // one word, a try-lock around an increment of word 1: a try that finds the word held gives up
    const tryLock: Subject<"inc", number> = {
      name: "litmus/try-lock",
      words: 2,
      trustedMutexes: [0],
      *start(): Code<number> {
        if ((yield cas(0, 0, 1)) !== 0) return -1;
        const v = yield load(1);
        yield store(1, v + 1);
        if ((yield sub(0, 1)) !== 1) {
          yield store(0, 0);
          yield notify(0, 1);
        }
        return v;
      },
    };
    const programs = [1, 2].map((interp) => ({ interp, calls: ["inc" as const] }));
    const r = explore(tryLock, programs, {
      strategy: { kind: "exhaustive", blockingAcquires: true },
      check: (e) => (e.outcome === "finished" && e.memory[1] !== 2 ? { property: "P1", message: `counter ${e.memory[1]}: a try gave up` } : undefined),
    });
    // blocking the try would make it always succeed; the check at the held-back node drops the trust instead
    expect(r.verdict).toBe("violation");
    expect(r.violation?.message).toMatch(/a try gave up/);
    const m = new Machine(tryLock, programs, false);
    m.blockAcquires(wordMask(tryLock.words, tryLock.trustedMutexes));
    m.step(0);
    expect(() => m.isEnabled(1)).toThrow(/try-lock/);
  });

  it("check every release: a lost-wake-up unlock declared trusted loses the trust at its release, and the search still finds the sleeper it strands", () => {
    const subject = mutexSubject(pyLock, silentUnlock, { trustedMutexes: [A.lock] });
    // on the machine: the store that hands the held word back to 0 with no notify after it
    const m = new Machine(subject, increments(1, 1), false);
    m.blockAcquires(wordMask(subject.words, subject.trustedMutexes));
    expect(() => {
      for (let k = 0; k < 10 && !m.allFinished(); k++) m.step(0);
    }).toThrow(MutexTrustBroken);
    // in the search: the trust is dropped and the contended path, where the wake-up is lost, is searched
    const r = exploreMutex(subject, increments(2, 1), { blockingAcquires: true }, 2);
    expect(r.verdict).toBe("violation");
    expect(r.violation?.message).toMatch(/blocked/);
    // a correct unlock keeps the trust through the same search
    const ok = exploreMutex(mutexSubject(pyLock, pyUnlock, { trustedMutexes: [A.lock] }), increments(2, 1), { blockingAcquires: true }, 2);
    expect(ok.verdict).toBe("ok");
    expect(ok.coverage.sentence).toMatch(/trusted mutex word 0 is held/);
  });
});
