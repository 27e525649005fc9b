/**
 * Terminal output conventions: results go to stdout; progress and errors to stderr. A live progress
 * line is drawn only on an interactive terminal outside CI (`CI=true` makes output quiet and
 * machine-readable); colour only where allowed (see `colorEnabled`).
 */
export interface Output {
  readonly interactive: boolean;
  readonly color: boolean;
  out(line: string): void;
  err(line: string): void;
  /** Redraws the live progress line (no-op unless interactive). */
  progress(line: string): void;
  /** Clears the live progress line before ordinary output continues. */
  endProgress(): void;
}

/** An environment flag that is on: set, not empty, not "0", not "false". */
export function envFlag(env: NodeJS.ProcessEnv, name: string): boolean {
  const v = env[name];
  return v !== undefined && v !== "" && v !== "0" && v !== "false";
}

/**
 * Whether to paint: `FORCE_COLOR` (non-empty) decides first — "0" or "false" turns colour off,
 * anything else on, even when piped or in CI (force-color.org; Node does the same); then a
 * non-empty `NO_COLOR` turns it off (no-color.org: an empty `NO_COLOR` counts as not set); else
 * colour on an interactive stdout outside CI.
 */
export function colorEnabled(env: NodeJS.ProcessEnv, stdoutIsTTY: boolean): boolean {
  const force = env["FORCE_COLOR"];
  if (force !== undefined && force !== "") return envFlag(env, "FORCE_COLOR");
  if (env["NO_COLOR"] !== undefined && env["NO_COLOR"] !== "") return false;
  return stdoutIsTTY && !envFlag(env, "CI");
}

export function terminalOutput(env: NodeJS.ProcessEnv = process.env): Output {
  const interactive = Boolean(process.stderr.isTTY) && !envFlag(env, "CI");
  const color = colorEnabled(env, Boolean(process.stdout.isTTY));
  let drawn = false;
  return {
    interactive,
    color,
    out: (line) => process.stdout.write(line + "\n"),
    err: (line) => process.stderr.write(line + "\n"),
    progress(line) {
      if (!interactive) return;
      process.stderr.write(`\r\x1b[2K${line}`);
      drawn = true;
    },
    endProgress() {
      if (drawn) process.stderr.write("\r\x1b[2K");
      drawn = false;
    },
  };
}

/** A fixed-width text table: a header row, a rule, then the rows. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** ANSI colour if enabled. */
export function paint(o: Output, code: "red" | "green" | "yellow" | "dim", text: string): string {
  if (!o.color) return text;
  const c = { red: 31, green: 32, yellow: 33, dim: 2 }[code];
  return `\x1b[${c}m${text}\x1b[0m`;
}
