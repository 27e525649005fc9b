import { it } from "@fast-check/vitest";
import { describe } from "vitest";
import { models, type FamilyName } from "./index.js";
import { invariants } from "./invariants.js";
import { invocationsArbitrary } from "../properties/workload/program-arbitraries.js";

/**
 * Properties of the model over random call sequences made by three interpreters. The sequences come
 * from the Schema vocabulary (properties/workload/program-arbitraries.ts); references to indices are resolved against
 * what each interpreter received, as a client would. That each property has teeth is shown by the
 * model-mutant catalogue (model/mutants.test.ts).
 */

const allFamilies = Object.keys(models) as FamilyName[];
const runs = { numRuns: 300 };

/** Every invariant of model/invariants.ts, on random sequences of the families it applies to. */
describe.each(allFamilies)("%s", (family) => {
  for (const [name, applies, check] of invariants) {
    if (!applies(family)) continue;
    it.prop([invocationsArbitrary(family, 3, 50)], runs)(name, (invs) => {
      check(models[family], invs);
    });
  }
});
