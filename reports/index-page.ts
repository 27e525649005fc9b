import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeReport, writeTextFile } from "./io.js";
import { htmlEscape as e } from "./render/html.js";
import type { Report } from "./schema.js";

/**
 * `index.html` of a report folder: one self-contained page listing every JSON report in the folder
 * with its verdict, the property a counterexample breaks, and links to its HTML and Markdown
 * renderings — the page a newcomer opens first. Rebuilt from the folder's contents, so it also
 * lists the reports of other shards copied in beside these. Inline CSS, no script, no request.
 */

/** One listed report: its base file name (without `.json`) and the report. */
export interface IndexEntry {
  readonly name: string;
  readonly report: Report;
}

const marks: Record<Report["verdict"], string> = { ok: "✅ ok", violation: "❌ violation", unknown: "⚠️ unknown: budget ran out", failed: "💥 failed: the module under test failed" };

/** The page for `entries`, violations first, then unknown, then ok; by name within each. */
export function renderReportIndex(title: string, entries: readonly IndexEntry[], formats: ReadonlySet<string>): string {
  const rank: Record<Report["verdict"], number> = { violation: 0, failed: 1, unknown: 2, ok: 3 };
  const sorted = [...entries].sort((a, b) => rank[a.report.verdict] - rank[b.report.verdict] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const link = (name: string, ext: string) => (formats.has(`${name}.${ext}`) ? ` <a href="${e(encodeURIComponent(name))}.${ext}">${ext}</a>` : "");
  const rows = sorted.map(({ name, report: r }) => {
    const v = r.violation;
    const what = v ? `${e(v.property)} — ${e(v.message.split("\n")[0] ?? "")}` : e(r.coverage.sentence);
    return `<tr class="${r.verdict}"><td><code>${e(name)}</code></td><td>${e(r.family)}</td><td>${e(r.config.strategy)}</td><td>${marks[r.verdict]}</td><td>${what}</td><td>${link(name, "html")}${link(name, "md")}${link(name, "json")}</td></tr>`;
  });
  const count = (v: Report["verdict"]): number => entries.filter((x) => x.report.verdict === v).length;
  // "failed" (a module under test failed: verify --client) is only counted where there is one
  const counts = (["violation", "failed", "unknown", "ok"] as const).filter((v) => v !== "failed" || count(v) > 0).map((v) => `${count(v)} ${v}`).join(", ");
  return [
    "<!doctype html>",
    `<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    `<title>${e(title)}</title>`,
    "<style>body{font:14px/1.4 system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}tr.violation{background:#fee}tr.unknown{background:#ffd}</style>",
    `</head><body><h1>${e(title)}</h1>`,
    `<p id="counts">${entries.length} report(s): ${counts}.</p>`,
    `<table id="reports"><thead><tr><th>report</th><th>family</th><th>strategy</th><th>verdict</th><th>property / coverage</th><th>open</th></tr></thead><tbody>`,
    ...rows,
    "</tbody></table></body></html>",
    "",
  ].join("\n");
}

/** Every readable `*.json` interlock report in `dir`, by file name (other JSON files are left out). */
export function listReports(dir: string): IndexEntry[] {
  const entries: IndexEntry[] = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith(".json")).sort()) {
    try {
      entries.push({ name: f.slice(0, -".json".length), report: decodeReport(readFileSync(join(dir, f), "utf8"), f) });
    } catch {
      // Not an interlock report (or from another version): not listed.
    }
  }
  return entries;
}

/** Writes `dir/index.html` listing the reports in `dir` (see `listReports`); returns its path. */
export function writeReportIndex(dir: string, title = `interlock reports: ${dir}`): string {
  return writeTextFile(dir, "index.html", renderReportIndex(title, listReports(dir), new Set(readdirSync(dir))));
}
