import { describe, expect, it } from "vitest";
import { ExitCode } from "./errors.js";
import type { Output } from "./output.js";
import { replayDifferences, reportReplay, type Recorded, type Replayed } from "./replay-outcome.js";

/**
 * The one replay comparison every report kind goes through (verify, verify --client, interlock
 * client): the same property at the same step after the same history is reproduced; each
 * difference is named; nothing failing is exit 0.
 */

const report: Recorded = {
  history: [
    { interp: 1, callIndex: 0, invoke: 0, respond: 2, result: "Ok(1)" },
    { interp: 2, callIndex: 0, invoke: 1, respond: null, result: "pending" },
  ],
  violation: { property: "P2", propertyName: "no teardown while in use", failingStep: 4 },
};
const same: Replayed = { property: "P2", message: "freed twice", failingStep: 4, steps: 5, history: ["1.0:0-2=Ok(1)", "2.0:1-pending"] };

function capture(): { out: Output; lines: string[] } {
  const lines: string[] = [];
  const out: Output = { interactive: false, color: false, out: (l) => lines.push(l), err: (l) => lines.push(`err: ${l}`), progress: () => {}, endProgress: () => {} };
  return { out, lines };
}

describe("comparing a replay with the report it came from", () => {
  it("the same property at the same step after the same history is reproduced, exit 1", () => {
    const { out, lines } = capture();
    expect(replayDifferences(report, same)).toEqual([]);
    expect(reportReplay({ path: "r.json", report, replayed: same, subject: "x", json: false, out })).toBe(ExitCode.counterexample);
    expect(lines).toEqual(["reproduced P2 (no teardown while in use) after 5 steps: freed twice"]);
  });

  it("another property, another step and another history are each named, the history with its first differing record", () => {
    const other: Replayed = { ...same, property: "P3", failingStep: 3, history: ["1.0:0-2=Ok(1)", "2.0:1-3=Ok(0)"] };
    expect(replayDifferences(report, other)).toEqual([
      "property P3 instead of P2",
      "failing step 3 instead of 4",
      "the history differs (call record 1: now 2.0:1-3=Ok(0), the report 2.0:1-pending)",
    ]);
    const { out, lines } = capture();
    expect(reportReplay({ path: "r.json", report, replayed: other, subject: "x", json: true, out })).toBe(ExitCode.counterexample);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ reproduced: false, property: "P3", expected: "P2", failingStep: 3 });
  });

  it("a replay where nothing fails says the subject no longer shows the counterexample, exit 0", () => {
    const { out, lines } = capture();
    const clean: Replayed = { ...same, property: null, message: null };
    expect(reportReplay({ path: "r.json", report, replayed: clean, subject: "ext.c", json: false, out })).toBe(ExitCode.agreement);
    expect(lines).toEqual(["replayed 5 steps and nothing failed: ext.c no longer shows this counterexample"]);
  });
});
