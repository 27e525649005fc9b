import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import type { ClientDefinition } from "../properties/scenarios/contract.js";
import { definitionProblems } from "../properties/scenarios/definition.js";
import { UsageError } from "./errors.js";
import { allowInterlockImports } from "./interlock-resolve.js";
import { firstLine, importUserModule } from "./model-module.js";

/** `file.ts#unsafe`: the file and the export `unsafe` (unless a file with that very name exists). */
export function clientPathParts(given: string): { readonly path: string; readonly named: string | undefined } {
  const hash = given.lastIndexOf("#");
  const named = hash > 0 && !existsSync(resolve(given)) ? given.slice(hash + 1) : undefined;
  return { path: named === undefined ? given : given.slice(0, hash), named };
}

/**
 * `--client path/to/module`: an extension's own code under the client contract
 * (properties/scenarios/contract.ts). The module (.js, .mjs or .ts) exports a definition made with
 * `defineClient` as `client` or `default` (or any export, chosen with `path#name`); it may `import … from "interlock"` from any folder.
 * Anything else is a usage error naming what is wrong.
 */
export async function loadClientModule(given: string): Promise<ClientDefinition> {
  const { path, named } = clientPathParts(given);
  const file = resolve(path);
  if (!existsSync(file) || !statSync(file).isFile()) throw new UsageError(`--client ${path}: no such file`);
  allowInterlockImports();
  let mod: Record<string, unknown>;
  try {
    mod = await importUserModule(file);
  } catch (e) {
    throw new UsageError(`--client ${path}: the module failed to load (${firstLine(e)})`);
  }
  const exported = (name: string): unknown => mod[name] ?? (mod["default"] as Record<string, unknown> | undefined)?.[name];
  if (named !== undefined && exported(named) === undefined) throw new UsageError(`--client ${given}: the module has no export "${named}"`);
  let d = named !== undefined ? exported(named) : (mod["client"] ?? mod["default"]);
  // A .ts file outside a "type": "module" package is loaded as CommonJS: its exports sit one level down.
  const inner = (d as Record<string, unknown> | null | undefined)?.["client"] ?? (d as Record<string, unknown> | null | undefined)?.["default"];
  if (typeof d === "object" && d !== null && !("family" in d) && inner !== undefined) d = inner;
  if (d === undefined) throw new UsageError(`--client ${path}: exports no client; export a defineClient({...}) result as "default" or "client"`);
  const problems = definitionProblems(d);
  if (problems.length > 0) throw new UsageError(`--client ${path}: ${problems.join("; ")} (see README, "Checking your extension's code")`);
  return d as ClientDefinition;
}
