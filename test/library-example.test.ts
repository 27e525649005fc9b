// The README's library example, kept as a real test so it cannot go stale: check an
// implementation of one API family against interlock's model from your own vitest suite.
// fast-check draws meaningful programs (imports before uses, balanced acquire/release, now and
// then a call out of place); each program set is explored under PCT schedules and every
// execution is judged against the model. A failing program set is shrunk by fast-check; the
// violation carries a replayable schedule token. test/package.test.ts pastes the README's copy
// into a fresh project and checks it catches every seeded mutant within vitest's default timeout.
import { test } from "@fast-check/vitest";
import { expect } from "vitest";
import { checkAgreement, implementations, programsArbitrary } from "interlock";

const config = { interpreters: 3, capacity: 4 };
// Replace with your own Subject factory (see impl/README.md); here: interlock's own implementation.
const mySubject = () => implementations.module_slots(config);

test.prop([programsArbitrary("module_slots", 3)], { numRuns: 50, seed: 1 })(
  "my module_slots implementation agrees with the model on every explored schedule",
  (programs) => {
    const r = checkAgreement({
      family: "module_slots",
      subject: mySubject(),
      config,
      programs,
      strategy: { kind: "pct", depth: 3, runs: 20, seed: 1 },
    });
    expect(r.violation?.message).toBeUndefined();
  },
);

test("the same check catches a broken implementation", () => {
  // A Subject whose use_global_state answers before the import has run global_init.
  const real = mySubject();
  const broken = { ...real, name: "broken", start: (i: number, c: Parameters<typeof real.start>[1], carry: readonly number[]) =>
    c._tag === "use_global_state" ? (function* () { return { _tag: "Ok" as const, value: 0 }; })() : real.start(i, c, carry) };
  const programs = [[
    { _tag: "PyModule_ExecDef", def: "odbc", initFails: false, execFails: false, initImportsSelf: false },
    { _tag: "use_global_state", def: "odbc" },
  ]] as const;
  const r = checkAgreement({ family: "module_slots", subject: broken, programs: programs.map((p) => [...p]), strategy: { kind: "exhaustive" } });
  expect(r.verdict).toBe("violation");
});
