import { describe, expect, it } from "vitest";
import { mutants } from "../../impl/mutants/index.js";
import { implementations, ModuleSlots, module_slots, RefcountedLock, refcounted_lock } from "../../impl/index.js";
import type { MutexAt } from "../../impl/layout.js";
import { load, store, testEquals, type Code } from "../../impl/memory.js";
import { PyMutex_Lock, PyMutex_Unlock } from "../../impl/pymutex.js";
import type { Discipline, Program, Subject } from "../../impl/subject.js";
import { err, familyNames, ok, type AnyCall, type Def, type FamilyName, type ModelConfig, type Result } from "../../model/index.js";
import { typicalProgram } from "../workload/typical-programs.js";
import { Disciplines } from "./engine/discipline.js";
import { explore } from "./index.js";
import { judgedRun, mutantProperty, type Exhaustive } from "../../test/judged-runs.js";

/**
 * The words this discipline's work declared: every `writesProtectedBy` word, and the words found to
 * be touched only under the runtime lock and declared `protectedBy` with it (runtime_store's key
 * storage, refcounted_lock's pool objects).
 */
const newlyProtected = /^(slot\d+\.(isSet|value|owner)|lock\d+\.(live|pins))$/;

/** The family's Subject without those declarations: every access to those words a scheduling point again. */
function withoutWriteClaims(s: Subject<AnyCall, Result>): Subject<AnyCall, Result> {
  const dropped = new Set(Object.entries(s.wordNames?.() ?? {}).flatMap(([name, addr]) => (newlyProtected.test(name) ? [addr] : [])));
  return {
    ...s,
    name: `${s.name}/without-write-claims`,
    discipline: (addr: number): Discipline | undefined => {
      const d = s.discipline?.(addr);
      if (d === undefined || dropped.has(addr) || (typeof d === "object" && "writesProtectedBy" in d)) return undefined;
      return d;
    },
  };
}

/** Explores `programs` exhaustively under the online judge; collects every terminal memory reached. */
const run = judgedRun;

describe("the writes-under-the-lock discipline, checked at every access", () => {
  // word 0: a mutex's owner word; word 1: written only by that mutex's holder, read by anybody
  const subject: Subject<never, never> = {
    name: "litmus/writes-protected",
    words: 2,
    start: () => {
      throw new Error("not run");
    },
    discipline: (addr) => (addr === 0 ? "owner" : { writesProtectedBy: 0 }),
  };
  const who = (what: string) => `thread 1 did ${what}`;

  it("folds the holder's read, keeps the holder's write and a read without the mutex as scheduling points, and reports a write without it", () => {
    const d = Disciplines.of(subject as Subject<unknown, unknown>) as Disciplines;
    const held = Int32Array.from([1, 7]);
    expect(d.ownerOf(1)).toBe(0);
    expect(d.invisible(load(1), 1, held, who)).toBe(true);
    expect(d.invisible(testEquals(1, 7), 1, held, who)).toBe(true);
    expect(d.invisible(store(1, 8), 1, held, who)).toBe(false);
    expect(d.invisible(load(1), 2, held, who)).toBe(false);
    expect(d.take()).toBeNull();
    expect(d.invisible(store(1, 8), 2, held, who)).toBe(false);
    expect(d.take()).toMatch(/^thread 1 did store\(word 1.*without holding the mutex that every write of that word must hold \(its owner word 0 holds 1\)/);
    expect(d.invisible(load(1), 1, Int32Array.from([0, 7]), who)).toBe(false);
    expect(d.take()).toBeNull();
  });
});

/** A writer bumps a counter twice under a PyMutex (reading it first); a reader reads it twice without the mutex and records what it saw. */
type Role = { readonly role: "writer" | "reader" };
const LOCK = 0;
const OWNER = 1;
const COUNTER = 2;
const SEEN = 3;
function counterUnderLock(claim: boolean): Subject<Role, number> {
  return {
    name: `litmus/counter-under-lock${claim ? "" : "/no-claim"}`,
    words: 4,
    *start(interp, call): Code<number> {
      if (call.role === "reader") {
        const first = yield load(COUNTER);
        const second = yield load(COUNTER);
        yield store(SEEN, 10 * first + second);
        return second;
      }
      yield* PyMutex_Lock(LOCK, OWNER, interp);
      const v = yield load(COUNTER);
      yield store(COUNTER, v + 1);
      yield store(COUNTER, v + 2);
      yield* PyMutex_Unlock(LOCK, OWNER, interp);
      return v;
    },
    discipline: (addr) => (addr === OWNER ? "owner" : addr === COUNTER && claim ? { writesProtectedBy: OWNER } : undefined),
  };
}

describe("the writes-under-the-lock discipline on a litmus test", () => {
  const programs: Program<Role>[] = [
    { interp: 1, calls: [{ role: "writer" }] },
    { interp: 2, calls: [{ role: "writer" }] },
    { interp: 3, calls: [{ role: "reader" }] },
  ];
  const finals = (claim: boolean) => {
    const seen = new Set<string>();
    const r = explore(counterUnderLock(claim), programs, { strategy: { kind: "exhaustive", symmetry: "off" }, check: (e) => void seen.add([...e.memory].join(",")) });
    return { r, finals: [...seen].sort() };
  };

  it("reaches every terminal state the search without the claim reaches — the reader sees every pair of values the holders' writes leave between its reads — in fewer states", () => {
    const without = finals(false);
    const withClaim = finals(true);
    expect(withClaim.r.verdict).toBe("ok");
    expect(without.r.verdict).toBe("ok");
    expect(withClaim.finals).toEqual(without.finals);
    // the reader sees 0 ≤ first ≤ second ≤ 4, the odd values only between a holder's two writes
    const pairs = new Set<string>();
    for (let first = 0; first <= 4; first++) for (let second = first; second <= 4; second++) pairs.add(String(10 * first + second));
    expect(new Set(withClaim.finals.map((f) => f.split(",")[SEEN]))).toEqual(pairs);
    expect(withClaim.r.stats.states).toBeLessThan(without.r.stats.states);
  });
});

describe("the families' words written only under a mutex (writesProtectedBy) and touched only under one (the storage and pool words now protectedBy)", () => {
  const withRuntimeCalls = (family: FamilyName): AnyCall[][] => [
    [...typicalProgram(family), { _tag: "Py_FinalizeEx" }],
    [...typicalProgram(family), { _tag: "Py_EndInterpreter" }],
  ];
  const config: ModelConfig = { interpreters: 2, capacity: 4 };

  // the default search (symmetry, sleep sets, quiet words, lead-ins), and the discipline alone
  const searches: readonly (readonly [string, Exhaustive])[] = [
    ["with every other reduction", { kind: "exhaustive" }],
    ["with no other reduction", { kind: "exhaustive", symmetry: "off", sleepSets: false, quietWords: false }],
  ];
  it.each(familyNames.flatMap((f) => searches.map(([how, strategy]) => [f, how, strategy] as const)))(
    "%s: the declarations keep the verdict and every terminal state of the typical program followed by Py_FinalizeEx / Py_EndInterpreter (N=2, %s), with fewer states",
    (family, _how, strategy) => {
      const declared = implementations[family](config);
      const withClaims = run(family, declared, config, withRuntimeCalls(family), strategy);
      const without = run(family, withoutWriteClaims(declared), config, withRuntimeCalls(family), strategy);
      expect(withClaims.r.verdict).toBe("ok");
      expect(without.r.verdict).toBe("ok");
      expect(withClaims.finals).toEqual(without.finals);
      expect(withClaims.r.stats.states).toBeLessThan(without.r.stats.states);
    },
  );

  it.each(familyNames.map((f) => [f] as const))("%s: they keep the verdict and every terminal state of two identical typical programs (symmetry on)", (family) => {
    const programs = [typicalProgram(family), typicalProgram(family)];
    const declared = implementations[family](config);
    const withClaims = run(family, declared, config, programs);
    const without = run(family, withoutWriteClaims(declared), config, programs);
    expect(withClaims.r.coverage.sentence).toContain("symmetry");
    expect(withClaims.r.verdict).toBe(without.r.verdict);
    expect(withClaims.finals).toEqual(without.finals);
    expect(withClaims.r.stats.states).toBeLessThanOrEqual(without.r.stats.states);
  });
});

describe("the seeded bugs with and without the declarations", () => {
  it("are each found, as the same property, whether or not their families declare the words written under a mutex", () => {
    for (const m of mutants) {
      const found = mutantProperty(m, { kind: "exhaustive" });
      expect(found, m.id).toBeDefined();
      expect(found, m.id).toBe(mutantProperty(m, { kind: "exhaustive" }, withoutWriteClaims));
    }
  });
});

/** my_func that writes the handle it read back into the def's global state, without the lifecycle lock. */
class UseWritesHandle extends ModuleSlots {
  override *useGlobalState(interp: number, def: Def, instance = 1): Code<Result> {
    if (!(yield* this.isImporter(def, interp, instance))) return err("NotImported");
    const handle = yield load(this.block(def).handle);
    yield store(this.block(def).handle, handle);
    return ok(handle);
  }
}

/** An instance that re-reads its lock object and writes LOCKREF back, without the runtime lock. */
class ClientLockRewritesLockRef extends RefcountedLock {
  protected override *clientLock(def: Def): Code<MutexAt | undefined> {
    const word = this.block(def).lockRef as number;
    const ref = yield load(word);
    yield store(word, ref);
    return ref === 0 ? undefined : this.layout.pool[ref - 1]?.mutex;
  }
}

describe("a write of such a word without its mutex (deliberately broken variants)", () => {
  const config: ModelConfig = { interpreters: 2, capacity: 4 };

  it("is reported as a P9 data race when my_func writes the handle back without the lifecycle lock (module_slots)", () => {
    const subject = module_slots(config, new UseWritesHandle(config), "module_slots/variant:use-writes-handle") as unknown as Subject<AnyCall, Result>;
    const { r } = run("module_slots", subject, config, [typicalProgram("module_slots"), typicalProgram("module_slots")]);
    expect(r.verdict).toBe("violation");
    expect(r.violation?.property).toBe("P9");
    expect(r.violation?.message).toContain(`store(word ${subject.wordNames?.()["odbc.handle"]}`);
    expect(r.violation?.message).toContain("without holding the mutex that every write of that word must hold");
  });

  it("is reported as a P9 data race when an instance writes LOCKREF back without the runtime lock (refcounted_lock)", () => {
    const subject = refcounted_lock(config, new ClientLockRewritesLockRef(config), "refcounted_lock/variant:client-lock-rewrites-lockref") as unknown as Subject<AnyCall, Result>;
    const { r } = run("refcounted_lock", subject, config, [typicalProgram("refcounted_lock"), typicalProgram("refcounted_lock")]);
    expect(r.verdict).toBe("violation");
    expect(r.violation?.property).toBe("P9");
    expect(r.violation?.message).toContain(`store(word ${subject.wordNames?.()["odbc.lockRef"]}`);
    expect(r.violation?.message).toContain("without holding the mutex that every write of that word must hold");
  });
});
