import { parseArgs, type ParseArgsConfig } from "node:util";
import { ExitCode, UsageError } from "./errors.js";
import { terminalOutput, type Output } from "./output.js";

/**
 * The `interlock` command line: a thin layer over the library API. Every command parses its flags
 * with Node's own `util.parseArgs` (strict: unknown flags are usage errors), runs, and returns an
 * exit code: 0 agreement, 1 counterexample, 2 usage or input error, 3 budget ran out, 4 the module
 * under test failed.
 */

export interface Command {
  readonly name: string;
  readonly summary: string;
  /** Usage text shown by `interlock <command> --help`. */
  readonly help: string;
  readonly options: NonNullable<ParseArgsConfig["options"]>;
  readonly positionals?: { readonly min: number; readonly max: number; readonly name: string };
  run(args: ParsedArgs, out: Output): Promise<ExitCode>;
}

export interface ParsedArgs {
  readonly values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  readonly positionals: string[];
}

const commands: Command[] = [];

/** Adds a command to the CLI (each command module registers itself from cli/commands.ts). */
export function register(c: Command): void {
  commands.push(c);
}

function topHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    "interlock — reference-model verifier and property tester for CPython's proposed",
    "runtime-global lock, runtime store, refcounted-lock and module-slot C APIs.",
    "",
    "Usage: interlock <command> [options]     interlock <command> --help",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Exit codes: 0 agreement, 1 counterexample found, 2 usage or input error,",
    "            3 budget ran out before the stated coverage (verdict unknown),",
    "            4 the module under test (--impl) failed: threw, broke the contract, hung.",
    "Environment: CI=true for quiet machine-readable output; NO_COLOR disables colour.",
  ].join("\n");
}

/** Runs the CLI on `argv` (without node and script) and returns the exit code. */
export async function run(argv: readonly string[], out: Output = terminalOutput()): Promise<ExitCode> {
  await import("./commands.js");
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    out.out(topHelp());
    return name === undefined ? ExitCode.usage : ExitCode.agreement;
  }
  if (name === "--version") {
    out.out("interlock 0.1.0");
    return ExitCode.agreement;
  }
  const command = commands.find((c) => c.name === name);
  try {
    if (!command) throw new UsageError(`unknown command "${name}"; run \`interlock --help\` for the list`);
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
