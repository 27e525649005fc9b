import { describeThread, interpOf, threadIndexOf } from "../../model/common.js";
import { threadOf } from "../../model/thread.js";
import type { Report } from "../schema.js";

/**
 * What every rendering computes the same way: the interpreters (one swimlane each), the swimlane
 * rows, the model-state diff and the number formats. Kept here so Markdown and HTML cannot drift
 * apart on what they show; each renderer only decides how it looks.
 */

/**
 * The lanes a report shows, one per thread (D18): 1..config.interpreters plus any thread the data
 * names, grouped by interpreter (an interpreter's threads side by side, in thread order). A lane's
 * id is the thread id, which is the interpreter's id for its first thread, so a report with one
 * thread per interpreter has exactly the lanes 1..n it always had.
 */
export function interpretersOf(report: Report): number[] {
  const ids = new Set<number>();
  for (let i = 1; i <= report.config.interpreters; i++) ids.add(i);
  for (const p of report.programs) ids.add(threadOf(p));
  for (const s of report.steps) ids.add(threadOf(s));
  for (const h of report.history) ids.add(threadOf(h));
  return [...ids].sort((a, b) => interpOf(a) - interpOf(b) || threadIndexOf(a) - threadIndexOf(b));
}

/** Whether some interpreter of the report runs more than one thread (then lanes are threads, D18). */
export const hasThreads = (report: Report): boolean => interpretersOf(report).some((lane) => threadIndexOf(lane) > 1);

/** A lane's heading: "interp 2", or "interp 1 · thread 2" for an interpreter's second thread. */
export const laneLabel = (lane: number): string => describeThread(lane);

/**
 * One row of the swimlane: a shared-memory step, drawn in the lane of the interpreter that took it.
 * `showCall` is set on the first step of each call in its lane, so a call's text appears once and
 * its accesses follow beneath it.
 */
export interface SwimlaneRow {
  readonly step: number;
  /** The lane (thread id, D18) the step is drawn in. */
  readonly interp: number;
  readonly callIndex: number;
  readonly call: string;
  readonly showCall: boolean;
  readonly access: string;
  readonly returned: string | undefined;
  readonly preemption: boolean;
  readonly failing: boolean;
}

export function swimlaneRows(report: Report): SwimlaneRow[] {
  const failingStep = report.violation?.failingStep ?? null;
  const lastCall = new Map<number, number>();
  return report.steps.map((s) => {
    const showCall = lastCall.get(threadOf(s)) !== s.callIndex;
    lastCall.set(threadOf(s), s.callIndex);
    return {
      step: s.step,
      interp: threadOf(s),
      callIndex: s.callIndex,
      call: s.call,
      showCall,
      access: s.access,
      returned: s.returned,
      preemption: s.preemption === true,
      failing: failingStep !== null && s.step === failingStep,
    };
  });
}

/** True when the violation names a failing step the swimlane does not contain. */
export function failingStepMissing(report: Report): boolean {
  const f = report.violation?.failingStep ?? null;
  return f !== null && !report.steps.some((s) => s.step === f);
}

/** One line of the model-state diff. */
export interface DiffLine {
  readonly kind: "same" | "removed" | "added";
  readonly text: string;
}

/**
 * A model state as lines. `describeState` separates registry entries with "; " on one line; each
 * entry becomes a line of its own so a diff can point at the entry that changed.
 */
export function stateLines(state: string): string[] {
  return state.split("\n").flatMap((line) => line.split("; "));
}

/**
 * The line diff of two model states (longest common subsequence; removed lines before added ones
 * at each change). A missing side counts as no lines.
 */
export function stateDiff(before: string | null, after: string | null): DiffLine[] {
  const a = before === null ? [] : stateLines(before);
  const b = after === null ? [] : stateLines(after);
  // lcs[i][j] = length of the LCS of a[i..] and b[j..]
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    const row = lcs[i] as number[];
    const below = lcs[i + 1] as number[];
    for (let j = b.length - 1; j >= 0; j--) {
      row[j] = a[i] === b[j] ? (below[j + 1] as number) + 1 : Math.max(below[j] as number, row[j + 1] as number);
    }
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      out.push({ kind: "same", text: a[i] as string });
      i++;
      j++;
    } else if (j >= b.length || (i < a.length && (lcs[i + 1]?.[j] ?? 0) >= (lcs[i]?.[j + 1] ?? 0))) {
      out.push({ kind: "removed", text: a[i] as string });
      i++;
    } else {
      out.push({ kind: "added", text: b[j] as string });
      j++;
    }
  }
  return out;
}

/** 12345 → "12,345": fixed grouping, never the machine's locale, so renderings stay deterministic. */
export function groupDigits(n: number): string {
  if (!Number.isInteger(n)) return String(n);
  const sign = n < 0 ? "-" : "";
  return sign + String(Math.abs(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** Elapsed time in seconds with millisecond precision ("0.412 s"). */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(3)} s`;
}

/** Every verdict in words, for titles and summaries. */
export const verdictWords: Record<Report["verdict"], string> = {
  ok: "ok — every property held, to the coverage stated",
  violation: "violation — a property failed (a counterexample)",
  unknown: "unknown — a budget ran out before the stated coverage was reached",
  failed: "failed — the module under test itself failed (no property was judged past this point)",
};

/** The run's wall time, or why there is none: reports leave it out unless asked, to stay byte-identical. */
export function elapsedText(ms: number | null): string {
  return ms === null ? "not recorded; use --timings" : seconds(ms);
}

/** The note a report carries when the model blocks the same calls forever: the programs cannot finish. */
export function blockedByDesignText(report: Report): string | null {
  const b = report.coverage.blockedByDesign;
  if (b === null) return null;
  return `${b.times} end state${b.times === 1 ? "" : "s"} left calls blocked that the model blocks forever too (${b.calls.join(", ")}): these programs cannot finish, by the model's own rules.`;
}

/** The run's options as `name=value`, sorted by name. */
export function optionPairs(report: Report): string[] {
  return Object.keys(report.config.options)
    .sort()
    .map((k) => `${k}=${String(report.config.options[k])}`);
}

/** The memory fields, sorted by name. */
export function memoryEntries(report: Report): [string, number][] {
  return Object.keys(report.memory)
    .sort()
    .map((k) => [k, report.memory[k] as number]);
}

/**
 * The hazard a violation shows, in the extension's terms, for the report's heading: the first
 * clause of the judge's sentence (after "… returned R: " for a call the model could not place, up
 * to the first ": " or " (" that opens its details), e.g. "odbc's state used after runtime
 * re-initialisation". Falls back to the property's name when the sentence gives none.
 */
export function hazardOf(v: { readonly message: string; readonly propertyName: string }): string {
  const line = v.message.split("\n")[0] ?? "";
  const returned = /^.*? returned [^:]*: (.*)$/.exec(line);
  const why = returned?.[1] ?? line;
  const clause = why.split(/: | \(/)[0]?.trim() ?? "";
  return clause === "" ? v.propertyName : clause;
}

/** The heading of a violation: the hazard, then the property and its name. */
export function violationHeading(v: { readonly message: string; readonly property: string; readonly propertyName: string }): string {
  return `${hazardOf(v)} — ${v.property} (${v.propertyName})`;
}
