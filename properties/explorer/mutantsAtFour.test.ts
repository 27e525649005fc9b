import { describe, expect, it } from "vitest";
import { mutants } from "../../impl/mutants/index.js";
import type { Program } from "../../impl/subject.js";
import type { AnyCall } from "../../model/index.js";
import { agreementJudge } from "../judge/judge.js";
import { explore } from "./index.js";

/**
 * A mutant's smallest configuration grown to four interpreters: the added interpreters are alive
 * and idle (runtime finalisation ends them, model/README.md D3), so every interleaving with four
 * live interpreters is explored.
 */
function atFour(programs: readonly (readonly AnyCall[])[]): Program<AnyCall>[] {
  const padded = programs.map((calls) => [...calls]);
  while (padded.length < 4) padded.push([]);
  return padded.map((calls, i) => ({ interp: i + 1, calls }));
}

describe("every seeded bug at four interpreters", () => {
  it.each(mutants.map((m) => [m.id, m] as const))("%s is caught by the exhaustive search (symmetry, sleep sets) with four interpreters", (_id, m) => {
    const config = { interpreters: 4, capacity: 4 };
    const subject = m.subject(config);
    const r = explore(subject, atFour(m.programs), {
      strategy: { kind: "exhaustive" },
      ...agreementJudge({ family: m.family, config, subject }).hooks,
      limits: { maxStates: 2_000_000 },
    });
    expect(r.verdict).toBe("violation");
    expect(m.expected.properties).toContain(r.violation?.property);
  });
});
