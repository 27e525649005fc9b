import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PanOutputError, parsePanOutput, type PanResult } from "../bench/spin/parse.js";

/** Real pan outputs captured from SPIN 6.5.2; test/fixtures/spin/README.md says how each was made. */
const fixture = (name: string): string =>
  readFileSync(new URL(`./fixtures/spin/${name}`, import.meta.url), "utf8");

describe("parsePanOutput reads the summary of a real pan run", () => {
  const cases: Array<[string, string, PanResult]> = [
    [
      "an exhaustive run with no errors is complete",
      "normal.txt",
      {
        states: 568, transitions: 793, seconds: 0, errors: 0, complete: true,
        depthLimitHit: false, memoryLimitHit: false, firstError: null,
      },
    ],
    [
      "a run that found an assertion violation reports the error and is not complete",
      "assertion-violated.txt",
      {
        states: 55, transitions: 58, seconds: 0.01, errors: 1, complete: false,
        depthLimitHit: false, memoryLimitHit: false,
        firstError: "pan:1: assertion violated  !(alive) (at depth 27)",
      },
    ],
    [
      "a run cut off by the depth bound is reported incomplete",
      "max-depth-too-small.txt",
      {
        states: 226, transitions: 366, seconds: 0, errors: 0, complete: false,
        depthLimitHit: true, memoryLimitHit: false, firstError: null,
      },
    ],
    [
      "counts printed in exponent form are read as numbers",
      "exponent-counts.txt",
      {
        states: 1_000_000, transitions: 1.2e8, seconds: 11.7, errors: 0, complete: true,
        depthLimitHit: false, memoryLimitHit: false, firstError: null,
      },
    ],
  ];

  it.each(cases)("%s (%s)", (_title, file, expected) => {
    expect(parsePanOutput(fixture(file))).toEqual(expected);
  });
});

describe("parsePanOutput on edited or foreign text", () => {
  it("reads a stored-state count of 10^8 or more in pan's %9.8g exponent form", () => {
    // pan prints counts with printf("%9.8g"); from 10^8 on that is exponent form. The captured
    // fixture has this form for transitions only, so the stored line is edited here.
    const text = fixture("normal.txt").replace(/^\s*568 states, stored$/m, "1.6800001e+08 states, stored");
    expect(parsePanOutput(text).states).toBe(168_000_010);
  });

  it("reports a run stopped by the memory bound as incomplete", () => {
    const text = `pan: reached -DMEMLIM bound\n${fixture("normal.txt")}`;
    const result = parsePanOutput(text);
    expect(result.memoryLimitHit).toBe(true);
    expect(result.complete).toBe(false);
  });

  it("rejects text that is not a pan summary, naming the missing line", () => {
    expect(() => parsePanOutput("spin: module_slots.pml:70, Error: syntax error")).toThrow(PanOutputError);
    expect(() => parsePanOutput("spin: module_slots.pml:70, Error: syntax error")).toThrow(/states, stored/);
  });

  it("rejects a summary whose elapsed-time line is missing", () => {
    const text = fixture("normal.txt").replace(/^pan: elapsed time.*$/m, "");
    expect(() => parsePanOutput(text)).toThrow(/elapsed time/);
  });
});
