import type { ParseArgsConfig } from "node:util";
import type { ExitCode } from "./errors.js";
import type { Output } from "./output.js";

/**
 * What a CLI command is, and the registry command modules add themselves to when cli/commands.ts
 * loads them. It lives apart from cli/main.ts so that command modules never import the entry point
 * that loads them (no import cycle).
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

/** Adds a command to the CLI (each command module registers itself when cli/commands.ts loads it). */
export function register(c: Command): void {
  commands.push(c);
}

/** The commands loaded so far (main.ts looks commands up here; tests compare them with cli/commands.ts). */
export function loadedCommands(): readonly Command[] {
  return commands;
}
