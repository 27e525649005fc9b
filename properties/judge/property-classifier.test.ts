import { describe, expect, it } from "vitest";
import { refTo, type AnyCall, type FamilyName } from "../../model/index.js";
import { implementations } from "../../impl/index.js";
import { explore } from "../explorer/index.js";
import { ghostHazard } from "./property-classifier.js";
import { checkAgreement } from "./agreement.js";

/**
 * Ghost hazards are judged: a run that ends with a lock abandoned by an ending holder is a P9
 * violation the explorer reports, and the same programs with the lock released first are safe.
 */
const henv = refTo("odbc", "henv");
const G = (tag: string): AnyCall => ({ _tag: tag, def: "odbc", name: "henv", index: henv }) as unknown as AnyCall;
const D = (tag: string): AnyCall => ({ _tag: tag, def: "odbc" }) as unknown as AnyCall;
const end = { _tag: "Py_EndInterpreter" } as AnyCall;

const cases: [string, FamilyName, AnyCall[][], AnyCall[][]][] = [
  [
    "a named lock",
    "global_lock",
    [[G("PyThread_EnsureGlobalLock"), G("PyThread_acquire_lock"), G("call_unsafe_library"), G("PyThread_release_lock")], [G("PyThread_EnsureGlobalLock"), G("PyThread_acquire_lock"), G("call_unsafe_library"), end]],
    [[G("PyThread_EnsureGlobalLock"), G("PyThread_acquire_lock"), G("call_unsafe_library"), G("PyThread_release_lock")], [G("PyThread_EnsureGlobalLock"), G("PyThread_acquire_lock"), G("call_unsafe_library"), G("PyThread_release_lock"), end]],
  ],
  [
    "the refcounted lock",
    "refcounted_lock",
    [[{ _tag: "mod_init", def: "odbc", setupFails: false } as AnyCall, D("PyThread_acquire_lock"), D("call_unsafe_library"), D("PyThread_release_lock")], [{ _tag: "mod_init", def: "odbc", setupFails: false } as AnyCall, D("PyThread_acquire_lock"), end]],
    [[{ _tag: "mod_init", def: "odbc", setupFails: false } as AnyCall, D("PyThread_acquire_lock"), D("call_unsafe_library"), D("PyThread_release_lock")], [{ _tag: "mod_init", def: "odbc", setupFails: false } as AnyCall, D("PyThread_acquire_lock"), D("PyThread_release_lock"), end]],
  ],
];

function run(family: FamilyName, calls: AnyCall[][]) {
  const subject = implementations[family]({ interpreters: calls.length, capacity: 4 });
  const programs = calls.map((c, t) => ({ interp: t + 1, calls: c }));
  return explore(subject, programs, {
    strategy: { kind: "exhaustive", symmetry: "off" },
    check: (ex) => {
      const h = ghostHazard(subject.decode?.(ex.memory) ?? {});
      return h && { property: h.property, message: h.why };
    },
  });
}

describe("ghost hazards", () => {
  it.each(cases)("an interpreter that ends holding %s is reported as P9 by the explorer", (_what, family, abandoning) => {
    const r = run(family, abandoning);
    expect(r.verdict).toBe("violation");
    expect(r.violation?.property).toBe("P9");
  });

  it.each(cases)("the same programs releasing %s before ending are safe", (_what, family, _abandoning, releasing) => {
    expect(run(family, releasing).verdict).toBe("ok");
  });

  it("names the property of every counter and judges none when all are 0", () => {
    expect(ghostHazard({ "ghost.abandoned": 0, "ghost.dangling": 0, "ghost.dropped": 0, "ghost.leaks": 0 })).toBeUndefined();
    expect(ghostHazard({ "ghost.dangling": 1 })?.property).toBe("P4");
    expect(ghostHazard({ "ghost.dropped": 1 })?.property).toBe("P7");
    expect(ghostHazard({ "ghost.leaks": 2 })?.property).toBe("P7");
  });
});

/**
 * The shipped baseline is as dangerous as the real PyMutex (model/README.md D14): what a kinder
 * mutex would report as an error, the explorer finds as a deadlock or a lost update.
 */
describe("the shipped PyMutex's hazards are reachable", () => {
  const SX: AnyCall = { _tag: "mod_exec", def: "odbc", initFails: false } as AnyCall;

  it("an interpreter that ends holding the PyMutex deadlocks: its own m_free waits for it (P6)", () => {
    const subject = implementations.static_mutex({ interpreters: 2, capacity: 4 });
    const r = explore(subject, [{ interp: 1, calls: [SX, D("PyMutex_Lock")] }, { interp: 2, calls: [SX, D("PyMutex_Lock"), end] }], {
      strategy: { kind: "exhaustive", symmetry: "off" },
      check: (e) => (e.outcome === "deadlock" ? { property: "P6", message: "no interpreter can move" } : undefined),
    });
    expect(r.verdict).toBe("violation");
    expect(r.violation?.property).toBe("P6");
  });

  it("after a stray PyMutex_Unlock by a non-holder two interpreters are inside the library: a lost update (P9)", () => {
    const r = checkAgreement({
      family: "static_mutex",
      programs: [
        [SX, D("PyMutex_Lock"), D("call_unsafe_library")],
        [SX, D("PyMutex_Unlock"), D("PyMutex_Lock"), D("call_unsafe_library")],
      ],
      strategy: { kind: "exhaustive", symmetry: "off" },
    });
    expect(r.verdict).toBe("violation");
    expect(r.violation?.property).toBe("P9");
  });

  it("a client that locks and unlocks its own PyMutex in pairs is safe", () => {
    const pairs = [SX, D("PyMutex_Lock"), D("call_unsafe_library"), D("PyMutex_Unlock"), D("mod_free")];
    expect(checkAgreement({ family: "static_mutex", programs: [pairs, pairs], strategy: { kind: "exhaustive", symmetry: "off" } }).verdict).toBe("ok");
  });
});
