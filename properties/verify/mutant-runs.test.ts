/**
 * The verifier's teeth: every catalogued mutant must be caught, the correct implementation must
 * raise no alarm on the same runs, and every counterexample must replay and be minimal.
 */
import { describe, expect, it } from "vitest";
import { mutants, type Mutant } from "../../impl/mutants/index.js";
import { mutantConfig } from "../../impl/mutants/mutant.js";
import { toPrograms } from "../judge/agreement.js";
import { correctSubject, exploreMutant, fewestPreemptions, mutantHooks, renderMutantTable, replayRow, runMutants, type MutantRow } from "./mutant-runs.js";

const seed = 1;
const budgetMs = 20_000;

/** Each mutant's row under exhaustive and PCT (default budget), computed once and shared by the tests below. */
const rows = new Map<string, MutantRow>();
function rowOf(m: Mutant): MutantRow {
  let row = rows.get(m.id);
  if (row === undefined) {
    row = runMutants({ strategies: ["exhaustive", "pct"], seed, budgetMs, only: [m.id] })[0] as MutantRow;
    rows.set(m.id, row);
  }
  return row;
}
const outcome = (m: Mutant, strategy: "exhaustive" | "pct") => {
  const o = rowOf(m).results.find((r) => r.strategy === strategy);
  if (o === undefined) throw new Error(`no ${strategy} outcome for ${m.id}`);
  return o;
};
const kindOf = { model: "check", deadlock: "deadlock", discipline: "monitor" } as const;
const table = mutants.map((m) => [m.id, m] as const);

describe("the catalogue", () => {
  it("has at least 15 mutants with unique kebab-case ids", () => {
    expect(mutants.length).toBeGreaterThanOrEqual(15);
    expect(new Set(mutants.map((m) => m.id)).size).toBe(mutants.length);
    for (const m of mutants) expect(m.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it.each(table)("%s names a P-property, a hazard and what changed, and its Subject says it is a mutant", (_id, m) => {
    expect(m.property).toMatch(/^P[1-9]$/);
    expect(m.hazard.length).toBeGreaterThan(40);
    expect(m.hazard.trim().endsWith(")") || m.hazard.trim().endsWith(".")).toBe(true);
    expect(m.description.length).toBeGreaterThan(20);
    expect(m.programs.flat().length).toBeGreaterThan(0);
    expect(m.subject(mutantConfig(m)).name).toBe(`${m.family}/mutant:${m.id}`);
  });
});

describe("every mutant is caught", () => {
  it.each(table)("%s is caught by the exhaustive search at its smallest configuration, as its entry expects", (_id, m) => {
    const o = outcome(m, "exhaustive");
    expect(o.caught, o.verdict).toBe(true);
    expect(o.kind).toBe(kindOf[m.expected.via]);
    expect(m.expected.properties).toContain(o.property);
  });

  it.each(table)("%s is caught by PCT within its default budget", (_id, m) => {
    const o = outcome(m, "pct");
    expect(o.caught, o.verdict).toBe(true);
    expect(m.expected.properties).toContain(o.property);
  });

  it.each(table)("%s: the correct implementation raises no alarm on the same programs and strategies", (_id, m) => {
    const row = rowOf(m);
    expect(row.correct.map((c) => c.strategy)).toEqual(["exhaustive", "pct"]);
    for (const c of row.correct) {
      expect(c.message).toBeNull();
      expect(c.verdict).toBe("ok");
    }
  });
});

describe("every counterexample replays and is minimal", () => {
  it.each(table)("%s: the shrunk token replays to the same violation 100 times out of 100", (_id, m) => {
    const o = outcome(m, "exhaustive");
    let first: string | undefined;
    for (let i = 0; i < 100; i++) {
      const r = replayRow(m, o.token as string);
      expect(r.status).toBe("replayed");
      if (r.status !== "replayed") return;
      expect(r.violation?.kind).toBe(o.kind);
      expect(r.violation?.property).toBe(o.property);
      expect(r.execution.steps).toBe(o.steps);
      // Every replay is the same execution, down to where each interpreter stands.
      first ??= r.violation?.message;
      expect(r.violation?.message).toBe(first);
    }
  });

  it.each(table)("%s: dropping any single call from any program makes the violation disappear (1-minimal programs)", (_id, m) => {
    for (let p = 0; p < m.programs.length; p++) {
      const calls = m.programs[p] as readonly unknown[];
      for (let c = 0; c < calls.length; c++) {
        const programs = m.programs.map((cs, q) => (q === p ? cs.filter((_, i) => i !== c) : cs));
        const reduced: Mutant = { ...m, programs };
        const r = exploreMutant(reduced, m.subject(mutantConfig(reduced)), { kind: "exhaustive" }, budgetMs);
        expect(r.verdict, `without call ${c} of interp ${p + 1}: ${r.violation?.message ?? ""}`).toBe("ok");
      }
    }
  });

  it.each(table)("%s: the shrunk schedule has no more preemptions than the fewest any schedule needs", (_id, m) => {
    const o = outcome(m, "exhaustive");
    const fewest = fewestPreemptions(m.subject(mutantConfig(m)), toPrograms(m.programs), mutantHooks(m), (v) => v.kind === o.kind && v.property === o.property);
    expect(fewest).toBeDefined();
    expect(o.preemptions).toBeLessThanOrEqual(fewest?.preemptions ?? -1);
  });
});

describe("the report", () => {
  it("renders one line per mutant and says how many were caught and whether the correct implementation alarmed", () => {
    const some = mutants.slice(0, 3).map(rowOf);
    const text = renderMutantTable(some);
    for (const m of mutants.slice(0, 3)) expect(text).toContain(m.id);
    expect(text).toContain("3/3 mutants caught by every strategy run; 0 false alarms");
    expect(JSON.parse(JSON.stringify(some))).toEqual(some);
  });

  it("a correct implementation passed as the mutant is not caught (the runner can say MISSED)", () => {
    const m = mutants[0] as Mutant;
    const r = exploreMutant(m, correctSubject(m), { kind: "exhaustive" }, budgetMs);
    expect(r.verdict).toBe("ok");
  });
});
