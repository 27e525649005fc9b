/**
 * The comparison as a designer reads it, rendered from the checked-in data (properties/scenarios/
 * compare.json, compare-data.ts) — never from hand-written figures:
 *   - the README block: the per-API summary (lines, mistakes possible / caught / impossible, the
 *     properties the API takes off the author's hands), the mistake × API table, the scenario × API
 *     table of mistakes, then the scenario matrix with its counterexamples;
 *   - the catalogue page (properties/scenarios/mistakes/CATALOGUE.md): every entry, every cell, each
 *     caught one with its property, story, replay token and the command that writes its report;
 *   - the HTML page: the matrix page with the catalogue added.
 */
import { matrixHtml, matrixMarkdownBlock, type Matrix } from "../properties/scenarios/compare.js";
import { COMPARE_DATA_PATH, familySummaries, REGENERATE, type CompareData } from "../properties/scenarios/compare-data.js";
import type { CatalogueCell, JudgedEntry } from "../properties/scenarios/mistakes/judge.js";
import { propertyNames } from "../properties/judge/property-classifier.js";

/** Where the catalogue page lives, relative to the repository root. */
export const CATALOGUE_PAGE_PATH = "properties/scenarios/mistakes/CATALOGUE.md";
/** The compiled catalogue module a mistake's client is checked from (`verify --client …#id`). */
const CATALOGUE_MODULE = "dist/properties/scenarios/mistakes/catalogue.js";

const esc = (s: string): string => s.replace(/\|/g, "\\|");
type Caught = Extract<CatalogueCell, { status: "caught" }>;
const caught = (e: JudgedEntry): Caught[] => (e.possible ? e.cells.filter((c): c is Caught => c.status === "caught") : []);
const reached = (e: JudgedEntry): CatalogueCell[] => (e.possible ? e.cells.filter((c) => c.status !== "not-reached") : []);
const distinct = (xs: readonly string[]): string[] => [...new Set(xs)];
const anchorOf = (id: string): string => id.replace(/[^A-Za-z0-9_-]/g, "-");

/** The command that writes a caught cell's full report (`interlock replay` replays it). */
export const reportCommand = (id: string, scenario: string, maxStates: number): string => `node bin/interlock.mjs verify --client ${CATALOGUE_MODULE}#${id} --scenario ${scenario} --max-states ${maxStates}`;

/** A catalogue entry in a table cell: impossible, or caught in k of the n scenarios that reach it (properties). */
function entryCell(e: JudgedEntry | undefined, link: (id: string) => string): string {
  if (e === undefined) return "—";
  if (!e.possible) return `impossible`;
  const c = caught(e);
  const n = reached(e).length;
  const props = distinct(c.map((x) => x.property)).join(", ");
  const open = e.cells.some((x) => (x.status === "missed" && x.explanation === undefined) || x.status === "failed") ? " ⚠" : "";
  return `[${c.length > 0 ? `caught ${c.length}/${n}` : `missed 0/${n}`}${props ? ` (${props})` : ""}](${link(e.id)})${open}`;
}

/** The designer summary and the mistake tables (Markdown), links made by `link`. */
export function catalogueMarkdown(d: CompareData, link: (id: string) => string): string {
  const out: string[] = [];
  const families = familySummaries(d);
  out.push("**Per API** (from the mistake catalogue; lines = the correct column's client code, henv case and range over the scenarios):", "");
  out.push("| API | lines of client code | mistakes possible | caught | missed | impossible | properties a mistake broke | taken off the author's hands |");
  out.push("|---|---|---|---|---|---|---|---|");
  for (const f of families) {
    out.push(
      `| \`${f.family}\` | ${f.lines.henv} (${f.lines.min}–${f.lines.max}) | ${f.possible} | ${f.caught} | ${f.missed.length} | ${f.impossible} | ${f.properties.join(", ") || "none"} | ${f.offHands.join(", ") || "none"} |`,
    );
  }
  out.push("");
  out.push(
    "\"Taken off the author's hands\": properties a catalogued mistake against another API broke but none against this one did. A cell records the first violation its search meets (a mistake may break more than one property), so an absent property is evidence from this catalogue, not a proof. A mistake is caught when some scenario that runs the code it changes finds a violation; a missed one is explained in the catalogue (the API absorbs it, or the scenarios cannot show it), and ⚠ marks an entry with a missed cell nobody has explained yet.",
    "",
  );
  out.push("**Mistakes per API** (caught in k of the n scenarios that run the changed code):", "");
  out.push(`| mistake | ${families.map((f) => `\`${f.family}\``).join(" | ")} |`);
  out.push(`|---|${families.map(() => "---").join("|")}|`);
  for (const k of d.kinds) {
    out.push(`| ${esc(k.title)} (\`${k.id}\`) | ${families.map((f) => entryCell(d.catalogue.find((e) => e.family === f.family && e.kind === k.id), link)).join(" | ")} |`);
  }
  out.push("");
  out.push("**Mistakes per scenario** (caught / reached of the possible mistakes; impossible ones are not counted):", "");
  out.push(`| scenario | ${families.map((f) => `\`${f.family}\``).join(" | ")} |`);
  out.push(`|---|${families.map(() => "---").join("|")}|`);
  for (const s of d.matrix.scenarios) {
    const row = families.map((f) => {
      const cells = d.catalogue.filter((e) => e.family === f.family && e.possible).flatMap((e) => (e.possible ? e.cells.filter((c) => c.scenario === s.id) : []));
      const r = cells.filter((c) => c.status !== "not-reached");
      const c = r.filter((x) => x.status === "caught").length;
      const bounded = r.filter((x) => (x.status === "caught" || x.status === "missed") && x.strategy === "bounded").length;
      return `${c}/${r.length}${bounded > 0 ? ` (${bounded}†)` : ""}`;
    });
    out.push(`| ${esc(s.title)} | ${row.join(" | ")} |`);
  }
  out.push("");
  out.push(
    `Catalogue cells: each decided by the exhaustive search up to ${d.budgets.catalogue.toLocaleString("en-US")} stored states, else (†) by every schedule with at most 2 preemptions; every cell's exact coverage is in [the catalogue](${CATALOGUE_PAGE_PATH}) and \`${COMPARE_DATA_PATH}\`.`,
  );
  return out.join("\n");
}

/** The README block: the catalogue summary, then the scenario matrix and its counterexamples. */
export function compareReadmeBlock(d: CompareData): string {
  const m = d.matrix as unknown as Matrix;
  return [
    `Generated by \`${REGENERATE}\` from \`${COMPARE_DATA_PATH}\`.`,
    "",
    catalogueMarkdown(d, (id) => `${CATALOGUE_PAGE_PATH}#${anchorOf(id)}`),
    "",
    "**The scenario matrix** (the correct column of each API, and three naive variants):",
    "",
    matrixMarkdownBlock(m, d.budgets.columns),
  ].join("\n");
}

function cellLine(id: string, c: CatalogueCell, maxStates: number): string[] {
  switch (c.status) {
    case "not-reached":
      return [`- \`${c.scenario}\`: not reached — ${c.why}`];
    case "failed":
      return [`- \`${c.scenario}\`: **the catalogue's client failed** — ${c.message}`];
    case "missed":
      return [`- \`${c.scenario}\`: missed (${c.strategy}${c.strategy === "bounded" ? "†" : ""}: ${c.coverage}) — ${c.explanation ?? "**unexplained: an open finding**"}`];
    case "caught":
      return [
        `- \`${c.scenario}\`: **caught, ${c.property}** (${propertyNames[c.property as keyof typeof propertyNames] ?? c.property}); ${c.strategy}${c.strategy === "bounded" ? "†" : ""}: ${c.coverage}  `,
        `  ${c.story}  `,
        `  replay: \`${c.token}\`; report: \`${reportCommand(id, c.scenario, maxStates)}\``,
      ];
  }
}

/** The catalogue page: every entry and every cell. */
export function cataloguePage(d: CompareData): string {
  const out = [
    "# The mistake catalogue",
    "",
    `Generated by \`${REGENERATE}\` from \`${COMPARE_DATA_PATH}\` (do not edit). Every entry is a small change to an API's correct column client (properties/scenarios/mistakes/), or \"impossible\" with the reason. A caught cell's report: run its \`report\` command after \`npm run build\`; \`interlock replay\` replays the report it writes.`,
    "",
    catalogueMarkdown(d, (id) => `#${anchorOf(id)}`),
  ];
  for (const f of familySummaries(d)) {
    out.push("", `## \`${f.family}\``);
    for (const e of d.catalogue.filter((x) => x.family === f.family)) {
      const k = d.kinds.find((x) => x.id === e.kind);
      out.push("", `<a id="${anchorOf(e.id)}"></a>`, `### ${e.id}: ${k?.title ?? e.kind}`, "");
      out.push(`*Kind:* ${k?.what ?? ""} *Source:* ${k?.source ?? ""}`, "");
      if (!e.possible) {
        out.push(`**Impossible.** ${e.reason}`);
        continue;
      }
      out.push(`**The mistake:** ${e.description} *Changes:* ${e.changes.join(", ")}.`, "");
      for (const c of e.cells) out.push(...cellLine(e.id, c, d.budgets.catalogue));
    }
  }
  return out.join("\n") + "\n";
}

const html = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** The catalogue as HTML: the per-API summary, the mistake table linking to each entry, every entry's cells. */
function catalogueHtml(d: CompareData): string {
  const fams = familySummaries(d);
  const summary = fams
    .map((f) => `<tr><th>${html(f.family)}</th><td>${f.lines.henv} (${f.lines.min}–${f.lines.max})</td><td>${f.possible}</td><td>${f.caught}</td><td>${f.missed.length}</td><td>${f.impossible}</td><td>${html(f.properties.join(", ") || "none")}</td><td>${html(f.offHands.join(", ") || "none")}</td></tr>`)
    .join("\n");
  const table = d.kinds
    .map((k) => {
      const tds = fams
        .map((f) => {
          const e = d.catalogue.find((x) => x.family === f.family && x.kind === k.id);
          if (e === undefined) return "<td>—</td>";
          if (!e.possible) return `<td class="impossible" title="${html(e.reason)}"><a href="#${anchorOf(e.id)}">impossible</a></td>`;
          const c = caught(e);
          return `<td class="${c.length > 0 ? "violation" : "unknown"}"><a href="#${anchorOf(e.id)}">${c.length > 0 ? "caught" : "missed"} ${c.length}/${reached(e).length}</a><br><small>${html(distinct(c.map((x) => x.property)).join(", "))}</small></td>`;
        })
        .join("");
      return `<tr><th title="${html(k.what)}">${html(k.title)}</th>${tds}</tr>`;
    })
    .join("\n");
  const entries = d.catalogue
    .map((e) => {
      const head = `<section id="${anchorOf(e.id)}"><h3>${html(e.id)}</h3>`;
      if (!e.possible) return `${head}<p><b>Impossible.</b> ${html(e.reason)}</p></section>`;
      const cells = e.cells
        .map((c) => {
          if (c.status === "caught") return `<li><b>${html(c.scenario)}: caught, ${html(c.property)}</b> (${html(c.strategy)}: ${html(c.coverage)})<br>${html(c.story)}<br>replay token: <code>${html(c.token)}</code><br>report: <code>${html(reportCommand(e.id, c.scenario, d.budgets.catalogue))}</code></li>`;
          if (c.status === "missed") return `<li>${html(c.scenario)}: missed (${html(c.coverage)}) — ${html(c.explanation ?? "unexplained: an open finding")}</li>`;
          if (c.status === "failed") return `<li>${html(c.scenario)}: the client failed — ${html(c.message)}</li>`;
          return `<li>${html(c.scenario)}: not reached</li>`;
        })
        .join("");
      return `${head}<p>${html(e.description)}</p><ul>${cells}</ul></section>`;
    })
    .join("\n");
  return `<h2>The mistake catalogue</h2>
<table><tr><th>API</th><th>lines</th><th>possible</th><th>caught</th><th>missed</th><th>impossible</th><th>properties a mistake broke</th><th>taken off the author's hands</th></tr>
${summary}
</table>
<table><tr><th>mistake</th>${fams.map((f) => `<th>${html(f.family)}</th>`).join("")}</tr>
${table}
</table>
${entries}`;
}

/** The HTML page: the matrix page with the catalogue before its counterexamples. */
export function compareHtml(d: CompareData): string {
  const page = matrixHtml(d.matrix as unknown as Matrix);
  return page.replace("<h2>Counterexamples</h2>", `${catalogueHtml(d)}\n<h2>Counterexamples</h2>`);
}
