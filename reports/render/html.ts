import { createHash } from "node:crypto";
import type { Report } from "../schema.js";
import { threadOf } from "../../model/thread.js";
import {
  failingStepMissing,
  groupDigits,
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
import { columns, FAILS_HERE, program } from "./markdown.js";

/**
 * The HTML rendering: one self-contained page to attach to a CI run or a bug report. Inline CSS,
 * no external resource of any kind, readable with scripts off. One tiny inline script adds a "copy"
 * button for the replay command; a Content-Security-Policy allows that script by its hash and
 * nothing else, so the page can make no request and — even if some text escaped its escaping — run
 * no other script.
 *
 * Hooks for tools and tests: the swimlane is `<table id="swimlane">`; its interpreter columns are
 * `<th data-interp="i">`; each row is `<tr data-step="n" data-interp="i">` (the mover), each lane
 * cell `<td data-interp="i">`; the failing row has class `failing` and `aria-current="step"`. The
 * replay command is `<code id="replay-command">`; the model-state diff is `<ol id="model-diff">`
 * with `<del>` / `<ins>` lines.
 */

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function htmlEscape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);
}

const e = htmlEscape;

/** Copies the replay command; marks the page so a test can see the script was allowed to run. */
const COPY_SCRIPT = `(function () {
  var button = document.getElementById("copy-replay");
  var code = document.getElementById("replay-command");
  if (!button || !code) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    var done = function () { button.textContent = "copied"; };
    if (navigator.clipboard) navigator.clipboard.writeText(code.textContent || "").then(done, function () { button.textContent = "select and copy"; });
  });
  document.documentElement.setAttribute("data-script", "ran");
})();`;

const SCRIPT_HASH = createHash("sha256").update(COPY_SCRIPT, "utf8").digest("base64");

const CSP = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${SCRIPT_HASH}'; img-src 'none'; base-uri 'none'; form-action 'none'`;

/** One hue per interpreter, so a lane keeps its colour across the page. */
function hue(interp: number): number {
  return (interp * 137) % 360;
}

const CSS = `
:root { color-scheme: light dark; --fg: #1b1f24; --bg: #ffffff; --muted: #59636e; --line: #d1d9e0; --fail: #cf222e; --fail-bg: #ffebe9; --add-bg: #dafbe1; --del-bg: #ffebe9; --code-bg: #f6f8fa; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --bg: #0d1117; --muted: #9198a1; --line: #3d444d; --fail: #ff7b72; --fail-bg: #3c1618; --add-bg: #12361f; --del-bg: #3c1618; --code-bg: #151b23; } }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1200px; padding: 1.5rem; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
h1 { font-size: 1.5rem; margin: 0 0 .5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; } h3 { font-size: 1rem; margin: 1rem 0 .25rem; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .88em; }
pre, .replay { background: var(--code-bg); border: 1px solid var(--line); border-radius: 6px; padding: .6rem .8rem; overflow-x: auto; }
.replay { display: flex; gap: .75rem; align-items: flex-start; } .replay code { flex: 1; white-space: pre-wrap; word-break: break-all; }
button { font: inherit; font-size: .85em; padding: .15rem .6rem; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--fg); cursor: pointer; }
.verdict { display: inline-block; padding: .1rem .6rem; border-radius: 999px; font-weight: 600; border: 1px solid currentColor; }
.verdict-agreement { color: #1a7f37; } .verdict-counterexample { color: var(--fail); } .verdict-budget { color: #9a6700; }
table { border-collapse: collapse; margin: .5rem 0; } th, td { border: 1px solid var(--line); padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: var(--code-bg); } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.summary td:first-child { color: var(--muted); }
.violation { border-left: 4px solid var(--fail); background: var(--fail-bg); padding: .5rem 1rem; border-radius: 0 6px 6px 0; }
.violation .message { font-weight: 600; margin: .25rem 0; }
.scroll { overflow-x: auto; }
#swimlane { width: 100%; table-layout: fixed; } #swimlane thead th { position: sticky; top: 0; }
#swimlane th.step { width: 4.5rem; }
#swimlane td.lane { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .82em; word-break: break-word; }
#swimlane td.lane.active { border-left-width: 4px; }
#swimlane .call { display: block; font-weight: 600; } #swimlane .returned { display: block; color: #1a7f37; } #swimlane .preempted { display: block; color: var(--muted); font-style: italic; }
#swimlane tr.failing th, #swimlane tr.failing td { background: var(--fail-bg); } #swimlane tr.failing td.active { outline: 2px solid var(--fail); outline-offset: -2px; }
.fails-here { display: block; color: var(--fail); font-weight: 700; }
#model-diff { list-style: none; padding: .5rem 0; margin: 0; background: var(--code-bg); border: 1px solid var(--line); border-radius: 6px; }
#model-diff li { padding: 0 .8rem; white-space: pre-wrap; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .88em; }
#model-diff li::before { display: inline-block; width: 1.2em; content: " "; } #model-diff li.removed::before { content: "-"; } #model-diff li.added::before { content: "+"; }
#model-diff li.removed { background: var(--del-bg); } #model-diff li.added { background: var(--add-bg); }
#model-diff del, #model-diff ins { text-decoration: none; }
.muted { color: var(--muted); }
`;

function laneCell(row: SwimlaneRow): string {
  const parts: string[] = [];
  if (row.showCall) parts.push(`<span class="call">#${row.callIndex} ${e(row.call)}</span>`);
  parts.push(`<span class="access">${e(row.access)}</span>`);
  if (row.returned !== undefined) parts.push(`<span class="returned">⇒ returned ${e(row.returned)}</span>`);
  if (row.preemption) parts.push(`<span class="preempted">⟲ preempted</span>`);
  if (row.failing) parts.push(`<strong class="fails-here">${FAILS_HERE}</strong>`);
  return parts.join("");
}

function laneStyle(interp: number): string {
  return `border-left-color: hsl(${hue(interp)} 60% 50%)`;
}

function swimlane(report: Report): string {
  const interps = interpretersOf(report);
  const head = `<tr><th scope="col" class="step num">step</th>${interps
    .map((i) => `<th scope="col" data-interp="${i}" style="border-bottom: 3px solid hsl(${hue(i)} 60% 50%)">${laneLabel(i)}</th>`)
    .join("")}</tr>`;
  const body = swimlaneRows(report)
    .map((row) => {
      const attrs = `data-step="${row.step}" data-interp="${row.interp}"${row.failing ? ' id="failing-step" class="failing" aria-current="step"' : ""}`;
      const cells = interps
        .map((i) =>
          i === row.interp
            ? `<td class="lane active" data-interp="${i}" style="${laneStyle(i)}">${laneCell(row)}</td>`
            : `<td class="lane" data-interp="${i}"></td>`,
        )
        .join("");
      return `<tr ${attrs}><th scope="row" class="num">${row.step}</th>${cells}</tr>`;
    })
    .join("\n");
  return `<div class="scroll"><table id="swimlane">\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table></div>`;
}

function section(id: string, title: string, body: string): string {
  return `<section id="${id}">\n<h2>${title}</h2>\n${body}\n</section>`;
}

export function renderHtml(report: Report): string {
  const v = report.violation;
  const title = `interlock: ${report.family} / ${report.subject} — ${report.verdict}`;
  const parts: string[] = [];

  parts.push(
    `<header>\n<h1>interlock: ${e(report.family)} / ${e(report.subject)}</h1>\n<p><span class="verdict verdict-${report.verdict}">${e(report.verdict)}</span> <span class="muted">${e(verdictWords[report.verdict])}</span></p>\n</header>`,
  );

  const options = optionPairs(report);
  const summaryRows: [string, string][] = [
    ["coverage", e(report.coverage.sentence)],
    ...(blockedByDesignText(report) === null ? [] : [["blocked forever", e(blockedByDesignText(report) ?? "")] as [string, string]]),
    ["strategy", `${e(report.coverage.strategy)} <span class="muted">(${e(report.coverage.guarantee)})</span>`],
    ["executions", groupDigits(report.coverage.executions)],
    ["states", groupDigits(report.coverage.states)],
    ["elapsed", elapsedText(report.coverage.elapsedMs)],
    ["interpreters", String(report.config.interpreters)],
    ["capacity", String(report.config.capacity)],
    ["seed", String(report.config.seed)],
  ];
  if (options.length > 0) summaryRows.push(["options", options.map((o) => `<code>${e(o)}</code>`).join(" ")]);
  parts.push(
    section(
      "summary",
      "What this run proved",
      `<table class="summary"><tbody>\n${summaryRows.map(([k, val]) => `<tr><td>${k}</td><td>${val}</td></tr>`).join("\n")}\n</tbody></table>`,
    ),
  );

  parts.push(
    section(
      "replay",
      "Replay",
      `<div class="replay"><code id="replay-command">${e(report.replay)}</code><button type="button" id="copy-replay" hidden>copy</button></div>\n` +
        (report.token === null
          ? `<p class="muted">No schedule token (no execution is shown).</p>`
          : `<p>Schedule token: <code id="schedule-token">${e(report.token)}</code></p>`),
    ),
  );

  const byInterp = new Map(report.programs.map((p) => [threadOf(p), p.calls]));
  parts.push(
    section(
      "programs",
      "Programs",
      interpretersOf(report)
        .map((i) => {
          const calls = byInterp.get(i) ?? [];
          const list = calls.length === 0 ? `<p class="muted">(no calls)</p>` : `<ol start="0">${calls.map((c) => `<li><code>${e(c)}</code></li>`).join("")}</ol>`;
          return `<div class="program" data-interp="${i}"><h3>${laneLabel(i).replace(/^interp/, "Interpreter")}</h3>${list}</div>`;
        })
        .join("\n"),
    ),
  );

  if (v !== null) {
    const body: string[] = [`<div class="violation">`, `<p class="message">${e(v.message)}</p>`];
    if (v.failingStep !== null) {
      body.push(
        `<p>Failing step: <a href="${failingStepMissing(report) ? "#swimlane" : "#failing-step"}"><strong>${v.failingStep}</strong></a>${failingStepMissing(report) ? " (not among the steps shown)" : ""}</p>`,
      );
    }
    if (v.stuckCall !== null) body.push(`<p>The model could not place: <code>${e(v.stuckCall)}</code></p>`);
    body.push(`</div>`);
    if (v.narrative.length > 0) body.push(`<h3>What happened</h3>\n<ol id="narrative">${v.narrative.map((l) => `<li>${e(l)}</li>`).join("")}</ol>`);
    parts.push(section("violation", e(violationHeading(v)), body.join("\n")));
  } else if (report.verdict === "violation") {
    parts.push(section("violation", "Violated", `<p>The report records a counterexample but no violation details.</p>`));
  }

  parts.push(
    section(
      "steps",
      "Swimlane",
      report.steps.length === 0
        ? `<p class="muted">No shared-memory steps recorded.</p>`
        : `<p class="muted">${columns(report)}, one row per shared-memory step of the ${v !== null ? "failing execution" : "last execution run"}; #n is the call's index in the ${program(report)}.</p>\n${swimlane(report)}`,
    ),
  );

  parts.push(
    section(
      "history",
      "History",
      report.history.length === 0
        ? `<p class="muted">No calls recorded.</p>`
        : `<table><thead><tr><th class="num">interp</th><th class="num">#</th><th>call</th><th class="num">invoke</th><th class="num">respond</th><th>result</th></tr></thead><tbody>\n${report.history
            .map(
              (h) =>
                `<tr data-interp="${threadOf(h)}"${h.respond === null ? ' class="pending"' : ""}><td class="num">${laneLabel(threadOf(h)).replace(/^interp /, "")}</td><td class="num">${h.callIndex}</td><td class="mono">${e(h.call)}</td><td class="num">${h.invoke}</td><td class="num">${h.respond === null ? "—" : h.respond}</td><td class="mono">${e(h.result)}</td></tr>`,
            )
            .join("\n")}\n</tbody></table>`,
    ),
  );

  if (v !== null && (v.modelBefore !== null || v.modelAfter !== null)) {
    const lines = stateDiff(v.modelBefore, v.modelAfter ?? v.modelBefore)
      .map((d) =>
        d.kind === "same"
          ? `<li class="same">${e(d.text)}</li>`
          : d.kind === "removed"
            ? `<li class="removed"><del>${e(d.text)}</del></li>`
            : `<li class="added"><ins>${e(d.text)}</ins></li>`,
      )
      .join("\n");
    parts.push(
      section(
        "model-state",
        "Model state",
        `<p class="muted">${
          v.modelAfter === null
            ? "After the longest linearizable prefix. The model cannot take the failing call there: it would block."
            : "Before: after the longest linearizable prefix. After: after the failing call. Highlighted lines changed (− left the state, + entered it)."
        }</p>\n<ol id="model-diff">\n${lines}\n</ol>`,
      ),
    );
  }

  const memory = memoryEntries(report);
  parts.push(
    section(
      "memory",
      "Shared memory",
      memory.length === 0
        ? `<p class="muted">No memory recorded.</p>`
        : `<table><thead><tr><th>field</th><th class="num">value</th></tr></thead><tbody>\n${memory
            .map(([k, n]) => `<tr><td class="mono">${e(k)}</td><td class="num">${n}</td></tr>`)
            .join("\n")}\n</tbody></table>`,
    ),
  );

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${e(CSP)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="interlock report v${report.version}">
<title>${e(title)}</title>
<style>${CSS}</style>
</head>
<body>
${parts.join("\n")}
<script>${COPY_SCRIPT}</script>
</body>
</html>
`;
}
