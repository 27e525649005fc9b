import { describe, expect, it } from "vitest";
import { mutants } from "../../impl/mutants/index.js";
import { configOf, defaultVerifySettings, planJobs, runJob } from "./jobs.js";
import type { AnyCall } from "../../model/index.js";
import { checkAgreement, toPrograms } from "../judge/agreement.js";
import { agreementJudge } from "../judge/judge.js";
import { replay } from "../explorer/index.js";

/**
 * The property-based job of `verify`: fast-check draws per-interpreter programs from the Schema
 * vocabulary, each is explored, and a failure comes back with a shrunk program set *and* a shrunk
 * schedule.
 */
describe("verify's fast-check job", () => {
  it("finds a seeded bug from generated programs and reports a minimal program and schedule", () => {
    const m = mutants.find((x) => x.id === "unlocked-check-then-act")!;
    const job = planJobs({ families: ["module_slots"], strategies: ["random"], interpreters: 3 })[0]!;
    const r = runJob(job, { ...defaultVerifySettings, families: ["module_slots"], strategies: ["random"], programSets: 60, runs: 400, seed: 3 }, m.subject);
    expect(r.result.verdict).toBe("violation");
    // fast-check shrank the programs under a complete judge (every schedule with ≤ 2 preemptions),
    // in the job's own configuration (3 interpreters): removing any one call, down to an empty
    // program, makes the failure disappear.
    const config = configOf(defaultVerifySettings);
    expect(r.config).toEqual(config);
    const judge = (programs: AnyCall[][]) =>
      checkAgreement({ family: "module_slots", subject: m.subject(config), config, programs, strategy: { kind: "bounded", maxPreemptions: 2 } }).verdict;
    expect(judge(r.programs)).toBe("violation");
    for (const [i, calls] of r.programs.entries()) {
      for (let c = 0; c < calls.length; c++) {
        const fewer = r.programs.map((cs, j) => (j === i ? cs.filter((_, k) => k !== c) : cs));
        expect(judge(fewer), `without call ${c} of interp ${i + 1}`).toBe("ok");
      }
    }
    expect(r.programs.flat().length).toBeLessThan(3 * 4);
    // The report says what the job was: random schedules (not the bounded search that confirmed
    // the smaller set), and every call it shows ran in the failing execution.
    expect(r.result.coverage.strategy).toBe("random");
    expect(r.result.coverage.sentence).toMatch(/^random schedules found a violation/);
    const ran = new Set(r.counterexample?.execution.history.map((h) => `${h.interp}.${h.callIndex}`));
    for (const [i, calls] of r.programs.entries()) calls.forEach((_, c) => expect(ran.has(`${i + 1}.${c}`), `call ${c} of interp ${i + 1}`).toBe(true));
    // and the schedule was shrunk, then replays to the same violation.
    const subject = m.subject(config);
    const again = replay(subject, toPrograms(r.programs), r.result.violation!.token, agreementJudge({ family: "module_slots", config, subject }).hooks);
    expect(again.status).toBe("replayed");
    if (again.status === "replayed") expect(again.violation?.property).toBe(r.result.violation!.property);
  });

  it("finds nothing in the correct implementation with the same seed and budget", () => {
    const job = planJobs({ families: ["module_slots"], strategies: ["random"], interpreters: 3 })[0]!;
    const r = runJob(job, { ...defaultVerifySettings, families: ["module_slots"], strategies: ["random"], programSets: 60, runs: 400, seed: 3 });
    expect(r.result.verdict).toBe("ok");
    expect(r.programSets).toBe(60);
  });

  it("a PCT job that finds a bug says in which run, never 'after 0 runs'", () => {
    const m = mutants.find((x) => x.id === "unlocked-check-then-act")!;
    const job = planJobs({ families: ["module_slots"], strategies: ["pct"], interpreters: 3 })[0]!;
    const r = runJob(job, { ...defaultVerifySettings, families: ["module_slots"], strategies: ["pct"], runs: 500 }, m.subject);
    expect(r.result.verdict).toBe("violation");
    expect(r.result.coverage.sentence).toMatch(/run [1-9]\d* of 500 found a violation/);
    expect(r.result.coverage.sentence).not.toMatch(/after 0 runs/);
  });
});
