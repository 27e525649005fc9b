import type { Report } from "../schema.js";
import { violationHeading } from "./common.js";

/**
 * The JUnit XML rendering, for CI test tabs (GitHub Actions reporters, GitLab, Jenkins).
 *
 * Shape: `<testsuites name="interlock">` holding ONE `<testsuite name="interlock">`, one
 * `<testcase>` per report named `<family> / <strategy> / <subject>` (classname
 * `interlock.<family>`): unique within a run, since GitLab keeps only the first of testcases that
 * share a name and would hide the failures behind it.
 * - agreement → a passing testcase; the coverage sentence and replay command go in `<system-out>`.
 * - counterexample → `<failure>`: message = the violation's message, type = the property id,
 *   body = the property, the failing step, the narrative and the replay command.
 * - budget → `<error type="budget">`, NOT `<skipped>`. A budget run did not reach the coverage it
 *   set out to prove; as a skip it would turn CI green while proving less than asked (the CLI exits
 *   with its own "budget" code for the same reason). An error says "this test could not complete",
 *   which is what happened; the message is the coverage sentence, stating what *was* reached.
 *
 * Time is the run's elapsedMs, so the output is a function of the reports alone; a report without
 * a recorded time (elapsedMs 0: `verify` leaves wall time out unless `--timings`) has no `time`
 * attribute rather than a false 0, and a suite where no report has one has none. Every text and
 * attribute is XML-escaped, and characters XML 1.0 cannot hold (most control characters, lone
 * surrogates) are written as `\uXXXX` so the file always parses.
 */

/** Escapes text for XML element content and double-quoted attribute values. */
export function xmlEscape(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
    .replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c] as string);
}

/** Attribute values keep their line breaks only as character references (XML normalises raw ones). */
function attr(text: string): string {
  return xmlEscape(text).replace(/\n/g, "&#10;").replace(/\r/g, "&#13;").replace(/\t/g, "&#9;");
}

/** ` time="…"` in seconds, or nothing when no time was recorded. */
/** The time attribute, or nothing when the time was not recorded (reports leave it out unless --timings). */
function time(ms: number | null): string {
  return ms !== null && ms > 0 ? ` time="${(ms / 1000).toFixed(3)}"` : "";
}

/** The testcase name: `<family> / <strategy> / <subject>`. */
export function junitCaseName(report: Report): string {
  return `${report.family} / ${report.config.strategy} / ${report.subject}`;
}

/**
 * The JUnit file of a verify run: `junit.xml`, or `junit-<i>-of-<n>.xml` for shard i of n, so the
 * shards' report folders merge by copying without overwriting each other's results.
 */
export function junitFileName(shard: { readonly index: number; readonly count: number }): string {
  return shard.count > 1 ? `junit-${shard.index}-of-${shard.count}.xml` : "junit.xml";
}

function failureBody(report: Report): string {
  const v = report.violation;
  const lines: string[] = [];
  if (v === null) {
    lines.push("counterexample recorded without violation details");
  } else {
    lines.push(violationHeading(v), v.message);
    if (v.failingStep !== null) lines.push(`failing step: ${v.failingStep}`);
    if (v.stuckCall !== null) lines.push(`the model could not place: ${v.stuckCall}`);
    if (v.narrative.length > 0) lines.push("", "What happened:", ...v.narrative.map((l, i) => `${i + 1}. ${l}`));
  }
  lines.push("", `coverage: ${report.coverage.sentence}`, "", "Replay:", report.replay);
  if (report.token !== null) lines.push(`token: ${report.token}`);
  return lines.join("\n");
}

function testcase(report: Report): string {
  const open = `    <testcase classname="${attr(`interlock.${report.family}`)}" name="${attr(junitCaseName(report))}"${time(report.coverage.elapsedMs)}>`;
  const out = [open];
  switch (report.verdict) {
    case "ok":
      break;
    case "violation": {
      const message = report.violation?.message ?? "counterexample";
      const type = report.violation?.property ?? "counterexample";
      out.push(`      <failure message="${attr(message)}" type="${attr(type)}">${xmlEscape(failureBody(report))}</failure>`);
      break;
    }
    case "failed":
      out.push(`      <error message="${attr(report.violation?.message ?? "the module under test failed")}" type="module-failed">${xmlEscape(failureBody(report))}</error>`);
      break;
    case "unknown":
      out.push(
        `      <error message="${attr(`budget exhausted: ${report.coverage.sentence}`)}" type="budget">${xmlEscape(
          `The budget ran out before the stated coverage was reached.\nreached: ${report.coverage.sentence}\n\nReplay:\n${report.replay}`,
        )}</error>`,
      );
      break;
  }
  out.push(`      <system-out>${xmlEscape(`coverage: ${report.coverage.sentence}\nreplay: ${report.replay}`)}</system-out>`);
  out.push("    </testcase>");
  return out.join("\n");
}

/**
 * Several reports as one JUnit file (CI uploads one): one suite "interlock", the testcases in the
 * order given, counts and total time summed.
 */
export function junitForReports(reports: readonly Report[]): string {
  const tests = reports.length;
  const failures = reports.filter((r) => r.verdict === "violation").length;
  const errors = reports.filter((r) => r.verdict === "unknown" || r.verdict === "failed").length;
  const recorded = reports.map((r) => r.coverage.elapsedMs).filter((ms): ms is number => ms !== null);
  // A total only when every report recorded its time; otherwise the attribute is left out.
  const total = recorded.length === reports.length ? time(recorded.reduce((a, b) => a + b, 0)) : "";
  const counts = `tests="${tests}" failures="${failures}" errors="${errors}" skipped="0"${total}`;
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="interlock" ${counts}>`,
    `  <testsuite name="interlock" ${counts}>`,
    ...reports.map(testcase),
    `  </testsuite>`,
    `</testsuites>`,
    "",
  ].join("\n");
}

/** One report as a JUnit file. */
export function renderJunit(report: Report): string {
  return junitForReports([report]);
}
