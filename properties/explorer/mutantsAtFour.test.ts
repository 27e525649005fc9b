import { describe, expect, it } from "vitest";
import { mutants } from "../../impl/mutants/index.js";
import type { Program } from "../../impl/subject.js";
import { interpOf, threadIndexOf, threadsOfSet, type AnyCall, type Threaded } from "../../model/index.js";
import { agreementJudge } from "../judge/judge.js";
import { explore } from "./index.js";

/**
 * A mutant's smallest configuration grown to four interpreters: the added interpreters are alive
 * and idle (runtime finalisation ends them, model/README.md D3), so every interleaving with four
 * live interpreters is explored.
 */
function atFour(programs: Threaded<readonly (readonly AnyCall[])[]>): Program<AnyCall>[] {
  // A mutant's programs may run on threads of one interpreter (D18): the padding is idle interpreters.
  const threads = threadsOfSet(programs);
  const out: Program<AnyCall>[] = programs.map((calls, i) => {
    const thread = threads[i] as number;
    return thread === interpOf(thread) ? { interp: thread, calls: [...calls] } : { interp: interpOf(thread), thread, calls: [...calls] };
  });
  for (let i = 1; new Set(out.map((p) => p.interp)).size < 4; i++) if (!out.some((p) => p.interp === i)) out.push({ interp: i, calls: [] });
  return out;
}

describe("every seeded bug at four interpreters", () => {
  it.each(mutants.map((m) => [m.id, m] as const))("%s is caught by the exhaustive search (symmetry, sleep sets) with four interpreters", (_id, m) => {
    const config = { interpreters: 4, capacity: 4, threads: Math.max(1, ...threadsOfSet(m.programs).map(threadIndexOf)) };
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
