import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadedCommands, type Command, type ParsedArgs } from "./command.js";
import { commandTable } from "./commands.js";
import { ExitCode, UsageError } from "./errors.js";
import { terminalOutput, type Output } from "./output.js";

/**
 * The `interlock` command line: a thin layer over the library API. Every command parses its flags
 * with Node's own `util.parseArgs` (strict: unknown flags are usage errors), runs, and returns an
 * exit code: 0 agreement, 1 counterexample, 2 usage or input error, 3 budget ran out, 4 the module
 * under test failed.
 */

function topHelp(): string {
  const width = Math.max(...commandTable.map((c) => c.name.length));
  return [
    "interlock — reference-model verifier and property tester for CPython's proposed",
    "runtime-global lock, runtime store, refcounted-lock and module-slot C APIs.",
    "",
    "Usage: interlock <command> [options]     interlock help <command>     interlock --version",
    "",
    "Commands:",
    ...commandTable.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Exit codes: 0 agreement, 1 counterexample found, 2 usage or input error,",
    "            3 budget ran out before the stated coverage (verdict unknown),",
    "            4 the module under test (--impl) failed: threw, broke the contract, hung.",
    "Environment: CI=true for quiet machine-readable output; NO_COLOR (non-empty) disables colour,",
    "             FORCE_COLOR (non-empty, not 0) forces it; GITHUB_ACTIONS=true adds annotations.",
  ].join("\n");
}

/** The version in the package's own package.json (found upwards from this file: cli/ or dist/cli/). */
export function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "interlock" && pkg.version !== undefined) return pkg.version;
    }
    const up = dirname(dir);
    if (up === dir) return "unknown";
    dir = up;
  }
}

/** Loads the module of command `name` (it registers itself) and returns the command, if any. */
async function loadCommand(name: string): Promise<Command | undefined> {
  const entry = commandTable.find((c) => c.name === name);
  if (entry === undefined) return undefined;
  await entry.load();
  return loadedCommands().find((c) => c.name === name);
}

const unknownCommand = (name: string): UsageError =>
  new UsageError(`unknown command "${name}"; run \`interlock --help\` for the list (${commandTable.map((c) => c.name).join(", ")})`);

/** Runs the CLI on `argv` (without node and script) and returns the exit code. */
export async function run(argv: readonly string[], out: Output = terminalOutput()): Promise<ExitCode> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === "--help" || name === "-h" || (name === "help" && rest.length === 0)) {
      out.out(topHelp());
      return name === undefined ? ExitCode.usage : ExitCode.agreement;
    }
    if (name === "--version" || name === "-v") {
      out.out(`interlock ${packageVersion()}`);
      return ExitCode.agreement;
    }
    if (name === "help") {
      const [topic, ...extra] = rest;
      if (extra.length > 0) throw new UsageError(`help takes one command, got "${rest.join(" ")}"; try \`interlock help verify\``);
      const command = await loadCommand(topic!);
      if (!command) throw unknownCommand(topic!);
      out.out(command.help);
      return ExitCode.agreement;
    }
    const command = await loadCommand(name);
    if (!command) throw unknownCommand(name);
    if (rest.includes("--help") || rest.includes("-h")) {
      out.out(command.help);
      return ExitCode.agreement;
    }
    let parsed: ParsedArgs;
    try {
      parsed = parseArgs({ args: [...rest], options: command.options, allowPositionals: true, strict: true });
    } catch (e) {
      throw new UsageError(`${name}: ${(e as Error).message.split("\n")[0]}; see \`interlock ${name} --help\``);
    }
    const p = command.positionals ?? { min: 0, max: 0, name: "" };
    if (parsed.positionals.length < p.min) throw new UsageError(`${name}: missing ${p.name}; see \`interlock ${name} --help\``);
    if (parsed.positionals.length > p.max) {
      throw new UsageError(`${name}: unexpected argument "${parsed.positionals[p.max]}"; see \`interlock ${name} --help\``);
    }
    return await command.run(parsed, out);
  } catch (e) {
    out.endProgress();
    if (e instanceof UsageError) {
      // One line, whatever the message quotes (a path or a flag value with a newline in it).
      out.err(`interlock: ${e.message.replace(/\r?\n|\r/g, "\\n")}`);
      return ExitCode.usage;
    }
    throw e;
  }
}
