/**
 * Checking an extension written in C (way (a)): every scenario its hooks support, explored
 * exhaustively (bounded to 2 preemptions where the state space is too large, as `interlock compare`
 * does), judged by the scenario judge; a counterexample comes with a Markdown report whose
 * swimlane names the C file and line of every step.
 */
import type { Access } from "../impl/memory.js";
import { explore, replay, shrink, type ExploreResult, type FoundViolation } from "../properties/explorer/index.js";
import { describeExtCall, type ExtCall, type ExtResult } from "../properties/scenarios/library.js";
import { scenarios, type Scenario } from "../properties/scenarios/scenarios.js";
import { describeTracedAccess } from "../reports/build.js";
import { cClientCell, clientHooks, supportedOps } from "./client.js";
import type { CompiledC } from "./compile.js";

/** Scenarios a C client can run today (no acquire/release of extra resources). */
export const cClientScenarios: readonly Scenario[] = scenarios.filter((s) => s.programs.every((p) => p.every((c) => supportedOps.has(c._tag))));

/** The scenarios a compiled extension can run: those above, less `library` calls when it exports no call_library. */
export function scenariosFor(compiled: CompiledC): readonly Scenario[] {
  const exported = new Set(WebAssembly.Module.exports(new WebAssembly.Module(compiled.wasm)).map((e) => e.name));
  return cClientScenarios.filter((s) => exported.has(clientHooks.library) || s.programs.every((p) => p.every((c) => c._tag !== "library")));
}

export interface ClientRow {
  readonly scenario: string;
  readonly strategy: "exhaustive" | "bounded";
  readonly result: ExploreResult<ExtCall, ExtResult>;
  /** Why the exhaustive search gave way to the bounded one. */
  readonly fallback?: string;
  /** The counterexample as Markdown (swimlane with C lines), when there is one. */
  readonly report?: string;
}

/** States of the exhaustive search of one C client cell (the module-slots extension's henv cell needs about 1.04 million since every call passes the gate under the runtime lock, D3). */
export const defaultClientMaxStates = 1_500_000;

export function checkCClient(compiled: CompiledC, scenario: Scenario, maxStates = defaultClientMaxStates): ClientRow {
  const cell = cClientCell(compiled, scenario);
  const ex = explore(cell.subject, cell.programs, { ...cell.hooks, strategy: { kind: "exhaustive", symmetry: "off" }, limits: { maxStates } });
  let row: ClientRow = { scenario: scenario.id, strategy: "exhaustive", result: ex };
  if (ex.verdict === "unknown") {
    const bd = explore(cell.subject, cell.programs, { ...cell.hooks, strategy: { kind: "bounded", maxPreemptions: 2 } });
    row = { scenario: scenario.id, strategy: "bounded", result: bd, fallback: `exhaustive search ${ex.limit?.message ?? "incomplete"}` };
  }
  const found = row.result.violation;
  if (found === null) return row;
  // fewer preemptions, then fewer steps: the same failure, easier to read
  const v = shrink(cell.subject, cell.programs, found.token, cell.hooks).violation;
  return { ...row, result: { ...row.result, violation: v }, report: clientReport(compiled, scenario, v) };
}

const cell = (text: string): string => text.replace(/\|/g, "\\|").replace(/\n/g, "<br>");

/** The counterexample of a C client as Markdown: what broke, the programs, the swimlane, the replay token. */
export function clientReport(compiled: CompiledC, scenario: Scenario, v: FoundViolation<ExtCall, ExtResult>): string {
  const c = cClientCell(compiled, scenario);
  const r = replay(c.subject, c.programs, v.token, { ...c.hooks, trace: true });
  const trace = r.status === "replayed" && r.trace !== null ? r.trace : [];
  const n = c.programs.length;
  const lines = [
    `# interlock: C extension ${compiled.file} in scenario ${scenario.id} — counterexample`,
    "",
    `## Violated: ${v.property}`,
    "",
    `> ${v.message.split("\n")[0]}`,
    "",
    `Scenario: ${scenario.title} — ${scenario.story}`,
    "",
    ...c.programs.map((p) => `- interp ${p.interp}: ${p.calls.map(describeExtCall).join(", ")}`),
    "",
    `Schedule token: \`${v.token}\``,
    "",
    "## Swimlane",
    "",
    "One row per shared-memory step; each step of the extension names its C line (steps without one are the wrapped library's).",
    "",
    `| step | ${c.programs.map((p) => `interp ${p.interp}`).join(" | ")} |`,
    `|---:|${" --- |".repeat(n)}`,
  ];
  const names = c.wordNames;
  let last = -1;
  for (const row of trace) {
    const call = c.programs[row.thread]?.calls[row.callIndex];
    const head = row.accessIndex === 0 && call !== undefined ? `#${row.callIndex} ${describeExtCall(call)}<br>` : "";
    const returned = row.returned !== undefined ? `<br>⇒ ${JSON.stringify((row.returned as ExtResult)._tag === "Ok" ? (row.returned as { value: number }).value : (row.returned as { error: string }).error)}` : "";
    const text = head + cell(describeTracedAccess(row.access as Access, row.value, names)) + returned;
    const cols = c.programs.map((_, t) => (t === row.thread ? text : ""));
    const stamp = row.step === last ? "" : `${row.step}`;
    last = row.step;
    lines.push(`| ${stamp} | ${cols.join(" | ")} |`);
  }
  lines.push("");
  return lines.join("\n");
}
