import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { describeResult, models, type AnyCall, type FamilyName, type ModelConfig, type Result } from "../../model/index.js";
import { mutants } from "../../impl/mutants/index.js";
import { mutantConfig } from "../../impl/mutants/mutant.js";
import { checkAgreement, exploreJudged } from "./agreement.js";
import { checkHistory, type Operation } from "../checker/index.js";
import { checkerModel } from "./checker-model.js";
import { callArbitrary } from "../workload/program-arbitraries.js";
import { stateLines } from "../../reports/render/common.js";
import { traceCounterexample } from "./counterexample.js";
import { agreementJudge } from "./judge.js";
import { linearizabilityObserver } from "./online.js";
import type { Observer } from "../explorer/index.js";

const lock = { _tag: "PyMutex_Lock", def: "odbc" } as const;

describe("the configuration a run judges is exactly the one given", () => {
  it("two programs run in two interpreters: Py_FinalizeEx waits only for the one that really ends, so every order is explored", () => {
    const r = checkAgreement({ family: "module_slots", programs: [[{ _tag: "Py_FinalizeEx" }], [{ _tag: "Py_EndInterpreter" }]], strategy: { kind: "exhaustive" } });
    expect(r.verdict).toBe("ok");
    // interp 2 ends before or after interp 1 starts waiting: more than the single execution a
    // phantom third interpreter (alive forever, never ending) allowed.
    expect(r.stats.executions).toBeGreaterThan(1);
    expect(r.blockedByDesign).toBeNull();
  });

  it("calls that can never complete, where the model blocks them too, are reported as such and never as a silent ok", () => {
    // Both import, then take the mutex; whoever takes it first ends its program holding it, so the
    // other's lock (or its import, which takes the mutex too) can never return — in the model too.
    const exec = { _tag: "mod_exec", def: "odbc", initFails: false } as const;
    const r = checkAgreement({ family: "static_mutex", programs: [[exec, lock], [exec, lock]], strategy: { kind: "exhaustive" } });
    expect(r.verdict).toBe("ok");
    expect(r.blockedByDesign?.times).toBeGreaterThan(0);
    expect(r.blockedByDesign?.calls).toContain("PyMutex_Lock(&odbc_mutex) in interp 2");
    expect(r.coverage.sentence).toMatch(/that the model blocks forever too \(.*\): the programs cannot finish\.$/);
    // Programs that always finish carry no such note.
    const fine = checkAgreement({ family: "static_mutex", programs: [[exec], [exec]], strategy: { kind: "exhaustive" } });
    expect(fine.verdict).toBe("ok");
    expect(fine.blockedByDesign).toBeNull();
  });

  it("a deadlock the model does not have is a P6 violation with the call the model could complete as evidence", () => {
    const m = mutants.find((x) => x.property === "P6")!;
    const config = mutantConfig(m);
    const judge = agreementJudge({ family: m.family, config, subject: m.subject(config) });
    const r = exploreJudged(judge, m.programs, { kind: "exhaustive" });
    expect(r.verdict).toBe("violation");
    if (r.verdict !== "violation") return;
    const e = judge.evidence(r.violation);
    expect(e.property).toBe("P6");
    expect(e.modelBefore.length).toBeGreaterThan(0);
  });
});

describe("the judge's evidence", () => {
  it("names the stuck call with what the implementation returned and what the model would have, and changes only that call's def in the model state", () => {
    const m = mutants.find((x) => x.id === "unlocked-check-then-act")!;
    const config = mutantConfig(m);
    const judge = agreementJudge({ family: m.family, config, subject: m.subject(config) });
    const r = exploreJudged(judge, m.programs, { kind: "exhaustive" });
    expect(r.verdict).toBe("violation");
    if (r.verdict !== "violation") return;
    const cx = traceCounterexample(judge, m.programs, r.violation);
    const stuck = cx.evidence.stuck;
    expect(stuck).not.toBeNull();
    if (stuck === null) return;
    expect(cx.evidence.property).toBe(r.violation.property);
    expect(stuck.expected).not.toBe("blocks");
    expect(stuck.observed).not.toEqual(stuck.expected);
    // Before and after differ exactly in the lines of the def the stuck call touched.
    const before = stateLines(cx.evidence.modelBefore);
    const after = stateLines(cx.evidence.modelAfter ?? "");
    const changed = [...before.filter((l) => !after.includes(l)), ...after.filter((l) => !before.includes(l))];
    const def = (stuck.call as { def?: string }).def;
    expect(changed.length).toBeGreaterThan(0);
    for (const line of changed) expect(line.startsWith(`${def}:`), line).toBe(true);
    // The prefix is a history the model accepts, in order.
    let state = models[m.family].init(config);
    for (const p of cx.evidence.prefix) {
      const next = models[m.family].step(state, p.interp, p.call);
      expect(next).toBeDefined();
      if (next === undefined) return;
      if (p.result !== null) expect(describeResult(next.result)).toBe(describeResult(p.result));
      state = next.state;
    }
    expect(cx.trace.length).toBeGreaterThan(0);
  });
});

/**
 * The online judge, which runs on every explored state, against the offline checker: on random
 * concurrent histories of a family's calls (results mostly the model's, sometimes perturbed; some
 * calls left pending) the online judge accepts exactly when `checkHistory` does.
 */
describe("the online linearizability judge", () => {
  const config: ModelConfig = { interpreters: 3, capacity: 2 };
  const resultPool: readonly Result[] = [
    { _tag: "Ok", value: 0 },
    { _tag: "Ok", value: 1 },
    { _tag: "Ok", value: 2 },
    { _tag: "Err", error: "NotHeld" },
    { _tag: "Err", error: "NotImported" },
  ];

  /** A history: per-interpreter programs, an interleaving of their events, results from the model in respond order (perturbed at random). */
  const historyArb = (family: FamilyName) =>
    fc.record({
      programs: fc.array(fc.array(callArbitrary(family), { minLength: 1, maxLength: 3 }), { minLength: 2, maxLength: 3 }),
      schedule: fc.array(fc.nat(2), { minLength: 0, maxLength: 20 }),
      noise: fc.array(fc.option(fc.nat(resultPool.length - 1), { freq: 4 }), { minLength: 9, maxLength: 9 }),
    });

  const build = (family: FamilyName, h: { programs: AnyCall[][]; schedule: number[]; noise: (number | null)[] }) => {
    const model = models[family];
    const ops: Operation<AnyCall, Result>[] = [];
    const events: { kind: "invoke" | "respond"; op: number }[] = [];
    const next = h.programs.map(() => 0);
    const open = h.programs.map((): number | null => null);
    let state = model.init(config);
    let time = 0;
    let noise = 0;
    for (const pick of h.schedule) {
      const i = pick % h.programs.length;
      const interp = i + 1;
      const current = open[i] ?? null;
      if (current === null) {
        const call = h.programs[i]?.[next[i] ?? 0];
        if (call === undefined) continue;
        next[i] = (next[i] ?? 0) + 1;
        ops.push({ id: ops.length, interp, call, invoke: time++ });
        open[i] = ops.length - 1;
        events.push({ kind: "invoke", op: ops.length - 1 });
      } else {
        const op = ops[current] as Operation<AnyCall, Result>;
        const stepped = model.step(state, interp, op.call);
        const perturb = h.noise[noise++ % h.noise.length];
        const result = perturb !== null && perturb !== undefined ? (resultPool[perturb] as Result) : (stepped?.result ?? (resultPool[0] as Result));
        if (stepped !== undefined) state = stepped.state;
        ops[current] = { ...op, respond: time++, result };
        open[i] = null;
        events.push({ kind: "respond", op: current });
      }
    }
    return { ops, events };
  };

  /** Runs the comparison; `observerOf` builds the judge under test. */
  const agreesWithChecker = (family: FamilyName, observerOf: () => Observer<AnyCall, Result>, numRuns: number) => {
    let accepted = 0;
    let rejected = 0;
    const details = fc.check(
      fc.property(historyArb(family), (h) => {
        const { ops, events } = build(family, h);
        const observer = observerOf();
        let s = observer.initial;
        for (const e of events) {
          if (s < 0) break;
          const op = ops[e.op] as Operation<AnyCall, Result>;
          s = e.kind === "invoke" ? observer.invoke(s, op.interp, op.call) : observer.respond(s, op.interp, op.call, op.result as Result);
        }
        const offline = checkHistory(checkerModel(models[family], config), ops, { maxMemoEntries: 100_000 });
        expect(offline.kind).not.toBe("unknown");
        if (s >= 0) accepted++;
        else rejected++;
        expect(s >= 0).toBe(offline.kind === "ok");
      }),
      { numRuns },
    );
    return { failed: details.failed, accepted, rejected };
  };

  it.each(["static_mutex", "module_slots", "refcounted_lock"] as const)("accepts exactly the %s histories checkHistory accepts", (family) => {
    const r = agreesWithChecker(family, () => linearizabilityObserver(family, config), 300);
    expect(r.failed).toBe(false);
    // Both answers occurred: the comparison was not one-sided.
    expect(r.accepted).toBeGreaterThan(10);
    expect(r.rejected).toBeGreaterThan(10);
  });

  it("catches a broken online judge that lets a response the model cannot give through", () => {
    const broken = (): Observer<AnyCall, Result> => {
      const real = linearizabilityObserver("static_mutex", config);
      return { ...real, invoke: real.invoke.bind(real), respond: (s, i, c, r) => Math.max(s, real.respond(s, i, c, r)) };
    };
    expect(agreesWithChecker("static_mutex", broken, 300).failed).toBe(true);
  });
});
