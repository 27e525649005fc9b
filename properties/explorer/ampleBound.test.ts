import { describe, expect, it } from "vitest";
import { add, load, store, type Code } from "../../impl/memory.js";
import type { Program, Subject } from "../../impl/subject.js";
import { toPrograms } from "../judge/agreement.js";
import { agreementJudge } from "../judge/judge.js";
import { typicalPrograms } from "../workload/typical-programs.js";
import { implementations } from "../../impl/index.js";
import { defaultConfig } from "../../model/index.js";
import { ampleBound } from "./ampleBound.js";
import { racyCounter, racyCounterPrograms } from "./fixtures/litmus.js";

/** Each interpreter bumps its own word three times in one call: no step of one touches another's word. */
type Bump = { readonly kind: "bump" };
const ownWords: Subject<Bump, number> = {
  name: "litmus/own-words",
  words: 3,
  *start(interp): Code<number> {
    for (let i = 0; i < 3; i++) yield add(interp - 1, 1);
    return yield load(interp - 1);
  },
};
const ownWordPrograms: Program<Bump>[] = [1, 2, 3].map((interp) => ({ interp, calls: [{ kind: "bump" }] }));

/** Each interpreter bumps its own word (its invocation), then increments a shared word racily in the middle of its call. */
const sharedMiddle: Subject<Bump, number> = {
  name: "litmus/shared-middle",
  words: 3,
  *start(interp): Code<number> {
    yield add(interp, 1);
    const seen = yield load(0);
    yield store(0, seen + 1);
    return yield load(interp);
  },
};
const sharedPrograms: Program<Bump>[] = [1, 2].map((interp) => ({ interp, calls: [{ kind: "bump" }] }));

describe("the measured bound on singleton ample sets", () => {
  it("finds a singleton ample set wherever interpreters touch only their own words between their visible steps", () => {
    const b = ampleBound(ownWords, ownWordPrograms, {});
    expect(b.branching).toBeGreaterThan(0);
    // every step but a call's first (its invocation) and last (its response) is one
    expect(b.singleton).toBeGreaterThan(b.branching / 2);
    expect(b.reducedStates).toBeLessThan(b.states);
    expect(b.terminalsKept).toBe(true);
  });

  it("keeps every terminal state with exact futures, and loses one when an ample set ignores the others' futures (a broken variant)", () => {
    const sound = ampleBound(sharedMiddle, sharedPrograms, {});
    expect(sound.terminalsKept).toBe(true);
    const broken = ampleBound(sharedMiddle, sharedPrograms, {}, { ignoreFutures: true });
    // the shared word is in the other's future until it has incremented it: exact futures see that
    expect(broken.singleton).toBeGreaterThan(sound.singleton);
    expect(broken.terminalsKept).toBe(false); // the lost update (shared word 1) is never reached
  });

  it("finds none when every step touches the word the other interpreter's remaining step touches", () => {
    const b = ampleBound(racyCounter, racyCounterPrograms, {});
    expect(b.branching).toBeGreaterThan(0);
    expect(b.singleton).toBe(0);
    expect(b.reducedStates).toBe(b.states);
  });

  it("finds few on module_slots under the online judge: every call takes the runtime and lifecycle locks", () => {
    const programs = typicalPrograms("module_slots", 2, 1);
    const config = { ...defaultConfig, interpreters: 2 };
    const subject = implementations.module_slots(config);
    const judge = agreementJudge({ family: "module_slots", config, subject });
    const b = ampleBound(judge.subject, toPrograms(programs), judge.hooks);
    expect(b.states).toBeGreaterThan(100);
    expect(b.singleton).toBeLessThan(b.branching / 10);
    expect(b.reducedStates).toBeGreaterThan(b.states * 0.9);
    expect(b.terminalsKept).toBe(true);
  });
});
