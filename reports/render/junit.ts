import type { Report } from "../schema.js";

/**
 * The JUnit XML rendering, for CI test tabs (GitHub Actions reporters, GitLab, Jenkins).
 *
 * Shape: `<testsuites name="interlock">` holding ONE `<testsuite name="interlock">`, one
 * `<testcase>` per report named `<family> / <subject>` (classname `interlock.<family>`).
 * - agreement → a passing testcase; the coverage sentence and replay command go in `<system-out>`.
 * - counterexample → `<failure>`: message = the violation's message, type = the property id,
 *   body = the property, the failing step, the narrative and the replay command.
 * - budget → `<error type="budget">`, NOT `<skipped>`. A budget run did not reach the coverage it
 *   set out to prove; as a skip it would turn CI green while proving less than asked (the CLI exits
 *   with its own "budget" code for the same reason). An error says "this test could not complete",
 *   which is what happened; the message is the coverage sentence, stating what *was* reached.
 *
 * Time is the run's elapsedMs, so the output is a function of the reports alone. Every text and
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

function time(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/** The testcase name: `<family> / <subject>`. */
export function junitCaseName(report: Report): string {
  return `${report.family} / ${report.subject}`;
}

function failureBody(report: Report): string {
  const v = report.violation;
  const lines: string[] = [];
  if (v === null) {
    lines.push("counterexample recorded without violation details");
  } else {
    lines.push(`${v.property} — ${v.propertyName}`, v.message);
    if (v.failingStep !== null) lines.push(`failing step: ${v.failingStep}`);
    if (v.stuckCall !== null) lines.push(`the model could not place: ${v.stuckCall}`);
    if (v.narrative.length > 0) lines.push("", "What happened:", ...v.narrative.map((l, i) => `${i + 1}. ${l}`));
  }
  lines.push("", `coverage: ${report.coverage.sentence}`, "", "Replay:", report.replay);
  if (report.token !== null) lines.push(`token: ${report.token}`);
  return lines.join("\n");
}

function testcase(report: Report): string {
  const open = `    <testcase classname="${attr(`interlock.${report.family}`)}" name="${attr(junitCaseName(report))}" time="${time(report.coverage.elapsedMs ?? 0)}">`;
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
  const errors = reports.filter((r) => r.verdict === "unknown").length;
  const total = time(reports.reduce((s, r) => s + (r.coverage.elapsedMs ?? 0), 0));
  const counts = `tests="${tests}" failures="${failures}" errors="${errors}" skipped="0" time="${total}"`;
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
