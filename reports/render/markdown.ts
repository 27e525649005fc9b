import type { Report } from "../schema.js";
import { threadOf } from "../../model/thread.js";
import {
  failingStepMissing,
  groupDigits,
  hasThreads,
  interpretersOf,
  laneLabel,
  memoryEntries,
  optionPairs,
  stateDiff,
  swimlaneRows,
  verdictWords,
  type SwimlaneRow,
  elapsedText,
  blockedByDesignText,
  violationHeading,
} from "./common.js";

/**
 * The Markdown rendering (GitHub-flavoured): for a pull-request comment, a CI job summary or a
 * terminal pager. Pure and deterministic: the same report gives the same text.
 *
 * Order: title, what the run proved, how to replay it, the programs, then — for a counterexample —
 * the violated property and its story, the swimlane (one column per interpreter, the failing step
 * in bold with "◀ fails here"), the history, the model state before/after as a diff, and the
 * decoded shared memory.
 */

/** The mark every rendering puts on the failing step. */
export const FAILS_HERE = "◀ fails here";

/**
 * Escapes text for Markdown prose and table cells: the characters that start emphasis, code, links
 * or strikethrough (so a call text is never read as markup), `|` (a cell separator in tables) and
 * HTML's `<`, `>` and `&` (GitHub renders inline HTML). Line-start markers (`#`, `-`, `1.`) need
 * nothing: every escaped text follows a prefix of ours. A newline becomes `<br>` so a cell stays on
 * its table row.
 */
export function mdEscape(text: string): string {
  return text
    .replace(/[\\`*[\]|~]/g, (c) => `\\${c}`)
    // GitHub never reads an underscore inside a word (snake_case C names) as emphasis: keep those bare.
    .replace(/(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, "\\_")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/\r?\n/g, "<br>");
}

/** An inline code span that holds any text: the fence is longer than any backtick run inside. */
export function mdCode(text: string): string {
  const flat = text.replace(/\r?\n/g, " ");
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((r) => r.length));
  const fence = "`".repeat(longest + 1);
  const pad = flat.startsWith("`") || flat.endsWith("`") || (flat.startsWith(" ") && flat.endsWith(" ")) ? " " : "";
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** A fenced code block that holds any text: the fence is longer than any backtick run inside. */
export function mdBlock(text: string, lang = ""): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  const fence = "`".repeat(Math.max(3, longest + 1));
  return `${fence}${lang}\n${text}\n${fence}`;
}

/** A table cell: escaped, and never empty-looking in a way that breaks the table. */
function cell(text: string): string {
  return mdEscape(text);
}

function table(header: string[], align: string[], rows: string[][]): string[] {
  return [`| ${header.join(" | ")} |`, `|${align.join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)];
}

/** What a lane cell holds for one step: the call (on its first step), the access, the return. */
function laneText(row: SwimlaneRow): string {
  const parts: string[] = [];
  if (row.showCall) parts.push(`#${row.callIndex} ${cell(row.call)}`);
  parts.push(cell(row.access));
  if (row.returned !== undefined) parts.push(`⇒ returned ${cell(row.returned)}`);
  if (row.preemption) parts.push("⟲ preempted");
  const text = parts.join("<br>");
  return row.failing ? `**${text}** ${FAILS_HERE}` : text;
}

/** How the swimlane's columns are described: per interpreter, or per thread grouped by interpreter (D18). */
export const columns = (report: Report): string => (hasThreads(report) ? "One column per thread, grouped by interpreter" : "One column per interpreter");
export const program = (report: Report): string => (hasThreads(report) ? "thread's program" : "interpreter's program");

function swimlane(report: Report): string[] {
  const interps = interpretersOf(report);
  const rows = swimlaneRows(report).map((row) => [
    row.failing ? `**${row.step}**` : String(row.step),
    ...interps.map((i) => (i === row.interp ? laneText(row) : "")),
  ]);
  return table(
    ["step", ...interps.map((i) => laneLabel(i))],
    ["---:", ...interps.map(() => "---")],
    rows,
  );
}

export function renderMarkdown(report: Report): string {
  const out: string[] = [];
  const v = report.violation;
  out.push(`# interlock: ${mdEscape(report.family)} / ${mdEscape(report.subject)} — ${report.verdict}`, "");
  out.push(`**Verdict:** ${verdictWords[report.verdict]}.`, "");
  out.push(`**Coverage:** ${mdEscape(report.coverage.sentence)}`, "");
  const blocked = blockedByDesignText(report);
  if (blocked !== null) out.push(`**Blocked forever:** ${mdEscape(blocked)}`, "");
  out.push(
    ...table(
      ["strategy", "guarantee", "executions", "states", "elapsed", "interpreters", "capacity", "seed"],
      ["---", "---", "---:", "---:", "---:", "---:", "---:", "---:"],
      [
        [
          cell(report.coverage.strategy),
          cell(report.coverage.guarantee),
          groupDigits(report.coverage.executions),
          groupDigits(report.coverage.states),
          elapsedText(report.coverage.elapsedMs),
          String(report.config.interpreters),
          String(report.config.capacity),
          String(report.config.seed),
        ],
      ],
    ),
    "",
  );
  const options = optionPairs(report);
  if (options.length > 0) out.push(`Options: ${options.map(mdCode).join(", ")}`, "");

  out.push("## Replay", "", mdBlock(report.replay, "sh"), "");
  out.push(report.token === null ? "No schedule token (no execution is shown)." : `Schedule token: ${mdCode(report.token)}`, "");

  out.push("## Programs", "");
  const byInterp = new Map(report.programs.map((p) => [threadOf(p), p.calls]));
  for (const i of interpretersOf(report)) {
    const calls = byInterp.get(i) ?? [];
    out.push(`### ${laneLabel(i).replace(/^interp/, "Interpreter")}`, "");
    if (calls.length === 0) out.push("(no calls)");
    calls.forEach((c, k) => out.push(`${k}. ${mdCode(c)}`));
    out.push("");
  }

  if (v !== null) {
    out.push(`## ${mdEscape(violationHeading(v))}`, "");
    out.push(`> ${mdEscape(v.message)}`, "");
    if (v.failingStep !== null) out.push(`Failing step: **${v.failingStep}**${failingStepMissing(report) ? " (not among the steps shown)" : ""}`, "");
    if (v.stuckCall !== null) out.push(`The model could not place: ${mdCode(v.stuckCall)}`, "");
    if (v.narrative.length > 0) {
      out.push("### What happened", "");
      v.narrative.forEach((line, k) => out.push(`${k + 1}. ${mdEscape(line)}`));
      out.push("");
    }
  } else if (report.verdict === "violation") {
    out.push("## Violated", "", "The report records a counterexample but no violation details.", "");
  }

  out.push("## Swimlane", "");
  if (report.steps.length === 0) {
    out.push("No shared-memory steps recorded.", "");
  } else {
    out.push(
      v !== null
        ? `${columns(report)}, one row per shared-memory step of the failing execution; \`#n\` is the call's index in the ${program(report)}.`
        : `${columns(report)}, one row per shared-memory step of the last execution run; \`#n\` is the call's index in the ${program(report)}.`,
      "",
    );
    out.push(...swimlane(report), "");
  }

  out.push("## History", "");
  if (report.history.length === 0) {
    out.push("No calls recorded.", "");
  } else {
    out.push(
      ...table(
        ["interp", "#", "call", "invoke", "respond", "result"],
        ["---:", "---:", "---", "---:", "---:", "---"],
        report.history.map((h) => [
          laneLabel(threadOf(h)).replace(/^interp /, ""),
          String(h.callIndex),
          cell(h.call),
          String(h.invoke),
          h.respond === null ? "—" : String(h.respond),
          cell(h.result),
        ]),
      ),
      "",
    );
  }

  if (v !== null && (v.modelBefore !== null || v.modelAfter !== null)) {
    out.push("## Model state", "");
    out.push(
      v.modelAfter === null
        ? "After the longest linearizable prefix. The model cannot take the failing call there: it would block."
        : "Before: after the longest linearizable prefix. After: after the failing call. `-` left the state, `+` entered it.",
      "",
    );
    const diff = stateDiff(v.modelBefore, v.modelAfter ?? v.modelBefore)
      .map((d) => `${d.kind === "removed" ? "-" : d.kind === "added" ? "+" : " "} ${d.text}`)
      .join("\n");
    out.push(mdBlock(diff, "diff"), "");
  }

  out.push("## Shared memory", "");
  const memory = memoryEntries(report);
  if (memory.length === 0) out.push("No memory recorded.", "");
  else out.push(...table(["field", "value"], ["---", "---:"], memory.map(([k, n]) => [cell(k), String(n)])), "");

  return `${out.join("\n").trimEnd()}\n`;
}
