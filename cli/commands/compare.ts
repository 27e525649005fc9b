import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compareAll, type Cell, matrixHtml, matrixMarkdown, matrixMarkdownBlock, README_BEGIN, README_END, withReadmeBlock } from "../../properties/scenarios/compare.js";
import { checkReportDirectory, writeTextFile } from "../../reports/io.js";
import { str } from "../args.js";
import { ExitCode, UsageError } from "../errors.js";
import { register } from "../command.js";
import { userColumns, withColumns } from "../compare-user.js";
import { reportErrorsAsUsage } from "../report-errors.js";

register({
  name: "compare",
  summary: "run the thread's use cases against every proposal and write the comparison matrix",
  help: [
    "Usage: interlock compare [--out <dir>] [--update-readme] [--json] [--impl <module>] [--client <file> [--family f]]",
    "",
    "Runs every scenario (ODBC henv, several resources, a shared cache, a lock around a",
    "thread-unsafe library, import/unload churn, init failure, interpreter end, runtime",
    "re-initialisation) as extension client code written against each API family and each naive",
    "variant, explores the interleavings of 3 interpreters and judges P1–P9. Writes matrix.md,",
    "matrix.html (self-contained) and matrix.json.",
    "",
    "  --out <dir>       where to write (default interlock-out/compare)",
    "  --update-readme   rewrite the block between " + README_BEGIN + " and " + README_END + " in ./README.md",
    "  --json            print the matrix as JSON on stdout",
    "  --impl <module>   your implementation of a family (TS/JS module or .c, as verify --impl) judged",
    "                    in the whole row: each of the family's columns again, on your Subject",
    "  --client <file>   your extension's client code (TS/JS module or .c, as verify --client) as one",
    "                    more column; --family picks the family of a C client",
    "",
    "Exit code 0 when every cell is decided (unsafe cells are findings, not failures), 3 otherwise.",
  ].join("\n"),
  options: { out: { type: "string" }, "update-readme": { type: "boolean" }, json: { type: "boolean" }, impl: { type: "string" }, client: { type: "string" }, family: { type: "string" } },
  async run(args, out) {
    const dir = str(args.values["out"]) ?? join("interlock-out", "compare");
    let readme: string | undefined;
    if (args.values["update-readme"]) {
      try {
        readme = readFileSync("README.md", "utf8");
      } catch {
        throw new UsageError("--update-readme: cannot read README.md in the current directory; run from the repository root");
      }
      if (!readme.includes(README_BEGIN) || !readme.includes(README_END)) {
        throw new UsageError(`--update-readme: README.md has no ${README_BEGIN} … ${README_END} markers; add them where the matrix belongs`);
      }
    }
    // The output folder is checked before the minute of work, not after it.
    if (dir.trim() === "") throw new UsageError("--out is empty; pass a folder, e.g. --out interlock-out/compare");
    reportErrorsAsUsage(() => checkReportDirectory(dir), "--out: ");
    // The user's code is loaded (and refused, one line, exit 2) before the minutes of work.
    if (args.values["update-readme"] && (args.values["impl"] !== undefined || args.values["client"] !== undefined)) {
      throw new UsageError("--update-readme writes interlock's own matrix; drop --impl/--client to update it");
    }
    const user = await userColumns(args.values);
    let n = 0;
    const onCell = (c: Cell): void => out.progress(`compare: ${++n} cells decided (last: ${c.scenario} × ${c.column}: ${c.verdict})`);
    const m = withColumns(compareAll({ onCell }), user, undefined, onCell);
    out.endProgress();
    writeTextFile(dir, "matrix.md", matrixMarkdown(m));
    writeTextFile(dir, "matrix.html", matrixHtml(m));
    writeTextFile(dir, "matrix.json", JSON.stringify(m, null, 2) + "\n");
    if (readme !== undefined) writeFileSync("README.md", withReadmeBlock(readme, matrixMarkdownBlock(m)));
    const unknown = m.cells.filter((c) => c.verdict === "unknown").length;
    if (args.values["json"]) out.out(JSON.stringify(m, null, 2));
    else {
      out.out(matrixMarkdownBlock(m));
      out.out("");
      out.out(`wrote ${join(dir, "matrix.md")}, matrix.html, matrix.json${readme !== undefined ? "; updated README.md" : ""}`);
    }
    return unknown === 0 ? ExitCode.agreement : ExitCode.budget;
  },
});
