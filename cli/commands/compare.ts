import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { matrixMarkdown, README_BEGIN, README_END, withReadmeBlock, type Cell } from "../../properties/scenarios/compare.js";
import { availableParallelism } from "node:os";
import { buildCompareData, COMPARE_DATA_PATH, defaultCatalogueStates, defaultColumnStates, type BuildOptions, type CompareData } from "../../properties/scenarios/compare-data.js";
import { inputsHash, sourceRoot } from "../../properties/scenarios/inputs.js";
import { CATALOGUE_PAGE_PATH, cataloguePage, compareHtml, compareReadmeBlock } from "../../reports/compare-catalogue.js";
import { checkReportDirectory, writeTextFile } from "../../reports/io.js";
import { intFlag, str } from "../args.js";
import { ExitCode, UsageError } from "../errors.js";
import { register } from "../command.js";
import { userColumns, withColumns } from "../compare-user.js";
import { reportErrorsAsUsage } from "../report-errors.js";
import { onWorkers } from "../compare-pool.js";

register({
  name: "compare",
  summary: "run the thread's use cases against every proposal and write the comparison matrix",
  help: [
    "Usage: interlock compare [--out <dir>] [--update-readme] [--json] [--max-states n] [--catalogue-states n] [--jobs n]",
    "                         [--impl <module>] [--client <file> [--family f]]",
    "",
    "Runs every scenario (ODBC henv, several resources, a shared cache, a lock around a",
    "thread-unsafe library, import/unload churn, init failure, interpreter end, runtime",
    "re-initialisation) as extension client code written against each API family and each naive",
    "variant, explores the interleavings of 3 interpreters and judges P1–P9; then judges the",
    "mistake catalogue (every plausible author mistake per API, properties/scenarios/mistakes/) in",
    "every scenario. Writes matrix.md, matrix.html (self-contained, with the catalogue),",
    "matrix.json, compare.json (the data) and catalogue.md.",
    "",
    "  --out <dir>            where to write (default interlock-out/compare)",
    "  --update-readme        also rewrite the block between " + README_BEGIN + " and " + README_END + " in",
    "                         ./README.md, " + COMPARE_DATA_PATH + " and " + CATALOGUE_PAGE_PATH,
    "                         (run from the repository root; the one regeneration command)",
    "  --json                 print the data as JSON on stdout",
    "  --max-states n         state budget of each matrix cell's exhaustive search before the",
    "                         ≤ 2-preemption fallback (default " + defaultColumnStates + ")",
    "  --catalogue-states n   the same for each catalogue cell (default " + defaultCatalogueStates + ")",
    "  --jobs n               decide cells on n worker threads (default: the number of cores);",
    "                         the data is the same for every n",
    "  --impl <module>        your implementation of a family (TS/JS module or .c, as verify --impl)",
    "                         judged in the whole row: each of the family's columns again, on your Subject",
    "  --client <file>        your extension's client code (TS/JS module or .c, as verify --client) as",
    "                         one more column; --family picks the family of a C client",
    "",
    "Exit code 0 when every cell is decided (unsafe cells are findings, not failures), 3 otherwise.",
  ].join("\n"),
  options: {
    out: { type: "string" },
    "update-readme": { type: "boolean" },
    json: { type: "boolean" },
    "max-states": { type: "string" },
    "catalogue-states": { type: "string" },
    jobs: { type: "string" },
    impl: { type: "string" },
    client: { type: "string" },
    family: { type: "string" },
  },
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
    const root = sourceRoot();
    if (readme !== undefined && root === undefined) throw new UsageError("--update-readme: the sources the data is computed from are not here to hash; run from the repository");
    const columnStates = intFlag(args.values["max-states"], "max-states", 1000, 100_000_000, defaultColumnStates);
    const catalogueStates = intFlag(args.values["catalogue-states"], "catalogue-states", 1000, 100_000_000, defaultCatalogueStates);
    const user = await userColumns(args.values);
    let n = 0;
    const progress = (what: string): void => out.progress(`compare: ${++n} cells decided (last: ${what})`);
    const jobs = intFlag(args.values["jobs"], "jobs", 1, 64, availableParallelism());
    const build: BuildOptions = { inputsHash: root === undefined ? "unavailable" : inputsHash(root), columnStates, catalogueStates, onCell: progress };
    const own = jobs <= 1 ? buildCompareData(build) : await onWorkers(build, { columns: columnStates, catalogue: catalogueStates }, jobs, progress);
    // A user's columns (--impl, --client) join the matrix; the mistake catalogue stays interlock's own.
    const timed = withColumns(own.timed, user, columnStates, (c: Cell) => progress(`${c.scenario} × ${c.column}: ${c.verdict}`));
    const data: CompareData = user.length === 0 ? own.data : { ...own.data, matrix: { ...timed, cells: timed.cells.map(({ ms: _ms, ...rest }) => rest) } };
    out.endProgress();
    const json = JSON.stringify(data, null, 2) + "\n";
    // the data first: everything else is rendered from it
    if (readme !== undefined) writeFileSync(COMPARE_DATA_PATH, json);
    writeTextFile(dir, "matrix.md", matrixMarkdown(timed));
    writeTextFile(dir, "matrix.html", compareHtml(data));
    writeTextFile(dir, "matrix.json", JSON.stringify(data.matrix, null, 2) + "\n");
    writeTextFile(dir, "compare.json", json);
    writeTextFile(dir, "catalogue.md", cataloguePage(data));
    if (readme !== undefined) {
      writeFileSync("README.md", withReadmeBlock(readme, compareReadmeBlock(data)));
      writeFileSync(CATALOGUE_PAGE_PATH, cataloguePage(data));
    }
    const unknown = data.matrix.cells.filter((c) => c.verdict === "unknown").length;
    if (args.values["json"]) out.out(json.trimEnd());
    else {
      out.out(compareReadmeBlock(data));
      out.out("");
      out.out(`wrote ${join(dir, "matrix.md")}, matrix.html, matrix.json, compare.json, catalogue.md${readme !== undefined ? `; updated README.md, ${COMPARE_DATA_PATH}, ${CATALOGUE_PAGE_PATH}` : ""}`);
    }
    return unknown === 0 ? ExitCode.agreement : ExitCode.budget;
  },
});
