/**
 * `interlock client <file.c>`: checks an extension written in C (cfront/client.ts) in every
 * scenario it supports and writes a Markdown report per counterexample. Exit codes as everywhere:
 * 0 safe in every scenario, 1 a counterexample, 2 a usage error (a C file that does not compile:
 * clang's message), 3 a scenario left undecided.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { intFlag, str } from "../cli/args.js";
import { ExitCode, UsageError } from "../cli/errors.js";
import { register } from "../cli/command.js";
import { table } from "../cli/output.js";
import { checkCClient, cClientScenarios, defaultClientMaxStates, scenariosFor, type ClientRow } from "./client-check.js";
import { CCompileError, compileC, type CompiledC } from "./compile.js";

register({
  name: "client",
  summary: "check an extension written in C (module exec, m_free, module functions) in the scenarios",
  help: [
    "Usage: interlock client <file.c> [--scenario id,...] [--max-states n] [--report-dir dir] [--json]",
    "",
    "Compiles the C file (include/interlock.h) with the bundled clang, runs its Py_mod_exec, m_free",
    "and use_henv / call_library hooks (or Py_mod_global_init / Py_mod_global_exit under the",
    "module-slots runtime) as the extension of every interpreter in each scenario",
    `(${cClientScenarios.map((s) => s.id).join(", ")}; library only if it exports call_library),`,
    "explores the interleavings of 3 interpreters (exhaustive; every schedule with at most 2 preemptions when the states exceed --max-states)",
    "and judges the wrapped library's monitor and the runtime (P1, P2, P5, P6, P7, P9). A",
    "counterexample is written as <report-dir>/client/<file>.<scenario>.md, its swimlane naming",
    "the C line of every step.",
    "",
    "  --scenario ids     comma-separated scenarios (default: all of the above)",
    `  --max-states n     states before the exhaustive search gives way (default ${defaultClientMaxStates})`,
    "  --report-dir dir   where reports go (default interlock-out)",
    "  --json             print the rows as JSON",
    "",
    "Exit codes: 0 safe in every scenario, 1 a counterexample, 2 usage or compile error, 3 undecided.",
  ].join("\n"),
  options: { scenario: { type: "string" }, "max-states": { type: "string" }, "report-dir": { type: "string" }, json: { type: "boolean" } },
  positionals: { min: 1, max: 1, name: "file.c" },
  async run(args, out) {
    const file = args.positionals[0] as string;
    if (!file.endsWith(".c")) throw new UsageError(`interlock client: ${file} is not a .c file`);
    if (!existsSync(file)) throw new UsageError(`interlock client: ${file}: no such file`);
    const wanted = str(args.values["scenario"])?.split(",").map((s) => s.trim());
    const known = cClientScenarios.map((s) => s.id);
    for (const id of wanted ?? []) if (!known.includes(id)) throw new UsageError(`--scenario ${id}: unknown; expected one of ${known.join(", ")}`);
    const maxStates = intFlag(args.values["max-states"], "max-states", 1, 100_000_000, defaultClientMaxStates);
    const reportDir = join(str(args.values["report-dir"]) ?? "interlock-out", "client");
    if (existsSync(reportDir) && !statSync(reportDir).isDirectory()) throw new UsageError(`report directory "${reportDir}" is a file; pass a directory with --report-dir`);
    let compiled: CompiledC;
    try {
      out.progress(`compiling ${file}`);
      compiled = await compileC(file, readFileSync(file, "utf8"));
    } catch (e) {
      if (e instanceof CCompileError) throw new UsageError(`${file} does not compile:\n${e.message}`);
      throw e;
    } finally {
      out.endProgress();
    }
    const rows: ClientRow[] = [];
    const runnable = scenariosFor(compiled);
    for (const id of wanted ?? []) if (!runnable.some((s) => s.id === id)) throw new UsageError(`--scenario ${id}: ${file} exports no call_library, which that scenario calls`);
    for (const s of runnable.filter((x) => wanted === undefined || wanted.includes(x.id))) {
      out.progress(`client: ${s.id}`);
      try {
        rows.push(checkCClient(compiled, s, maxStates));
      } catch (e) {
        throw new UsageError(`${file}: ${(e as Error).message.split("\n")[0]}`);
      }
    }
    out.endProgress();
    const written: string[] = [];
    for (const r of rows) {
      if (r.report === undefined) continue;
      mkdirSync(reportDir, { recursive: true });
      const path = join(reportDir, `${basename(file, ".c")}.${r.scenario}.md`);
      writeFileSync(path, r.report);
      written.push(path);
    }
    const verdictOf = (r: ClientRow): string => (r.result.verdict === "violation" ? `unsafe ${r.result.violation?.property ?? ""}` : r.result.verdict === "ok" ? "safe" : "undecided");
    if (args.values["json"]) {
      out.out(JSON.stringify(rows.map((r) => ({ scenario: r.scenario, strategy: r.strategy, verdict: verdictOf(r), states: r.result.stats.states, coverage: r.result.coverage.sentence, message: r.result.violation?.message ?? null, token: r.result.violation?.token ?? null })), null, 2));
    } else {
      out.out(table(["scenario", "strategy", "verdict", "states", "what"], rows.map((r) => [r.scenario, r.strategy, verdictOf(r), `${r.result.stats.states}`, r.result.violation?.message.split("\n")[0] ?? r.fallback ?? ""])));
      for (const p of written) out.out(`counterexample report: ${p}`);
    }
    if (rows.some((r) => r.result.verdict === "violation")) return ExitCode.counterexample;
    return rows.every((r) => r.result.verdict === "ok") ? ExitCode.agreement : ExitCode.budget;
  },
});
