/**
 * The SPIN baseline: runs SPIN on bench/spin/module_slots.pml, the Promela model of the
 * module-slot protocol, so interlock's explorer can be benchmarked beside it in the same run.
 *
 * For each (N, C) it does what anchors.md measured with:
 *     spin -DN=.. -DC=.. [-DFUTEX] [-DBROKEN] -a module_slots.pml
 *     gcc -O2 -DSAFETY [-DMEMLIM=..] -o pan pan.c
 *     ./pan -m10000000 -w26
 * in a fresh temporary directory, and parses pan's summary (bench/spin/parse.ts).
 *
 * Library use: `runSpin({ n, c, broken, futex })` and `spinAvailable()`.
 * Command line (after `npm run build`):
 *     node dist/bench/spin/run.js [--broken] [--futex] [--n 3,4,5] [--c 1,2]
 *                                 [--mem-limit MB] [--timeout S]
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parsePanOutput, type PanResult } from "./parse.js";

/** SpinOptions are the parameters of one SPIN run of the module-slot model. */
export interface SpinOptions {
  /** Interpreters (the model's N). */
  readonly n: number;
  /** Import/unload rounds per interpreter (the model's C). */
  readonly c: number;
  /** The unlocked check-then-act variant (-DBROKEN): SPIN must find an assertion violation. */
  readonly broken?: boolean;
  /** The futex-style lock at interlock's step granularity (-DFUTEX) instead of one test-and-set step. */
  readonly futex?: boolean;
  /** pan's DFS depth bound, -m. Default 10,000,000 (anchors.md). */
  readonly maxDepth?: number;
  /** log2 of pan's hash-table slots, -w. Default 26 (anchors.md). */
  readonly hashBits?: number;
  /**
   * pan's memory bound in MB (-DMEMLIM), so a state space too large for a shared machine ends as an
   * incomplete run instead of exhausting memory. Default 4096. The -m and -w defaults alone take
   * about 1 GB.
   */
  readonly memLimitMb?: number;
  /** Wall-clock bound for pan in seconds; a run stopped by it is reported incomplete. Default none. */
  readonly timeoutSeconds?: number;
  /** The .pml file to verify. Default: bench/spin/module_slots.pml, found by `locateModel`. */
  readonly modelPath?: string;
}

/** A SpinResult is pan's summary of one run plus what was run and whether a time bound cut it. */
export interface SpinResult extends PanResult {
  readonly n: number;
  readonly c: number;
  readonly broken: boolean;
  readonly futex: boolean;
  /** pan was killed by `timeoutSeconds`; the counts are then unknown (0) and `complete` is false. */
  readonly timedOut: boolean;
}

/** A SpinSetupError means the toolchain or the model could not be found or built; its message is one line. */
export class SpinSetupError extends Error {
  override readonly name = "SpinSetupError";
}

export const DEFAULT_MAX_DEPTH = 10_000_000;
export const DEFAULT_HASH_BITS = 26;
export const DEFAULT_MEM_LIMIT_MB = 4096;

const MODEL_FILE = "module_slots.pml";
const INSTALL_HINT = "install it with `apt-get install -y spin` (SPIN also needs gcc to compile pan.c)";

/**
 * Finds module_slots.pml. The model is not compiled, so it stays in bench/spin/ while this module
 * may run from there (vitest, tsx) or from dist/bench/spin/ after `npm run build`. The environment
 * variable INTERLOCK_SPIN_MODEL overrides the search.
 */
export function locateModel(): string {
  const override = process.env["INTERLOCK_SPIN_MODEL"];
  if (override !== undefined && override !== "") {
    if (!existsSync(override)) throw new SpinSetupError(`INTERLOCK_SPIN_MODEL names a missing file: ${override}`);
    return resolve(override);
  }
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [
    join(here, MODEL_FILE), // running from bench/spin/
    join(here, "..", "..", "..", "bench", "spin", MODEL_FILE), // running from dist/bench/spin/
    join(process.cwd(), "bench", "spin", MODEL_FILE), // running from the repository root
  ];
  const found = candidates.find((path) => existsSync(path));
  if (found === undefined) {
    throw new SpinSetupError(`cannot find ${MODEL_FILE}; looked in: ${candidates.join(", ")}`);
  }
  return found;
}

interface ExecOutcome {
  readonly stdout: string;
  readonly stderr: string;
  /** The process exit code, or null if it was killed by a signal. */
  readonly code: number | null;
  readonly killed: boolean;
  /** Set when the program could not be started at all (ENOENT: not installed). */
  readonly spawnError: NodeJS.ErrnoException | null;
}

/** Runs a program to completion and reports its outcome; never rejects. */
function run(file: string, args: readonly string[], cwd: string, timeoutMs = 0): Promise<ExecOutcome> {
  return new Promise((done) => {
    execFile(file, args, { cwd, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const errno = error as (NodeJS.ErrnoException & { killed?: boolean; code?: unknown }) | null;
      const spawnError = errno !== null && typeof errno.code === "string" ? errno : null;
      done({
        stdout,
        stderr,
        code: errno === null ? 0 : typeof errno.code === "number" ? errno.code : null,
        killed: errno?.killed === true,
        spawnError,
      });
    });
  });
}

/** The tools the SPIN baseline needs that are not on PATH ("spin", "gcc"); empty when all are there. */
export async function missingTools(): Promise<string[]> {
  const probes: Array<[string, string[]]> = [
    ["spin", ["-V"]],
    ["gcc", ["--version"]],
  ];
  const missing: string[] = [];
  for (const [tool, args] of probes) {
    const outcome = await run(tool, args, process.cwd());
    if (outcome.spawnError !== null) missing.push(tool);
  }
  return missing;
}

/** True when spin and gcc are both on PATH, so `runSpin` can work. */
export async function spinAvailable(): Promise<boolean> {
  return (await missingTools()).length === 0;
}

function checkCount(name: string, value: number | undefined, min: number): void {
  if (value !== undefined && (!Number.isInteger(value) || value < min)) {
    throw new RangeError(`${name} must be an integer >= ${min}, got ${String(value)}`);
  }
}

/**
 * Runs SPIN on the module-slot model for one (N, C) and returns pan's summary. Throws
 * SpinSetupError (one-line message) when spin or gcc is missing, the model is not found, or spin or
 * gcc rejects it; throws PanOutputError if pan's output has no summary.
 */
export async function runSpin(options: SpinOptions): Promise<SpinResult> {
  const { n, c } = options;
  checkCount("n", n, 1);
  checkCount("c", c, 1);
  // The model stores per-interpreter round counters and the refcount in bytes/shorts; SPIN allows 255 processes.
  if (n > 255) throw new RangeError(`n must be at most 255 (SPIN's process limit), got ${n}`);
  if (c > 255) throw new RangeError(`c must be at most 255 (the round counter is a byte), got ${c}`);
  checkCount("maxDepth", options.maxDepth, 1);
  checkCount("hashBits", options.hashBits, 10);
  checkCount("memLimitMb", options.memLimitMb, 1);
  if (options.timeoutSeconds !== undefined && !(options.timeoutSeconds > 0)) {
    throw new RangeError(`timeoutSeconds must be positive, got ${options.timeoutSeconds}`);
  }
  const broken = options.broken ?? false;
  const futex = options.futex ?? false;
  const model = options.modelPath ?? locateModel();

  const dir = await mkdtemp(join(tmpdir(), "interlock-spin-"));
  try {
    await copyFile(model, join(dir, MODEL_FILE));
    const defines = [`-DN=${n}`, `-DC=${c}`];
    if (futex) defines.push("-DFUTEX");
    if (broken) defines.push("-DBROKEN");

    const spin = await run("spin", [...defines, "-a", MODEL_FILE], dir);
    if (spin.spawnError !== null) throw new SpinSetupError(`spin not found on PATH; ${INSTALL_HINT}`);
    if (spin.code !== 0 || !existsSync(join(dir, "pan.c"))) {
      throw new SpinSetupError(`spin rejected ${model}: ${firstLine(spin.stdout + spin.stderr)}`);
    }

    const memLimit = options.memLimitMb ?? DEFAULT_MEM_LIMIT_MB;
    const gcc = await run("gcc", ["-O2", "-DSAFETY", `-DMEMLIM=${memLimit}`, "-o", "pan", "pan.c"], dir);
    if (gcc.spawnError !== null) throw new SpinSetupError(`gcc not found on PATH; ${INSTALL_HINT}`);
    if (gcc.code !== 0) throw new SpinSetupError(`gcc could not compile pan.c: ${firstLine(gcc.stderr)}`);

    const panArgs = [`-m${options.maxDepth ?? DEFAULT_MAX_DEPTH}`, `-w${options.hashBits ?? DEFAULT_HASH_BITS}`];
    const timeoutMs = options.timeoutSeconds === undefined ? 0 : Math.ceil(options.timeoutSeconds * 1000);
    const pan = await run(join(dir, "pan"), panArgs, dir, timeoutMs);
    if (pan.spawnError !== null) throw new SpinSetupError(`could not start pan: ${pan.spawnError.message}`);
    if (pan.killed && timeoutMs > 0) {
      return {
        n, c, broken, futex, timedOut: true,
        states: 0, transitions: 0, seconds: options.timeoutSeconds ?? 0, errors: 0,
        complete: false, depthLimitHit: false, memoryLimitHit: false, firstError: null,
      };
    }
    return { n, c, broken, futex, timedOut: false, ...parsePanOutput(pan.stdout) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function firstLine(text: string): string {
  return text.split("\n").find((line) => line.trim() !== "")?.trim() ?? "(no output)";
}

// ---------------------------------------------------------------------------------------------
// Command line

/** The command line's parsed arguments. */
interface CliArgs {
  readonly broken: boolean;
  readonly futex: boolean;
  readonly ns: readonly number[];
  readonly cs: readonly number[];
  readonly memLimitMb: number;
  readonly timeoutSeconds: number | undefined;
}

const USAGE =
  "usage: node dist/bench/spin/run.js [--broken] [--futex] [--n 3,4,5] [--c 1,2] [--mem-limit MB] [--timeout S]";

/** A UsageError is bad command-line input; main prints its message and exits with code 2. */
class UsageError extends Error {}

function parseList(flag: string, value: string | undefined, max: number): number[] {
  if (value === undefined) throw new UsageError(`${flag} needs a value, e.g. ${flag} 3,4,5`);
  const items = value.split(",").map((item) => item.trim());
  const numbers = items.map(Number);
  if (items.some((item) => !/^\d+$/.test(item)) || numbers.some((x) => x < 1 || x > max)) {
    throw new UsageError(`${flag} takes a comma-separated list of integers 1..${max}, got "${value}"`);
  }
  return numbers;
}

function parsePositive(flag: string, value: string | undefined): number {
  const x = value === undefined ? Number.NaN : Number(value);
  if (!(Number.isFinite(x) && x > 0)) throw new UsageError(`${flag} takes a positive number, got "${value ?? ""}"`);
  return x;
}

function parseArgs(argv: readonly string[]): CliArgs {
  let broken = false;
  let futex = false;
  let ns: number[] = [3, 4, 5];
  let cs: number[] = [1, 2];
  let memLimitMb = DEFAULT_MEM_LIMIT_MB;
  let timeoutSeconds: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    switch (arg) {
      case "--broken":
        broken = true;
        break;
      case "--futex":
        futex = true;
        break;
      case "--n":
        ns = parseList(arg, argv[++i], 255);
        break;
      case "--c":
        cs = parseList(arg, argv[++i], 255);
        break;
      case "--mem-limit":
        memLimitMb = Math.ceil(parsePositive(arg, argv[++i]));
        break;
      case "--timeout":
        timeoutSeconds = parsePositive(arg, argv[++i]);
        break;
      case "--help":
      case "-h":
        throw new UsageError(USAGE);
      default:
        throw new UsageError(`unknown argument "${arg ?? ""}"; ${USAGE}`);
    }
  }
  return { broken, futex, ns, cs, memLimitMb, timeoutSeconds };
}

function verdict(r: SpinResult): string {
  if (r.timedOut) return "timed out";
  if (r.errors > 0) return `VIOLATION: ${r.firstError ?? `${r.errors} error(s)`}`;
  if (r.depthLimitHit) return "incomplete: max search depth too small";
  if (r.memoryLimitHit) return "incomplete: memory bound (-DMEMLIM) reached";
  if (!r.complete) return "incomplete";
  return "ok, exhaustive";
}

function table(rows: readonly SpinResult[]): string {
  const header = ["N", "C", "lock", "variant", "states", "transitions", "seconds", "states/s", "errors", "verdict"];
  const body = rows.map((r) => [
    String(r.n),
    String(r.c),
    r.futex ? "futex" : "test-and-set",
    r.broken ? "BROKEN" : "correct",
    r.states.toLocaleString("en-US"),
    r.transitions.toLocaleString("en-US"),
    r.seconds.toString(),
    r.seconds > 0 ? Math.round(r.states / r.seconds).toLocaleString("en-US") : "-",
    String(r.errors),
    verdict(r),
  ]);
  const widths = header.map((h, col) => Math.max(h.length, ...body.map((row) => (row[col] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, col) => (col === cells.length - 1 ? cell : cell.padStart(widths[col] ?? 0))).join("  ");
  return [line(header), ...body.map(line)].join("\n");
}

async function main(argv: readonly string[]): Promise<number> {
  let args: CliArgs;
  try {
    args = parseArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  }
  const missing = await missingTools();
  if (missing.length > 0) {
    console.error(`spin baseline: ${missing.join(" and ")} not found on PATH; ${INSTALL_HINT}`);
    return 2;
  }
  const rows: SpinResult[] = [];
  for (const n of args.ns) {
    for (const c of args.cs) {
      const options: SpinOptions = {
        n, c, broken: args.broken, futex: args.futex, memLimitMb: args.memLimitMb,
        ...(args.timeoutSeconds === undefined ? {} : { timeoutSeconds: args.timeoutSeconds }),
      };
      const result = await runSpin(options);
      console.error(`  N=${n} C=${c}: ${result.states.toLocaleString("en-US")} states, ${result.seconds} s, ${verdict(result)}`);
      rows.push(result);
    }
  }
  console.log(`SPIN on ${locateModel()} (pan -m${DEFAULT_MAX_DEPTH} -w${DEFAULT_HASH_BITS}, -DMEMLIM=${args.memLimitMb})`);
  console.log(table(rows));
  return 0;
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(`spin baseline: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 2;
    },
  );
}
