import { familyNames, type FamilyName } from "../model/index.js";
import { jsonDepth, MAX_JSON_DEPTH, quotePath, readInputFile } from "../reports/io.js";
import { UsageError } from "./errors.js";
import { reportErrorsAsUsage } from "./report-errors.js";

/** Flag parsing helpers shared by the commands; each failure is a one-line UsageError. */

export function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

export function intFlag(v: unknown, flag: string, min: number, max: number, fallback: number): number {
  if (v === undefined) return fallback;
  const s = String(v);
  if (!/^-?\d+$/.test(s)) throw new UsageError(`--${flag} must be a whole number, got "${s}"`);
  const n = Number(s);
  if (n < min || n > max) throw new UsageError(`--${flag} must be between ${min} and ${max}, got ${n}`);
  return n;
}

/** `--family f` or `--family f1,f2` or `all`. */
export function familiesFlag(v: unknown, fallback: readonly FamilyName[] = familyNames): FamilyName[] {
  if (v === undefined || v === "all") return [...fallback];
  return choiceListFlag(v, "family", familyNames, "family", `one of ${familyNames.join(", ")} or all`);
}

/** A comma list flag (`a,b`): its names, each trimmed; an empty list or an empty name is a usage error. */
export function listFlag(v: unknown, flag: string): string[] {
  const names = String(v).split(",").map((x) => x.trim());
  if (names.some((n) => n === "")) throw new UsageError(`--${flag} ${JSON.stringify(String(v))} names nothing${names.length > 1 ? " between two commas" : ""}; give one or more names separated by commas`);
  return names;
}

/** A comma list whose every name must be one of `allowed`; any other is a usage error naming the choices (`expected`). */
export function choiceListFlag<T extends string>(v: unknown, flag: string, allowed: readonly T[], what: string, expected: string): T[] {
  const names = listFlag(v, flag);
  for (const n of names) {
    if (!(allowed as readonly string[]).includes(n)) throw new UsageError(`unknown ${what} ${JSON.stringify(n)}; expected ${expected}`);
  }
  return names as T[];
}

/** `--shard i/n`: this process does shard i (1-based) of n. */
export function shardFlag(v: unknown): { index: number; count: number } {
  if (v === undefined) return { index: 1, count: 1 };
  const m = /^(\d+)\/(\d+)$/.exec(String(v));
  if (!m) throw new UsageError(`--shard must look like i/n (e.g. 2/4), got "${String(v)}"`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index < 1 || index > count) throw new UsageError(`--shard ${index}/${count}: need 1 ≤ i ≤ n`);
  return { index, count };
}

/**
 * Reads a JSON file; a missing, unreadable, unsuitable (a device, a pipe, too large, too deeply
 * nested) or ill-formed file is a UsageError naming it.
 */
export function readJsonFile(path: string, what: string): unknown {
  const text = reportErrorsAsUsage(() => readInputFile(path, what, `pass the ${what}`));
  if (jsonDepth(text) > MAX_JSON_DEPTH) throw new UsageError(`${what} ${quotePath(path)} nests arrays or objects more than ${MAX_JSON_DEPTH} deep; it is not a ${what}`);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${what} ${quotePath(path)} is not valid JSON (${(e as Error).message.split("\n")[0]}); is it truncated?`);
  }
}

