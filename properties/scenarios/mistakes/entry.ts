/**
 * A catalogue entry: one mistake KIND (kinds.ts) against one API family — either a small change to
 * the family's correct column client (a `defineClient` variant, usually a few overridden hooks), or
 * "impossible" with the reason the API leaves the author nothing to get wrong.
 */
import type { FamilyName } from "../../../model/index.js";
import type { Code } from "../../../impl/memory.js";
import { defineClient, type ClientApi, type ClientDefinition, type HookResult, type Resource } from "../contract.js";
import type { MistakeKindId } from "./kinds.js";

/** A mistake the author can write against the family. */
export interface PossibleMistake {
  readonly id: string;
  readonly family: FamilyName;
  readonly kind: MistakeKindId;
  readonly possible: true;
  /** What this client does wrong, in one sentence. */
  readonly description: string;
  /** The correct column client it changes. */
  readonly correct: ClientDefinition;
  /** The client with the mistake. */
  readonly client: ClientDefinition;
  /**
   * Why a scenario that runs the changed hooks still cannot show the mistake (by scenario id, or
   * "*" for every such scenario): a missed cell with an explanation is understood, one without is
   * an open finding.
   */
  readonly explain?: Readonly<Record<string, string>>;
}

/** A mistake the family's API leaves no room for. */
export interface ImpossibleMistake {
  readonly id: string;
  readonly family: FamilyName;
  readonly kind: MistakeKindId;
  readonly possible: false;
  /** Why it cannot even be written against the API. */
  readonly reason: string;
}

export type MistakeEntry = PossibleMistake | ImpossibleMistake;

/** Hooks a variant may override (undefined: leaves the hook out); the rest of the correct client is kept. */
type Overrides<F extends FamilyName> = { readonly [K in Exclude<keyof ClientDefinition<F>, "family">]?: ClientDefinition<F>[K] | undefined };

/**
 * A mistake written as a change of the correct client: `change` overrides hooks (or statics,
 * failedExec). The variant claims no sharing disciplines: code with a mistake does not follow the
 * correct code's (the explorer would report the broken claim instead of the hazard).
 */
export function mistake<F extends FamilyName>(kind: MistakeKindId, correct: ClientDefinition<F>, description: string, change: Overrides<F>, explain?: Readonly<Record<string, string>>): PossibleMistake {
  const id = `${correct.family}.${kind}`;
  const client = defineClient<F>({ ...correct, disciplines: undefined, ...change, name: id } as ClientDefinition<F>);
  return { id, family: correct.family, kind, possible: true, description, correct, client, ...(explain ? { explain } : {}) };
}

/** A column's code that gets or creates a resource, or gives one back, with the slip a mistake makes in it. */
type ResourceCode<F extends FamilyName, S> = (x: ClientApi<F>, r: Resource, slip: S) => Code<HookResult>;

/** The change for a slip in the code that gets or creates a resource: the import's own (henv, in exec) and every acquire. */
export function inGetOrCreate<F extends FamilyName, S>(getOrCreate: ResourceCode<F, S>, slip: S): Overrides<F> {
  return { exec: (x) => getOrCreate(x, "henv", slip), acquire: (x, r) => getOrCreate(x, r, slip) } as Overrides<F>;
}

/** The change for a slip in the code that gives a resource back: m_free's (henv) and every release. */
export function inDrop<F extends FamilyName, S>(drop: ResourceCode<F, S>, slip: S): Overrides<F> {
  return { free: (x) => drop(x, "henv", slip), release: (x, r) => drop(x, r, slip) } as Overrides<F>;
}

/** A mistake the API makes impossible, with the reason. */
export function impossible(family: FamilyName, kind: MistakeKindId, reason: string): ImpossibleMistake {
  return { id: `${family}.${kind}`, family, kind, possible: false, reason };
}
