import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { decodeReport, encodeReport, readReportFile, ReportError, writeReportFiles } from "./io.js";
import type { Report } from "./schema.js";

/** The hand-made reports in test/fixtures/reports (see its README), stored in canonical form. */
const FIXTURES = join(import.meta.dirname, "..", "test", "fixtures", "reports");
const fixtureNames = ["agreement", "counterexample", "budget"] as const;
const fixtureText = (name: string): string => readFileSync(join(FIXTURES, `${name}.json`), "utf8");
const fixture = (name: string): Report => decodeReport(fixtureText(name), `${name}.json`);

/** A JSON value to mutate into a bad report: the counterexample fixture, freshly parsed. */
const counterexampleJson = (): Record<string, unknown> => JSON.parse(fixtureText("counterexample")) as Record<string, unknown>;

/** Applies `edit` to a fresh copy of the counterexample fixture and returns it as JSON text. */
function edited(edit: (r: Record<string, any>) => void): string {
  const r = counterexampleJson();
  edit(r);
  return JSON.stringify(r);
}

const tempDirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "interlock-reports-"));
  tempDirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("encodeReport and decodeReport", () => {
  it.each(fixtureNames)("the %s fixture decodes and encodes back to the same bytes", (name) => {
    const text = fixtureText(name);
    expect(encodeReport(decodeReport(text, `${name}.json`))).toBe(text);
  });

  it("the encoding does not depend on the order the report's keys were built in", () => {
    const report = fixture("counterexample");
    const reversed = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(reversed)
        : typeof value === "object" && value !== null
          ? Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reversed(v)]))
          : value;
    expect(encodeReport(reversed(report) as Report)).toBe(encodeReport(report));
  });

  it("the canonical text opens with the format and version, indents by two spaces and ends with one newline", () => {
    const text = encodeReport(fixture("agreement"));
    expect(text.startsWith('{\n  "format": "interlock-report",\n  "version": 2,\n')).toBe(true);
    expect(text.endsWith("}\n")).toBe(true);
    expect(text.endsWith("\n\n")).toBe(false);
  });

  it("a report with a number JSON cannot hold is refused when encoded, naming the field", () => {
    const report = fixture("agreement");
    const bad = { ...report, coverage: { ...report.coverage, elapsedMs: Number.NaN } };
    expect(() => encodeReport(bad)).toThrow(ReportError);
    expect(() => encodeReport(bad)).toThrow("report.coverage.elapsedMs is NaN, which JSON cannot hold");
  });

  it("a value that is not a valid report is refused when encoded, so it can never be written unreadable", () => {
    const report = fixture("agreement");
    const bad = { ...report, family: "gil" } as unknown as Report;
    expect(() => encodeReport(bad)).toThrow(/^cannot encode the report: family should be one of "global_lock"/);
  });

  /** Each bad input and the exact one-line message it gets (a RegExp where Node words the detail). */
  const badInputs: { what: string; text: string; message: string | RegExp }[] = [
    { what: "an empty file", text: "", message: "r.json is empty; expected an interlock report (JSON) — was it written completely?" },
    { what: "a file of blanks", text: "  \n", message: "r.json is empty; expected an interlock report (JSON) — was it written completely?" },
    {
      what: "truncated JSON",
      text: fixtureText("counterexample").slice(0, 900),
      message: /^r\.json is not valid JSON \([^\n]+\); is it truncated\?$/,
    },
    { what: "not an object (an array)", text: "[1, 2]", message: "r.json is not an interlock report: expected a JSON object, got an array" },
    { what: "not an object (null)", text: "null", message: "r.json is not an interlock report: expected a JSON object, got null" },
    {
      what: "no format field",
      text: '{"version": 1}',
      message: 'r.json is not an interlock report: it has no "format" field (expected "interlock-report")',
    },
    {
      what: "the wrong format",
      text: edited((r) => (r["format"] = "porcupine-history")),
      message: 'r.json is not an interlock report: its format is "porcupine-history", expected "interlock-report"',
    },
    {
      what: "a newer version",
      text: edited((r) => (r["version"] = 3)),
      message: "r.json: this report is version 3; this interlock reads version 2 — read it with the newer interlock that wrote it",
    },
    {
      what: "an older version",
      text: edited((r) => (r["version"] = 0)),
      message: "r.json: this report is version 0; this interlock reads version 2 — re-run the verification with this interlock to get a version 2 report",
    },
    {
      what: "a version that is not a number",
      text: edited((r) => (r["version"] = "1")),
      message: 'r.json: the report\'s "version" is a string ("1"); this interlock reads version 2 — regenerate it with `interlock verify`',
    },
    {
      what: "a missing field",
      text: edited((r) => delete r["steps"]),
      message: "r.json is not a valid version 2 report: field steps is missing; regenerate it with `interlock verify`",
    },
    {
      what: "a missing nested field",
      text: edited((r) => delete r["violation"].narrative),
      message: "r.json is not a valid version 2 report: field violation.narrative is missing; regenerate it with `interlock verify`",
    },
    {
      what: "a field of the wrong type",
      text: edited((r) => (r["steps"][3].interp = "2")),
      message: 'r.json is not a valid version 2 report: steps[3].interp should be a number, got "2"; regenerate it with `interlock verify`',
    },
    {
      what: "a fractional step number",
      text: edited((r) => (r["steps"][3].step = 3.5)),
      message: "r.json is not a valid version 2 report: steps[3].step should be an integer, got 3.5; regenerate it with `interlock verify`",
    },
    {
      what: "an optional field of the wrong type",
      text: edited((r) => (r["steps"][1].preemption = "yes")),
      message: 'r.json is not a valid version 2 report: steps[1].preemption should be a boolean, got "yes"; regenerate it with `interlock verify`',
    },
    {
      what: "an unknown family",
      text: edited((r) => (r["family"] = "gil")),
      message:
        'r.json is not a valid version 2 report: family should be one of "global_lock", "runtime_store", "refcounted_lock", "module_slots", "static_mutex", got "gil"; regenerate it with `interlock verify`',
    },
    {
      what: "an unknown verdict",
      text: edited((r) => (r["verdict"] = "agreement")),
      message:
        'r.json is not a valid version 2 report: verdict should be one of "ok", "violation", "unknown", "failed", got "agreement"; regenerate it with `interlock verify`',
    },
    {
      what: "a memory field that is not a number",
      text: edited((r) => (r["memory"]["runtime.lock"] = "0")),
      message: 'r.json is not a valid version 2 report: memory["runtime.lock"] should be a number, got "0"; regenerate it with `interlock verify`',
    },
    {
      what: "a field the format does not have",
      text: edited((r) => (r["verdic"] = "agreement")),
      message: "r.json is not a valid version 2 report: field verdic is not part of the report format; regenerate it with `interlock verify`",
    },
  ];

  it("a version 1 report is read and upgraded: verdict words, the interpreters its run padded to, no limits or --impl recorded", () => {
    const v1 = decodeReport(fixtureText("v1-counterexample"), "v1-counterexample.json");
    const v2 = fixture("counterexample");
    expect(v1.version).toBe(2);
    expect(v1.verdict).toBe("violation");
    expect(v1.config).toEqual({ ...v2.config, impl: null, limits: {} });
    expect(v1.violation?.stuckCall).toBe(v2.violation?.stuckCall);
    expect(encodeReport(v1)).toBe(fixtureText("counterexample"));
  });

  it("a damaged version 1 report is refused as version 1, naming the field", () => {
    const text = JSON.stringify({ ...(JSON.parse(fixtureText("v1-counterexample")) as object), verdict: "ok" });
    expect(() => decodeReport(text, "r.json")).toThrow(
      'r.json is not a valid version 1 report: verdict should be one of "agreement", "counterexample", "budget", got "ok"; regenerate it with `interlock verify`',
    );
  });

  it.each(badInputs)("$what is refused with one line naming the problem and the fix", ({ text, message }) => {
    let thrown: unknown;
    try {
      decodeReport(text, "r.json");
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ReportError);
    const got = (thrown as ReportError).message;
    expect(got).not.toContain("\n");
    if (typeof message === "string") expect(got).toBe(message);
    else expect(got).toMatch(message);
  });
});

describe("readReportFile", () => {
  it("reads a report file by path", () => {
    expect(readReportFile(join(FIXTURES, "budget.json")).verdict).toBe("unknown");
  });

  it("a missing file is a one-line ReportError naming the path", () => {
    const path = join(tempDir(), "nope.json");
    expect(() => readReportFile(path)).toThrow(`cannot read report "${path}": no such file; pass the .json file a verification run wrote`);
  });
});

describe("writeReportFiles", () => {
  it("writes each requested rendering under the base name, creating the directory, and returns the paths", () => {
    const dir = join(tempDir(), "out", "nested");
    const report = fixture("counterexample");
    const paths = writeReportFiles(dir, "global_lock", report, ["json", "md", "html", "junit"]);
    expect(paths).toEqual(["json", "md", "html", "junit.xml"].map((ext) => join(dir, `global_lock.${ext}`)));
    expect(readdirSync(dir).sort()).toEqual(["global_lock.html", "global_lock.json", "global_lock.junit.xml", "global_lock.md"]);
    expect(readFileSync(join(dir, "global_lock.json"), "utf8")).toBe(fixtureText("counterexample"));
  });

  it("writes a format asked for twice once", () => {
    const dir = tempDir();
    expect(writeReportFiles(dir, "r", fixture("agreement"), ["md", "md"])).toEqual([join(dir, "r.md")]);
  });

  it("replaces an existing report and leaves no temporary file behind", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "r.json"), "old contents");
    writeReportFiles(dir, "r", fixture("budget"), ["json"]);
    expect(readFileSync(join(dir, "r.json"), "utf8")).toBe(fixtureText("budget"));
    expect(readdirSync(dir)).toEqual(["r.json"]);
  });

  it("refuses a directory argument that is a file", () => {
    const dir = tempDir();
    const file = join(dir, "taken");
    writeFileSync(file, "x");
    expect(() => writeReportFiles(file, "r", fixture("budget"), ["json"])).toThrow(
      `cannot write reports into "${file}": it is a file, not a directory; pass a directory`,
    );
  });

  it("refuses a base name with a path separator", () => {
    expect(() => writeReportFiles(tempDir(), "a/b", fixture("budget"), ["json"])).toThrow(ReportError);
  });

  it("writes nothing when the report cannot be rendered, so old files stay whole", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "r.md"), "old markdown");
    const report = fixture("agreement");
    const bad = { ...report, coverage: { ...report.coverage, elapsedMs: Number.POSITIVE_INFINITY } };
    expect(() => writeReportFiles(dir, "r", bad, ["md", "json"])).toThrow(ReportError);
    expect(readdirSync(dir)).toEqual(["r.md"]);
    expect(readFileSync(join(dir, "r.md"), "utf8")).toBe("old markdown");
  });

  it("a write that fails part-way leaves the files already written whole and no temporary file", () => {
    const dir = tempDir();
    mkdirSync(join(dir, "r.md")); // a directory where the Markdown file should go: its rename fails
    expect(() => writeReportFiles(dir, "r", fixture("counterexample"), ["json", "md"])).toThrow(ReportError);
    expect(readdirSync(dir).sort()).toEqual(["r.json", "r.md"]);
    expect(readFileSync(join(dir, "r.json"), "utf8")).toBe(fixtureText("counterexample"));
  });
});
