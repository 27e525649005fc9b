/**
 * Terminal output conventions: results go to stdout; progress and errors to stderr. A live progress
 * line is drawn only on an interactive terminal outside CI (`CI=true` makes output quiet and
 * machine-readable); colour only where allowed (`NO_COLOR` is respected, and never when piped).
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

export function terminalOutput(env: NodeJS.ProcessEnv = process.env): Output {
  const ci = env["CI"] !== undefined && env["CI"] !== "" && env["CI"] !== "false" && env["CI"] !== "0";
  const interactive = Boolean(process.stderr.isTTY) && !ci;
  const color = Boolean(process.stdout.isTTY) && !ci && env["NO_COLOR"] === undefined;
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
