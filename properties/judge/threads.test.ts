import { describe, expect, it } from "vitest";
import { refTo, threadId, withThreads, type AnyCall, type Result } from "../../model/index.js";
import { implementations } from "../../impl/index.js";
import { mutants } from "../../impl/mutants/index.js";
import { explore, replay, type Execution } from "../explorer/index.js";
import { agreementJudge } from "./judge.js";
import { configFor, toPrograms } from "./agreement.js";
import { lockFamilies, siblingThreadPrograms, typicalProgram } from "../workload/typical-programs.js";

/**
 * Threads are not interpreters (model/README.md D18), end to end: two threads of one interpreter
 * under each lock family explore clean against the correct implementation, the implementation
 * mutant whose owner word holds the interpreter is caught, symmetry stays sound, tokens name threads.
 */

/** A call a sibling thread must never get: the lock it waits for refused as its own re-entry. */
function siblingReentry(e: Execution<AnyCall, Result>): string | undefined {
  const r = e.history.find((h) => h.thread !== undefined && h.thread !== h.interp && h.response?.result._tag === "Err" && h.response.result.error === "Reentrant");
  return r && `thread ${r.thread} got Reentrant for ${r.call._tag}`;
}

describe("two threads of one interpreter (D18)", () => {
  it.each(lockFamilies)("%s: both threads take the lock around the library in turn; every schedule agrees with the model and no sibling gets Reentrant", (family) => {
    const set = siblingThreadPrograms(family);
    const config = configFor(set);
    expect(config).toMatchObject({ interpreters: 1, threads: 2 });
    const judge = agreementJudge({ family, config, subject: implementations[family](config) });
    const r = explore(judge.subject, toPrograms(set), {
      strategy: { kind: "exhaustive" },
      ...judge.hooks,
      check: (e) => judge.hooks.check?.(e) ?? (siblingReentry(e) === undefined ? undefined : { property: "D18", message: siblingReentry(e) as string }),
    });
    expect(r.violation?.message ?? null).toBeNull();
    expect(r.verdict).toBe("ok");
    expect(r.stats.executions).toBeGreaterThan(0);
  });

  it.each(["owner-is-the-interpreter", "refcounted-owner-is-the-interpreter"])("the implementation mutant %s is caught on two threads of one interpreter, and its token names thread 2 and replays", (id) => {
    const m = mutants.find((x) => x.id === id);
    if (m === undefined) throw new Error(`no mutant ${id}`);
    const config = configFor(m.programs);
    const judge = agreementJudge({ family: m.family, config, subject: m.subject(config) });
    const r = explore(judge.subject, toPrograms(m.programs), { strategy: { kind: "exhaustive" }, ...judge.hooks });
    expect(r.verdict).toBe("violation");
    expect(r.violation?.message).toMatch(/interp 1 · thread 2 returned error Reentrant/);
    const token = r.violation?.token ?? "";
    expect(token).toMatch(/(^|[:,])9@/);
    const again = replay(judge.subject, toPrograms(m.programs), token, judge.hooks);
    expect(again.status).toBe("replayed");
  });

  it("symmetry renames interpreters with one thread each, and is off as soon as an interpreter runs two threads", () => {
    // No program here makes a runtime call, so the main interpreter is renamed with the others.
    const p = typicalProgram("global_lock");
    const one = withThreads([p, p, p], [1, 2, 3]);
    const two = withThreads([p, p, p, p], [1, 2, 3, threadId(3, 2)]);
    const run = (set: typeof one) =>
      explore(implementations.global_lock(configFor(set)), toPrograms(set), { strategy: { kind: "exhaustive", symmetry: "auto" }, limits: { maxStates: 2_000 } });
    const a = run(one);
    const b = run(two);
    expect(a.coverage.symmetry.applied).toBe(true);
    expect(a.coverage.symmetry.classes).toEqual([[1, 2, 3]]);
    expect(b.coverage.symmetry.applied).toBe(false);
  });

  it("a hazard only two threads reach: thread 1 ends its interpreter holding the lock thread 2 waits for — a deadlock (P6), as CPython's wait_for_thread_shutdown joins the waiter", () => {
    const ensure: AnyCall = { _tag: "PyThread_EnsureGlobalLock", def: "odbc", name: "henv" };
    const acquire: AnyCall = { _tag: "PyThread_acquire_lock", def: "odbc", name: "henv", index: refTo("odbc", "henv") };
    const end: AnyCall = { _tag: "Py_EndInterpreter" };
    const set = withThreads([[ensure, acquire, end], [ensure, acquire]], [2, threadId(2, 2)]);
    const config = { ...configFor(set), interpreters: 2 };
    const judge = agreementJudge({ family: "global_lock", config, subject: implementations.global_lock(config) });
    const r = explore(judge.subject, toPrograms(set), { strategy: { kind: "exhaustive" }, ...judge.hooks });
    expect(r.verdict).toBe("violation");
    expect(r.violation?.kind).toBe("deadlock");
    expect(r.violation?.property).toBe("P6");
    // Without the sibling thread's acquire nothing blocks: the ending thread's own lock is let go (D7a).
    const alone = withThreads([[ensure, acquire, end], [ensure]], [2, threadId(2, 2)]);
    const ok = explore(judge.subject, toPrograms(alone), { strategy: { kind: "exhaustive" }, ...judge.hooks });
    expect(ok.verdict).toBe("ok");
  });

  it("a program whose thread id is not a thread of its interpreter, or two programs on one thread, are refused", () => {
    const subject = implementations.global_lock({ interpreters: 2, capacity: 4, threads: 2 });
    expect(() => explore(subject, [{ interp: 2, thread: 9, calls: [] }], { strategy: { kind: "random", runs: 1 } })).toThrow(/not a thread of interp 2/);
    expect(() => explore(subject, [{ interp: 1, calls: [] }, { interp: 1, thread: 1, calls: [] }], { strategy: { kind: "random", runs: 1 } })).toThrow(/has two programs/);
    expect(() => withThreads([[], []], [9, 9])).toThrow(/has two programs/);
  });
});
