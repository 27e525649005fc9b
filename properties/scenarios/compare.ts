/**
 * The proposal comparison: every scenario (rows) against every column's client code (columns),
 * each cell decided by the explorer and judged by cell-judge.ts, with the lines of client code the
 * author had to write (lines.ts). Renderers: Markdown (the full report, and the README block) and
 * one self-contained HTML page.
 *
 * How a cell is decided: the exhaustive strategy (stateful DFS over every interleaving of the 3
 * interpreters) with a state budget; when the budget runs out first, the cell falls back to
 * iterative context bounding with up to 2 preemptions (CHESS: most bugs need ≤ 2), and the cell
 * says so. A violation from either is a real counterexample with a replay token.
 */
import type { ExtCall, ExtResult } from "./library.js";
import { describeExtCall } from "./library.js";
import { cellSubject } from "./cell.js";
import { clients, type Client } from "./clients.js";
import { linesFor } from "./lines.js";
import { opsUsed, scenarios, type Scenario } from "./scenarios.js";
import { explore, type ExploreResult, type FoundViolation, type Verdict } from "../explorer/index.js";
import { propertyNames } from "../judge/property-classifier.js";

/**
 * A cell's verdict, in the one vocabulary of the explorer, the checker and the reports: "ok" (the
 * client code is safe in this scenario, to the coverage stated), "violation" (a hazard was found),
 * "unknown" (a budget ran out). The matrix renders them as the words a designer reads: safe / UNSAFE.
 */
export type CellVerdict = Verdict;

/** One decided cell. Everything but `ms` is deterministic (the searches are). */
export interface Cell {
  readonly scenario: string;
  readonly column: string;
  readonly verdict: CellVerdict;
  /** Lines of client code the author wrote for this scenario (lines.ts). */
  readonly lines: number;
  /** The strategy that decided the cell. */
  readonly strategy: "exhaustive" | "bounded";
  /** Why the exhaustive search did not decide it (set when it fell back). */
  readonly fallback?: string;
  /** The deciding search's coverage sentence. */
  readonly coverage: string;
  readonly states: number;
  /** States the exhaustive search stored before it ran out of budget (set when it fell back): work spent besides \`states\`. */
  readonly exhaustiveStates?: number;
  readonly ms: number;
  readonly property?: string;
  readonly message?: string;
  /** One line: who did what, then what broke. */
  readonly story?: string;
  readonly token?: string;
}

export interface Matrix {
  readonly scenarios: readonly { readonly id: string; readonly title: string; readonly story: string }[];
  readonly columns: readonly { readonly column: string; readonly family: string; readonly naive: boolean; readonly mistake: string }[];
  readonly cells: readonly Cell[];
}

export interface CompareOptions {
  /** Scenario ids to run (default all). */
  readonly scenarios?: readonly string[];
  /** Column names to run (default all). */
  readonly columns?: readonly string[];
  /** State budget of the exhaustive search before falling back to bounded (default 100,000). */
  readonly maxExhaustiveStates?: number;
  /** Called after each cell (for progress lines). */
  readonly onCell?: (cell: Cell) => void;
}

export const defaultMaxExhaustiveStates = 100_000;
const BOUNDED_PREEMPTIONS = 2;

/** The one-line story of a violation: each interpreter's calls so far, then what broke. */
export function storyOf(v: FoundViolation<ExtCall, ExtResult>): string {
  const byInterp = new Map<number, string[]>();
  for (const h of [...v.execution.history].sort((a, b) => a.invoke - b.invoke)) {
    const text = describeExtCall(h.call) + (h.response === null ? "…" : h.response.result._tag === "Err" ? `→${h.response.result.error}` : "");
    byInterp.set(h.interp, [...(byInterp.get(h.interp) ?? []), text]);
  }
  const who = [...byInterp.entries()].sort(([a], [b]) => a - b).map(([i, calls]) => `interp ${i}: ${calls.join(", ")}`);
  return `${who.join("; ")} — ${v.message.split("\n")[0]}`;
}

function fromResult(base: Omit<Cell, "verdict" | "coverage" | "states" | "ms" | "strategy">, strategy: Cell["strategy"], r: ExploreResult<ExtCall, ExtResult>, ms: number, fallback?: { why: string; states: number }): Cell {
  const common = { ...base, strategy, coverage: r.coverage.sentence, states: r.stats.states, ms, ...(fallback ? { fallback: fallback.why, exhaustiveStates: fallback.states } : {}) };
  if (r.verdict === "violation" && r.violation) {
    const v = r.violation;
    return { ...common, verdict: "violation", property: v.property, message: v.message.split("\n")[0] as string, story: storyOf(v), token: v.token };
  }
  if (r.verdict === "ok") return { ...common, verdict: "ok" };
  return { ...common, verdict: "unknown", message: r.limit?.message ?? "a limit was hit" };
}

/** Decides one cell. */
export function decideCell(client: Client, scenario: Scenario, maxExhaustiveStates = defaultMaxExhaustiveStates): Cell {
  const base = { scenario: scenario.id, column: client.column, lines: linesFor(client.column, opsUsed(scenario)) };
  const c = cellSubject(client, scenario);
  const t0 = performance.now();
  const ex = explore(c.subject, c.programs, { ...c.hooks, strategy: { kind: "exhaustive", symmetry: "off" }, limits: { maxStates: maxExhaustiveStates } });
  if (ex.verdict !== "unknown") return fromResult(base, "exhaustive", ex, performance.now() - t0);
  const why = ex.limit?.message ?? "unknown";
  const bd = explore(c.subject, c.programs, { ...c.hooks, strategy: { kind: "bounded", maxPreemptions: BOUNDED_PREEMPTIONS } });
  return fromResult(base, "bounded", bd, performance.now() - t0, { why: `exhaustive search ${why}`, states: ex.stats.states });
}

/** Decides every selected cell, row by row. */
export function compareAll(options: CompareOptions = {}): Matrix {
  const rows = scenarios.filter((s) => options.scenarios === undefined || options.scenarios.includes(s.id));
  const cols = clients.filter((c) => options.columns === undefined || options.columns.includes(c.column));
  const cells: Cell[] = [];
  for (const s of rows) {
    for (const c of cols) {
      const cell = decideCell(c, s, options.maxExhaustiveStates);
      cells.push(cell);
      options.onCell?.(cell);
    }
  }
  return matrixOf(rows, cols, cells);
}

/** A matrix of these scenarios (rows) and clients (columns) with its decided cells. */
export function matrixOf(rows: readonly Scenario[], cols: readonly Client[], cells: readonly Cell[]): Matrix {
  return {
    scenarios: rows.map((s) => ({ id: s.id, title: s.title, story: s.story })),
    columns: cols.map((c) => ({ column: c.column, family: c.family, naive: c.naive, mistake: c.mistake })),
    cells,
  };
}

export function cellAt(m: Matrix, scenario: string, column: string): Cell | undefined {
  return m.cells.find((c) => c.scenario === scenario && c.column === column);
}

const anchor = (c: Cell): string => `cx-${c.scenario}-${c.column}`;
/** A cell in the matrix's words. */
const label = (c: Cell): string => (c.verdict === "ok" ? "safe" : c.verdict === "violation" ? `UNSAFE ${c.property}` : "unknown");
const bound = (c: Cell): string => (c.strategy === "bounded" ? "†" : "");
const esc = (s: string): string => s.replace(/\|/g, "\\|");

/**
 * The README block: the matrix (rows scenarios, columns families; "safe (N lines)" or
 * "UNSAFE Pn (N lines)" linking to its counterexample), a legend, and one section per
 * counterexample with its story and replay token. Deterministic: no timings.
 */
export function matrixMarkdownBlock(m: Matrix, budget?: number): string {
  const out: string[] = [];
  out.push(`| scenario | ${m.columns.map((c) => `\`${c.column}\``).join(" | ")} |`);
  out.push(`|---|${m.columns.map(() => "---").join("|")}|`);
  for (const s of m.scenarios) {
    const row = m.columns.map((col) => {
      const c = cellAt(m, s.id, col.column);
      if (!c) return "—";
      const text = c.verdict === "violation" ? `[${label(c)}](#${anchor(c)})` : label(c);
      return `${text}${bound(c)} (${c.lines} lines)`;
    });
    out.push(`| ${esc(s.title)} | ${row.join(" | ")} |`);
  }
  out.push("");
  out.push("Lines = lines of client code the extension author wrote for that scenario (rule: `properties/scenarios/clients.ts`). ");
  out.push(`Each cell: every interleaving of 3 interpreters explored exhaustively; † = the exhaustive search ran past its state budget${budget === undefined ? "" : ` (${budget.toLocaleString("en-US")} stored states)`} and the cell was decided by every schedule with at most 2 preemptions instead.`);
  const naive = m.columns.filter((c) => c.naive);
  if (naive.length > 0) out.push(`Naive columns: ${naive.map((c) => `\`${c.column}\` — ${c.mistake}`).join("; ")}.`);
  const unsafe = m.cells.filter((c) => c.verdict === "violation");
  if (unsafe.length > 0) {
    out.push("");
    out.push("### Counterexamples");
    for (const c of unsafe) {
      out.push("");
      out.push(`<a id="${anchor(c)}"></a>`);
      out.push(`**${c.column} × ${c.scenario}: ${c.property}** (${propertyNames[c.property as keyof typeof propertyNames] ?? ""})  `);
      out.push(`${c.story ?? c.message ?? ""}  `);
      out.push(`replay: \`${c.token}\``);
    }
  }
  return out.join("\n");
}

/** The full Markdown report: the block, then every cell's coverage and timing. */
export function matrixMarkdown(m: Matrix): string {
  const out = ["# interlock compare: which API lets extension authors manage process-global state safely", "", matrixMarkdownBlock(m), "", "## Every cell", ""];
  out.push("| scenario | column | verdict | strategy | states | ms | coverage |");
  out.push("|---|---|---|---|---|---|---|");
  for (const c of m.cells) {
    out.push(`| ${c.scenario} | ${c.column} | ${label(c)} | ${c.strategy}${c.fallback ? ` (${esc(c.fallback)})` : ""} | ${c.states} | ${c.ms.toFixed(0)} | ${esc(c.coverage)} |`);
  }
  out.push("", "## Scenarios", "");
  for (const s of m.scenarios) out.push(`- **${s.title}** (\`${s.id}\`): ${s.story}`);
  return out.join("\n") + "\n";
}

const html = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** One self-contained HTML page (inline CSS, no scripts, no network). */
export function matrixHtml(m: Matrix): string {
  const head = m.columns.map((c) => `<th>${html(c.column)}${c.naive ? `<br><small>${html(c.mistake)}</small>` : ""}</th>`).join("");
  const rows = m.scenarios
    .map((s) => {
      const tds = m.columns
        .map((col) => {
          const c = cellAt(m, s.id, col.column);
          if (!c) return "<td>—</td>";
          const text = c.verdict === "violation" ? `<a href="#${anchor(c)}">${html(label(c))}</a>` : html(label(c));
          return `<td class="${c.verdict}" title="${html(c.coverage)}">${text}${bound(c)}<br><small>${c.lines} lines</small></td>`;
        })
        .join("");
      return `<tr><th title="${html(s.story)}">${html(s.title)}</th>${tds}</tr>`;
    })
    .join("\n");
  const cx = m.cells
    .filter((c) => c.verdict === "violation")
    .map(
      (c) =>
        `<section id="${anchor(c)}"><h3>${html(`${c.column} × ${c.scenario}: ${c.property}`)}</h3><p>${html(c.story ?? "")}</p><p>replay token: <code>${html(c.token ?? "")}</code></p><p><small>${html(c.coverage)}</small></p></section>`,
    )
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>interlock compare</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:.4em .6em;text-align:center;vertical-align:top}
th{background:#f4f4f4}tr th:first-child{text-align:left}
td.safe{background:#e6f4ea}td.unsafe{background:#fce8e6}td.unknown{background:#fef7e0}
code{font-size:12px;word-break:break-all}section{border-top:1px solid #ddd;margin-top:1em}
</style></head><body>
<h1>Which API lets extension authors manage process-global state safely, with the least code?</h1>
<p>Rows: the thread's use cases. Columns: client code written against each proposal (and naive variants). Each cell: 3 interpreters, every interleaving explored († = fell back to ≤ ${BOUNDED_PREEMPTIONS} preemptions); lines = client code the author wrote.</p>
<table><tr><th>scenario</th>${head}</tr>
${rows}
</table>
<h2>Counterexamples</h2>
${cx}
</body></html>
`;
}

/** The README markers the block lives between. */
export const README_BEGIN = "<!-- compare:begin -->";
export const README_END = "<!-- compare:end -->";

/** The README text between the markers, or undefined when they are missing. */
export function readmeBlock(readme: string): string | undefined {
  const b = readme.indexOf(README_BEGIN);
  const e = readme.indexOf(README_END);
  if (b < 0 || e < b) return undefined;
  return readme.slice(b + README_BEGIN.length, e).replace(/^\n/, "").replace(/\n$/, "");
}

/** The README with the block replaced; throws when the markers are missing. */
export function withReadmeBlock(readme: string, block: string): string {
  const b = readme.indexOf(README_BEGIN);
  const e = readme.indexOf(README_END);
  if (b < 0 || e < b) throw new Error(`README.md has no ${README_BEGIN} … ${README_END} markers`);
  return `${readme.slice(0, b + README_BEGIN.length)}\n${block}\n${readme.slice(e)}`;
}
