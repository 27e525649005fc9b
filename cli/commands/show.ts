import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { listReports, writeReportIndex } from "../../reports/index-page.js";
import { ExitCode, UsageError } from "../errors.js";
import { register } from "../command.js";
import { table } from "../output.js";

/**
 * `interlock show [dir]`: what is in a report folder — every report with its verdict and the
 * property a counterexample breaks — and a fresh `index.html` there listing the same (after
 * copying several shards' folders together, this is the index of all of them).
 */
register({
  name: "show",
  summary: "list the reports in a folder with their verdicts and (re)write its index.html",
  help: [
    "Usage: interlock show [dir]",
    "",
    "Lists every report in <dir> (default interlock-out/verify) with its verdict, the property a",
    "counterexample breaks and the page to open, and writes <dir>/index.html listing the same.",
    "Exit code 0 (it judges nothing); 2 if <dir> is not a folder.",
  ].join("\n"),
  options: {},
  positionals: { min: 0, max: 1, name: "report folder" },
  async run(args, out) {
    const dir = args.positionals[0] ?? join("interlock-out", "verify");
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new UsageError(`no report folder "${dir}"; run \`interlock verify\` first, or pass the folder that holds the reports`);
    }
    const entries = listReports(dir);
    const index = writeReportIndex(dir);
    out.out(
      table(
        ["report", "verdict", "property", "open"],
        entries.map(({ name, report: r }) => [name, r.verdict, r.violation?.property ?? "", join(dir, `${name}.html`)]),
      ),
    );
    out.out(`\n${entries.length} report(s); index: ${index}`);
    return ExitCode.agreement;
  },
});
