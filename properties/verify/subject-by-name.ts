import { implementations } from "../../impl/index.js";
import type { Subject } from "../../impl/subject.js";
import type { AnyCall, FamilyName, ModelConfig, Result } from "../../model/index.js";
import { mutants } from "../../impl/mutants/index.js";
import type { SubjectFactory } from "./jobs.js";

/**
 * Finds the implementation a report names: interlock's own (named after the family), a mutant of
 * the catalogue (`family/mutant:id`), or one from a user's `--impl` module. Undefined if none.
 */
export function subjectNamed(
  name: string,
  family: FamilyName,
  config: ModelConfig,
  implModule?: Partial<Record<FamilyName, SubjectFactory>>,
): Subject<AnyCall, Result> | undefined {
  if (implModule?.[family]) {
    const s = implModule[family]!(config);
    if (s.name === name) return s;
  }
  if (name === family) return implementations[family](config);
  const mutant = mutants.find((m) => m.family === family && m.subject(config).name === name);
  return mutant ? (mutant.subject(config) as Subject<AnyCall, Result>) : undefined;
}
