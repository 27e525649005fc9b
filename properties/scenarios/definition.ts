/**
 * A client definition checked whole: its shape (contract.ts) and what its family allows, read
 * from the family registry. Apart from the contract because the registry loads the models (and
 * effect), which the package entry's `defineClient` must not.
 */
import { familyNames, profiles, type FamilyName } from "../../model/index.js";
import { shapeProblems } from "./contract.js";

/** The problems of a client definition (empty when it is well formed). */
export function definitionProblems(d: unknown): string[] {
  const shape = shapeProblems(d);
  if (typeof d !== "object" || d === null) return shape;
  const o = d as Record<string, unknown>;
  const out: string[] = [];
  if (!familyNames.includes(o["family"] as FamilyName)) out.push(`"family" must be one of ${familyNames.join(", ")}, got ${JSON.stringify(o["family"])}`);
  out.push(...shape);
  // The families whose runtime calls an extension's Py_mod_global_init / Py_mod_global_exit.
  const callbackFamilies = familyNames.filter((f) => profiles[f].extensionCallbacks !== undefined);
  if ((o["globalInit"] !== undefined || o["globalExit"] !== undefined) && !callbackFamilies.includes(o["family"] as FamilyName)) {
    out.push(`"globalInit"/"globalExit" are callbacks of ${callbackFamilies.join(" and ")} only; ${String(o["family"])} has none`);
  }
  return out;
}
