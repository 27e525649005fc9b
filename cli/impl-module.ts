import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { familyNames, isFamilyName, type FamilyName } from "../model/index.js";
import type { SubjectFactory } from "../properties/verify/jobs.js";
import { UsageError } from "./errors.js";
import { importUserModule } from "./model-module.js";
import { allowInterlockImports } from "./interlock-resolve.js";

/** The most shared-memory words a Subject may ask for (16 MiB): more is a contract break, not an allocation. */
export const MAX_WORDS = 1 << 22;

/**
 * `--impl path/to/module`: a user's own implementation, checked without editing interlock. The
 * module (.js, .mjs, or .ts — TypeScript is loaded through tsx; a .c file goes to cli/c-impl.ts) exports, for each family it
 * implements, a Subject factory named after the family (`export function module_slots(config)`),
 * or an `implementations` object with those members (impl/README.md, "Bring your own
 * implementation"). Anything else is a usage error naming what is wrong.
 */
export async function loadImplModule(path: string): Promise<Partial<Record<FamilyName, SubjectFactory>>> {
  const file = resolve(path);
  if (!existsSync(file)) throw new UsageError(`--impl ${path}: no such file`);
  if (/\.c$/.test(file)) return (await import("./c-impl.js")).loadCImplementation(path);
  let mod: Record<string, unknown>;
  allowInterlockImports();
  try {
    mod = await importUserModule(file);
  } catch (e) {
    throw new UsageError(`--impl ${path}: the module failed to load (${(e as Error).message.split("\n")[0]})`);
  }
  // A .ts file outside a "type": "module" package is loaded as CommonJS: its exports sit under "default".
  const inner = mod["default"];
  if (!Object.keys(mod).some(isFamilyName) && mod["implementations"] === undefined && typeof inner === "object" && inner !== null) mod = inner as Record<string, unknown>;
  const table = (typeof mod["implementations"] === "object" && mod["implementations"] !== null ? mod["implementations"] : mod) as Record<string, unknown>;
  const out: Partial<Record<FamilyName, SubjectFactory>> = {};
  for (const [name, value] of Object.entries(table)) {
    if (!isFamilyName(name)) continue;
    if (typeof value !== "function") throw new UsageError(`--impl ${path}: export "${name}" must be a function (config) => Subject, got ${typeof value}`);
    out[name] = value as SubjectFactory;
  }
  if (Object.keys(out).length === 0) {
    throw new UsageError(`--impl ${path}: exports no Subject factory; export one named after a family (${familyNames.join(", ")})`);
  }
  return out;
}

/** Checks that a factory's Subject meets the contract; a break is a usage error naming it. */
export function checkSubjectContract(path: string, family: FamilyName, factory: SubjectFactory, config: Parameters<SubjectFactory>[0]): void {
  let s: unknown;
  try {
    s = factory(config);
  } catch (e) {
    throw new UsageError(`--impl ${path}: ${family}(config) threw (${(e as Error).message.split("\n")[0]})`);
  }
  const o = s as Record<string, unknown> | null;
  const fail = (what: string): never => {
    throw new UsageError(`--impl ${path}: ${family}(config) does not meet the Subject contract: ${what} (see impl/README.md)`);
  };
  if (typeof o !== "object" || o === null) fail("it returned no object");
  if (typeof o!["name"] !== "string") fail(`"name" must be a string`);
  if (!Number.isInteger(o!["words"]) || (o!["words"] as number) < 1) fail(`"words" must be a positive integer`);
  if ((o!["words"] as number) > MAX_WORDS) fail(`"words" is ${o!["words"] as number}, more than the ${MAX_WORDS} (16 MiB) a Subject may use`);
  if (typeof o!["start"] !== "function") fail(`"start" must be a function (interp, call, carry) => generator`);
  for (const optional of ["init", "resolve", "after", "decode", "describeCall", "discipline"]) {
    if (o![optional] !== undefined && typeof o![optional] !== "function") fail(`"${optional}" must be a function when present`);
  }
}
