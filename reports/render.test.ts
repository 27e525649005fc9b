import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { mutants } from "../impl/mutants/index.js";
import { mutantConfig } from "../impl/mutants/mutant.js";
import { threadId } from "../model/index.js";
import { exploreMutant, mutantCounterexample } from "../properties/verify/mutant-runs.js";
import { buildReport } from "./build.js";
import { decodeReport, encodeReport } from "./io.js";
import { hazardOf, stateDiff, stateLines, violationHeading } from "./render/common.js";
import { htmlEscape, renderHtml } from "./render/html.js";
import { junitForReports, renderJunit, xmlEscape } from "./render/junit.js";
import { FAILS_HERE, mdCode, renderMarkdown } from "./render/markdown.js";
import type { Report } from "./schema.js";

const FIXTURES = join(import.meta.dirname, "..", "test", "fixtures", "reports");
const fixture = (name: string): Report => decodeReport(readFileSync(join(FIXTURES, `${name}.json`), "utf8"), `${name}.json`);
const agreement = fixture("agreement");
const counterexample = fixture("counterexample");
const budget = fixture("budget");

/**
 * Golden files pin the exact Markdown and JUnit text. After an intended change to a renderer,
 * rewrite them with `UPDATE_GOLDEN=1 npx vitest run reports/render.test.ts` and review the diff.
 */
function expectGolden(name: string, text: string): void {
  const path = join(FIXTURES, "golden", name);
  if (process.env["UPDATE_GOLDEN"] === "1") writeFileSync(path, text);
  expect(text).toBe(readFileSync(path, "utf8"));
}

/** The counterexample with hostile text in every free-text field a renderer shows. */
const HOSTILE_CALL = `<script>alert("pwned")</script> | \`tick\` & "quote" 'apos' ]]> \u0001`;
function hostile(): Report {
  return {
    ...counterexample,
    subject: `<img src=x onerror=alert(1)>`,
    replay: `npx interlock replay '</code><script>alert(2)</script>' && echo "done"`,
    steps: counterexample.steps.map((s) => (s.interp === 1 ? { ...s, call: HOSTILE_CALL, access: `${s.access} </td></tr>|` } : s)),
    programs: counterexample.programs.map((p) => (p.interp === 1 ? { ...p, calls: [HOSTILE_CALL, ...p.calls.slice(1)] } : p)),
    violation: counterexample.violation && {
      ...counterexample.violation,
      message: `</failure><script>alert(3)</script> & more`,
      narrative: [...counterexample.violation.narrative, `<b>bold?</b> | *emphasis?* [link](javascript:alert(4))`],
      modelAfter: `<i>after</i>`,
    },
    memory: { ...counterexample.memory, "<field>": 1 },
  };
}

// ---- a minimal strict Markdown table reader, for checking the swimlane cell by cell ----------

/** The rows of the first table whose header starts with `| step |`, each split into cells at unescaped pipes. */
function swimlaneTable(md: string): string[][] {
  const lines = md.split("\n");
  const start = lines.findIndex((l) => l.startsWith("| step |"));
  expect(start).toBeGreaterThanOrEqual(0);
  const rows: string[][] = [];
  for (let i = start; i < lines.length && (lines[i] as string).startsWith("|"); i++) {
    rows.push((lines[i] as string).slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim()));
  }
  return rows;
}

describe("the Markdown rendering", () => {
  const md = renderMarkdown(counterexample);

  it("is the same text every time for the same report", () => {
    expect(renderMarkdown(counterexample)).toBe(md);
  });

  it("matches the golden file for the counterexample", () => {
    expectGolden("counterexample.md", md);
  });

  it("titles the report with family, subject and verdict and states the coverage sentence", () => {
    expect(md.split("\n")[0]).toBe("# interlock: global_lock / mutant:ensure-without-runtime-lock — violation");
    expect(md).toContain(`**Coverage:** ${counterexample.coverage.sentence}`);
  });

  it("puts the replay command in a code block", () => {
    expect(md).toContain(`\`\`\`sh\n${counterexample.replay}\n\`\`\``);
  });

  it("lists each interpreter's program", () => {
    for (const p of counterexample.programs) {
      expect(md).toContain(`### Interpreter ${p.interp}`);
      for (const c of p.calls) expect(md).toContain(mdCode(c));
    }
  });

  it("names the violated property and tells its narrative", () => {
    expect(md).toContain(`## PyThread_EnsureGlobalLock(def=odbc, "henv") handed out two different locks — P1 (Exactly-once init per lifetime epoch)`);
    counterexample.violation?.narrative.forEach((_, k) => expect(md).toContain(`\n${k + 1}. `));
  });

  it("draws one swimlane column per interpreter and one row per step", () => {
    const rows = swimlaneTable(md);
    expect(rows[0]).toEqual(["step", "interp 1", "interp 2", "interp 3"]);
    expect(rows.length - 2).toBe(counterexample.steps.length);
    for (const row of rows) expect(row.length).toBe(4);
  });

  it("marks the failing step, and only it, in the lane of the interpreter that took it", () => {
    const rows = swimlaneTable(md).slice(2);
    const marked = rows.filter((r) => r.some((c) => c.includes(FAILS_HERE)));
    expect(marked).toHaveLength(1);
    const row = marked[0] as string[];
    expect(row[0]).toBe("**13**");
    // Step 13 is interp 1's: the mark is in column 1 (interp 1), the other lanes are empty.
    expect(row[1]).toMatch(/^\*\*add\(registry\\\[1\\\]\.refs, 1\) = 0<br>⇒ returned Ok\(2\)\*\* ◀ fails here$/);
    expect(row.slice(2)).toEqual(["", ""]);
  });

  it("shows a call's return in its own lane", () => {
    const rows = swimlaneTable(md).slice(2);
    const step6 = rows.find((r) => r[0] === "6") as string[];
    expect(step6[2]).toContain("⇒ returned Ok(1)");
    expect(step6[1]).toBe("");
    const step1 = rows.find((r) => r[0] === "1") as string[];
    expect(step1[1]).toContain("⟲ preempted");
  });

  it("escapes pipes, backticks and HTML in cells so hostile text cannot break the table", () => {
    const rows = swimlaneTable(renderMarkdown(hostile()));
    for (const row of rows) expect(row.length).toBe(4);
    const first = (rows[2] as string[])[1] as string;
    expect(first).toContain("\\|");
    expect(first).toContain("\\`tick\\`");
    expect(first).toContain("&lt;script&gt;");
    expect(first).not.toContain("<script>");
  });

  it("shows the history, the model state as a diff and the decoded memory", () => {
    expect(md).toContain('| 1 | 0 | PyThread_EnsureGlobalLock(def=odbc, "henv") in interp 1 | 0 | 13 | Ok(2) |');
    expect(md).toContain("```diff\n- [1] odbc.henv ensured by {2,3}, 0 library calls\n+ [1] odbc.henv ensured by {1,2,3}, 0 library calls\n```");
    expect(md).toContain("| runtime.alive | 7 |");
  });

  it("says the elapsed time was not recorded (and how to record it) instead of printing zero", () => {
    const untimed = renderMarkdown({ ...agreement, coverage: { ...agreement.coverage, elapsedMs: null } });
    expect(untimed).toContain("not recorded; use --timings");
    expect(untimed).not.toContain("0.000 s");
    expect(renderHtml({ ...agreement, coverage: { ...agreement.coverage, elapsedMs: null } })).toContain("not recorded; use --timings");
  });

  it("renders an agreement without a violation section and a budget run without steps", () => {
    const a = renderMarkdown(agreement);
    expect(a).not.toContain("## Violated");
    expect(a).not.toContain(FAILS_HERE);
    expect(a).toContain("last execution run");
    const b = renderMarkdown(budget);
    expect(b).toContain("No shared-memory steps recorded.");
    expect(b).toContain("No schedule token");
    expect(b).toContain("No memory recorded.");
  });
});

describe("the HTML rendering", () => {
  const html = renderHtml(counterexample);

  it("is one self-contained page: no external URL, stylesheet link, image or script source", () => {
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(html).not.toMatch(/\b(?:src|href)\s*=\s*["']?(?:https?:|\/\/|file:)/i);
    expect(html).not.toMatch(/<link\b|<img\b|<iframe\b|@import|url\(/i);
    expect(html.match(/<script\b/g)).toHaveLength(1);
    expect(html).toContain(`http-equiv="Content-Security-Policy"`);
  });

  it("marks exactly one swimlane row failing, at the failing step", () => {
    const failing = html.match(/<tr [^>]*class="failing"[^>]*>/g) ?? [];
    expect(failing).toEqual([`<tr data-step="13" data-interp="1" id="failing-step" class="failing" aria-current="step">`]);
  });

  it("gives the swimlane one header column per interpreter", () => {
    expect(html.match(/<th scope="col" data-interp="\d+"/g)).toHaveLength(3);
  });

  it("puts the replay command in the code element with id replay-command", () => {
    expect(html).toContain(`<code id="replay-command">${htmlEscape(counterexample.replay)}</code>`);
  });

  it("highlights the model-state lines that changed", () => {
    expect(html).toContain(`<li class="removed"><del>[1] odbc.henv ensured by {2,3}, 0 library calls</del></li>`);
    expect(html).toContain(`<li class="added"><ins>[1] odbc.henv ensured by {1,2,3}, 0 library calls</ins></li>`);
  });

  it("escapes hostile text, so a call text containing <script> renders as text", () => {
    const page = renderHtml(hostile());
    expect(page.match(/<script\b/g)).toHaveLength(1); // only the page's own copy-button script
    expect(page).not.toContain("<img src=x");
    expect(page).not.toContain("</code><script>");
    expect(page).toContain("&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;");
    expect(page).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(page).toContain("&lt;field&gt;");
  });

  it("renders the same page every time for the same report", () => {
    expect(renderHtml(counterexample)).toBe(html);
  });
});

// ---- a small strict XML reader, enough to prove the JUnit output is well-formed --------------

interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** Decodes character data; throws on a raw `<` or an `&` that does not start a valid reference. */
function xmlText(raw: string, where: string): string {
  if (raw.includes("<")) throw new Error(`raw < in ${where}`);
  return raw.replace(/&([^;]*);?/g, (m, ref: string) => {
    if (!m.endsWith(";")) throw new Error(`unterminated reference in ${where}`);
    if (ref in ENTITIES) return ENTITIES[ref] as string;
    if (/^#\d+$/.test(ref)) return String.fromCodePoint(Number(ref.slice(1)));
    if (/^#x[0-9a-fA-F]+$/.test(ref)) return String.fromCodePoint(parseInt(ref.slice(2), 16));
    throw new Error(`unknown entity &${ref}; in ${where}`);
  });
}

/**
 * Parses an XML document strictly (prolog, elements, attributes, text; no comments, CDATA or
 * DOCTYPE, which the JUnit renderer never writes) and returns its root element. Throws on anything
 * malformed: unbalanced or mismatched tags, unquoted or duplicate attributes, bad references,
 * characters XML 1.0 forbids, text outside the root.
 */
function parseXml(doc: string): XmlElement {
  if (/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u.test(doc)) throw new Error("character not allowed in XML 1.0");
  const prolog = /^<\?xml version="1\.0" encoding="UTF-8"\?>\n/;
  if (!prolog.test(doc)) throw new Error("missing XML declaration");
  let i = doc.match(prolog)?.[0].length ?? 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const name = /^[A-Za-z_][\w.-]*/;
  while (i < doc.length) {
    const lt = doc.indexOf("<", i);
    const text = doc.slice(i, lt === -1 ? doc.length : lt);
    const top = stack[stack.length - 1];
    if (top) top.text += xmlText(text, `<${top.name}>`);
    else if (text.trim() !== "") throw new Error(`text outside the root: ${JSON.stringify(text.slice(0, 20))}`);
    if (lt === -1) break;
    const gt = doc.indexOf(">", lt);
    if (gt === -1) throw new Error("unterminated tag");
    const tag = doc.slice(lt + 1, gt);
    i = gt + 1;
    if (tag.startsWith("/")) {
      const open = stack.pop();
      if (!open || open.name !== tag.slice(1)) throw new Error(`mismatched </${tag.slice(1)}>`);
      continue;
    }
    const selfClosing = tag.endsWith("/");
    const body = selfClosing ? tag.slice(0, -1) : tag;
    const n = name.exec(body)?.[0];
    if (!n) throw new Error(`bad tag <${tag}>`);
    const el: XmlElement = { name: n, attrs: {}, children: [], text: "" };
    let rest = body.slice(n.length);
    const attr = /^\s+([A-Za-z_][\w.-]*)="([^"]*)"/;
    for (let m = attr.exec(rest); m; m = attr.exec(rest)) {
      const [all, key, value] = m as unknown as [string, string, string];
      if (key in el.attrs) throw new Error(`duplicate attribute ${key}`);
      el.attrs[key] = xmlText(value, `attribute ${key}`);
      rest = rest.slice(all.length);
    }
    if (rest.trim() !== "") throw new Error(`malformed attributes in <${tag}>`);
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(el);
    else if (root) throw new Error("second root element");
    else root = el;
    if (!selfClosing) stack.push(el);
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack[stack.length - 1]?.name}>`);
  if (!root) throw new Error("no root element");
  return root;
}

describe("the JUnit rendering", () => {
  const all = junitForReports([agreement, counterexample, budget]);

  it("the strict XML reader used here rejects malformed XML", () => {
    const head = `<?xml version="1.0" encoding="UTF-8"?>\n`;
    for (const bad of ["<a><b></a>", "<a x=1/>", "<a>&nope;</a>", "<a>fish & chips</a>", "<a></a><b/>", "<a>"]) {
      expect(() => parseXml(head + bad), bad).toThrow();
    }
    expect(parseXml(`${head}<a x="&lt;&#10;">t&amp;t</a>`)).toEqual({ name: "a", attrs: { x: "<\n" }, children: [], text: "t&t" });
  });

  it("matches the golden file for the three fixtures combined", () => {
    expectGolden("all.junit.xml", all);
  });

  it("is one well-formed suite named interlock with one testcase per report, named family / strategy / subject", () => {
    const root = parseXml(all);
    expect(root.name).toBe("testsuites");
    expect(root.children.map((c) => c.name)).toEqual(["testsuite"]);
    const suite = root.children[0] as XmlElement;
    expect(suite.attrs).toMatchObject({ name: "interlock", tests: "3", failures: "1", errors: "1", skipped: "0", time: "60.497" });
    expect(suite.children.map((c) => c.attrs["name"])).toEqual([
      "runtime_store / exhaustive / correct",
      "global_lock / exhaustive / mutant:ensure-without-runtime-lock",
      "module_slots / pct / correct",
    ]);
  });

  it("reports a counterexample as a failure whose message is the violation and whose body has the narrative and replay command", () => {
    const suite = parseXml(all).children[0] as XmlElement;
    const failure = (suite.children[1] as XmlElement).children.find((c) => c.name === "failure") as XmlElement;
    expect(failure.attrs["message"]).toBe(counterexample.violation?.message);
    expect(failure.attrs["type"]).toBe("P1");
    for (const line of counterexample.violation?.narrative ?? []) expect(failure.text).toContain(line);
    expect(failure.text).toContain(`Replay:\n${counterexample.replay}`);
  });

  it("reports a budget run as an error (not a skip) stating the coverage reached, and an agreement as a pass", () => {
    const suite = parseXml(all).children[0] as XmlElement;
    const [pass, , spent] = suite.children as [XmlElement, XmlElement, XmlElement];
    expect(pass.children.map((c) => c.name)).toEqual(["system-out"]);
    const error = spent.children.find((c) => c.name === "error") as XmlElement;
    expect(error.attrs["type"]).toBe("budget");
    expect(error.attrs["message"]).toBe(`budget exhausted: ${budget.coverage.sentence}`);
    expect(spent.children.some((c) => c.name === "skipped")).toBe(false);
  });

  it("stays well-formed with hostile text, which reads back unchanged", () => {
    const doc = renderJunit(hostile());
    const suite = parseXml(doc).children[0] as XmlElement;
    const testcase = suite.children[0] as XmlElement;
    expect(testcase.attrs["name"]).toBe(`global_lock / ${counterexample.config.strategy} / <img src=x onerror=alert(1)>`);
    const failure = testcase.children.find((c) => c.name === "failure") as XmlElement;
    expect(failure.attrs["message"]).toBe(`</failure><script>alert(3)</script> & more`);
    expect(failure.text).toContain(`npx interlock replay '</code><script>alert(2)</script>' && echo "done"`);
  });

  it("writes characters XML cannot hold as \\u escapes", () => {
    expect(xmlEscape("a\u0001b\u001Fc")).toBe("a\\u0001b\\u001fc");
    expect(xmlEscape("tab\tnewline\n")).toBe("tab\tnewline\n");
  });

  it("an empty list of reports is a well-formed empty suite", () => {
    const root = parseXml(junitForReports([]));
    expect(root.children[0]?.attrs["tests"]).toBe("0");
    expect(root.children[0]?.children).toEqual([]);
  });
});

describe("the model-state diff", () => {
  it("splits a registry description into one line per entry", () => {
    expect(stateLines("[1] odbc.henv ensured by {1}; [2] mylib.ext1 ensured by {2}")).toEqual([
      "[1] odbc.henv ensured by {1}",
      "[2] mylib.ext1 ensured by {2}",
    ]);
  });

  it("keeps unchanged entries and marks the one that changed as removed then added", () => {
    expect(stateDiff("a; b; c", "a; B; c")).toEqual([
      { kind: "same", text: "a" },
      { kind: "removed", text: "b" },
      { kind: "added", text: "B" },
      { kind: "same", text: "c" },
    ]);
  });

  it("treats a missing side as no lines", () => {
    expect(stateDiff(null, "x")).toEqual([{ kind: "added", text: "x" }]);
    expect(stateDiff("x", null)).toEqual([{ kind: "removed", text: "x" }]);
  });
});

describe("the violation heading says the hazard in the extension's terms, then the property", () => {
  it.each([
    [
      "P7",
      "runtime finalise and re-initialise leave nothing behind",
      `import odbc (PyModule_ExecDef) in interp 1 returned 0: odbc's state used after runtime re-initialisation: this is the first odbc call since Py_Initialize, where the model starts from "not set", so the implementation kept state from before Py_FinalizeEx (first symptom, P1: the import skipped initialisation although no epoch was alive (returned 0; the model says 1))`,
      "odbc's state used after runtime re-initialisation — P7 (runtime finalise and re-initialise leave nothing behind)",
    ],
    [
      "P7",
      "runtime finalise and re-initialise leave nothing behind",
      `henv used after runtime re-initialisation: the extension's static handle 3 dates from before Py_FinalizeEx, so its state was not back to "not set" (first symptom, P2: interp 1 still uses henv, but it is not live: it was torn down while in use)`,
      "henv used after runtime re-initialisation — P7 (runtime finalise and re-initialise leave nothing behind)",
    ],
    [
      "P8",
      "no ABA: a stale index never reaches a newer resource",
      `call_unsafe_library(def=odbc, "henv", idx=1) in interp 1 returned 1: a stale index reached a newer resource: index 1 (slot 0, generation 0) no longer resolves, yet call_unsafe_library went through (returned 1; the model says Err(StaleIndex))`,
      "a stale index reached a newer resource — P8 (no ABA: a stale index never reaches a newer resource)",
    ],
  ])("%s: %s", (property, propertyName, message, heading) => {
    expect(violationHeading({ property, propertyName, message })).toBe(heading);
  });

  it("falls back to the property's name when the sentence opens with its details", () => {
    expect(hazardOf({ message: ": nothing", propertyName: "mutual exclusion" })).toBe("mutual exclusion");
  });
});

describe("a report of two threads in one interpreter (model D18)", () => {
  it("draws a lane per thread labelled by its interpreter, names the thread in history and programs, and keeps it through JSON", () => {
    const m = mutants.find((x) => x.id === "owner-is-the-interpreter");
    if (m === undefined) throw new Error("the owner-is-the-interpreter mutant is gone from the catalogue");
    const r = exploreMutant(m, m.subject(mutantConfig(m)), { kind: "exhaustive" }, 20_000);
    if (r.violation === null) throw new Error("the mutant was not caught");
    const report = buildReport({
      family: m.family,
      subject: m.subject(mutantConfig(m)).name,
      config: mutantConfig(m),
      impl: null,
      limits: {},
      programs: m.programs,
      strategy: "exhaustive",
      seed: 1,
      options: {},
      result: { verdict: "violation", coverage: r.coverage, stats: r.stats, blockedByDesign: null },
      counterexample: mutantCounterexample(m, r.violation.token),
      replay: "interlock replay r.json",
      elapsedMs: null,
    });
    const again = decodeReport(encodeReport(report), "r.json");
    expect(again.config.threads).toBe(2);
    expect(again.programs.map((p) => [p.interp, p.thread])).toEqual([[1, undefined], [1, threadId(1, 2)]]);
    expect(again.history.some((h) => h.interp === 1 && h.thread === threadId(1, 2))).toBe(true);
    expect(again.steps.every((s) => s.interp === 1)).toBe(true);
    const md = renderMarkdown(again);
    expect(md).toContain("| step | interp 1 | interp 1 · thread 2 |");
    expect(md).toContain("### Interpreter 1 · thread 2");
    expect(md).toContain("One column per thread, grouped by interpreter");
    const html = renderHtml(again);
    expect(html).toContain(`data-interp="${threadId(1, 2)}"`);
    expect(html).toContain(">interp 1 · thread 2</th>");
  });
});
