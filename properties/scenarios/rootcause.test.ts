import { describe, expect, it } from "vitest";
import { clients } from "./clients.js";
import { decideCell } from "./compare.js";
import { replayCell } from "./cell.js";
import { scenarios, type Scenario } from "./scenarios.js";
import type { Client } from "./clients.js";
import { clampedDoubleRelease, countBeforeAlloc, doubleRelease, finalisingKeepsHandle, handleAsFlag, interpOwnedValue } from "./fixtures/seeded.js";

/**
 * Root-cause naming: each seeded client bug (fixtures/seeded.ts) shows a first symptom — a use of a
 * freed handle, most often — and the judge names the property its evidence shows was broken:
 * P7, P3, P5 (P4, an interpreter-owned value left in the store, was already named by the ghost
 * counter and is kept). Each named scenario workload reaches its hazard with one of them, the
 * counterexample replays to the same name, and the correct columns stay safe.
 */
/**
 * Runtime finalisation with the main interpreter still importing the extension, so its m_free runs
 * inside Py_FinalizeEx. (The matrix's runtime-reinit scenario joins its subinterpreters and has
 * main import only after Py_Initialize, D3; a bug that bites only in an m_free run by Py_FinalizeEx
 * needs main to hold the module when it finalises.)
 */
const finaliseWhileImported: Scenario = {
  id: "finalise-while-imported",
  title: "runtime finalised while main still imports the extension",
  story: "Main imports and uses henv, subinterpreters end themselves, main calls Py_FinalizeEx (running its m_free), Py_Initialize, and imports again.",
  programs: [
    [{ _tag: "import" }, { _tag: "use", res: "henv" }, { _tag: "finalize" }, { _tag: "initialize" }, { _tag: "import" }, { _tag: "use", res: "henv" }, { _tag: "unload" }],
    [{ _tag: "import" }, { _tag: "end" }],
    [{ _tag: "import" }, { _tag: "end" }],
  ],
};
const scenario = (id: string): Scenario => {
  const s = [...scenarios, finaliseWhileImported].find((x) => x.id === id);
  if (s === undefined) throw new Error(`no scenario ${id}`);
  return s;
};
const column = (name: string): Client => {
  const c = clients.find((x) => x.column === name);
  if (c === undefined) throw new Error(`no column ${name}`);
  return c;
};

const seeded: readonly [string, string, Client, string, RegExp][] = [
  ["a static handle left set while the runtime finalises", "P7", finalisingKeepsHandle, "finalise-while-imported", /^henv used after runtime re-initialisation: the extension's static handle \d+ dates from before Py_FinalizeEx, so its state was not back to "not set" \(first symptom, P2: /],
  ["an m_free that decrements the count twice", "P3", doubleRelease, "henv", /^the extension's count for henv (is 0 while 1 interpreter\(s\) hold it: unbalanced — a release gave back more than its acquire took, or an increment was lost to a race \(first symptom, P2: |went below 0: an instance released a reference it never acquired)/],
  ["an m_free that decrements the count twice, under churn", "P3", doubleRelease, "churn", /count for henv (is .* a release gave back more than its acquire took, or an increment was lost to a race|went below 0: an instance released a reference it never acquired)/],
  ["an m_free that drops two references but never goes below 0", "P3", clampedDoubleRelease, "henv", /^the extension's count for henv is 0 while 1 interpreter\(s\) hold it: unbalanced — a release gave back more than its acquire took, or an increment was lost to a race \(first symptom, P2: /],
  ["a count raised before an allocation that fails", "P5", countBeforeAlloc, "init-failure", /^henv counted 2 times with 1 interpreter\(s\) holding it after a refused set-up: the failed import left its count behind \(first symptom, P2: /],
  ["an interpreter-owned store value", "P4", interpOwnedValue, "interp-end", /owned by an ended interpreter are still reachable in process-global storage/],
  ["an interpreter-owned store value across finalisation", "P4", interpOwnedValue, "runtime-reinit", /owned by an ended interpreter/],
];

describe("root-cause naming of seeded client bugs", () => {
  it.each(seeded)("%s is named %s in its scenario, and the token replays to the same name", (_what, property, client, id, message) => {
    const cell = decideCell(client, scenario(id));
    expect(cell.verdict, cell.story).toBe("violation");
    expect(cell.property, cell.message).toBe(property);
    expect(cell.message).toMatch(message);
    const again = replayCell(client, scenario(id), cell.token as string);
    expect(again.status).toBe("replayed");
    if (again.status === "replayed") expect(again.violation?.property).toBe(property);
  });

  it("names the cause only where the evidence shows it: the freed static handle used after an ordinary 1→0→1 stays a P2 use-after-free", () => {
    for (const id of ["churn", "henv"]) {
      const cell = decideCell(handleAsFlag, scenario(id));
      expect(cell.property, cell.message).toBe("P2");
      expect(cell.message).not.toMatch(/first symptom/);
    }
  });

  it("the bug that only bites across finalisation is safe in every scenario without a re-initialisation", () => {
    for (const s of scenarios.filter((x) => x.id !== "runtime-reinit")) expect(decideCell(finalisingKeepsHandle, s).verdict, s.id).toBe("ok");
  });

  it("reaches each named scenario workload's hazard with a seeded client bug", () => {
    const reached = new Set(seeded.map(([, , , id]) => id));
    for (const id of ["init-failure", "interp-end", "runtime-reinit", "churn"]) expect(reached, id).toContain(id);
  });

  // Every correct column in every scenario: compare.test.ts (the whole matrix). Here, the column the fixtures are built on.
  it.each(["static_mutex"])("the correct %s column is still safe in the churn, init-failure, interp-end and runtime-reinit workloads", (name) => {
    for (const id of ["churn", "init-failure", "interp-end", "runtime-reinit"]) {
      const cell = decideCell(column(name), scenario(id));
      expect(cell.verdict, `${id}: ${cell.story ?? cell.message ?? ""}`).toBe("ok");
    }
  });
});
