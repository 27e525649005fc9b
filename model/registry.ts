import { decodeIndex, describeUser, encodeIndex, err, ok, type Def, type ErrorCode, type Ghost, type ModelConfig, type Name, type RuntimeState, type StepResult } from "./common.js";

/**
 * The runtime's registry of named entries, shared by the named-lock family and the runtime-store
 * family: a fixed number of slots, each either free or holding one (def, name) entry, and a
 * generation per slot that grows every time the slot is freed. An index is (slot, generation), so
 * an index from before a free never resolves to the entry that later reuses the slot (P8).
 *
 * An entry is *ensured* per module instance (decision D4): `refs` is the set of users — (interpreter,
 * instance) pairs, `userBit` — that hold an ensure, as a bitmask; the entry is freed when the set
 * becomes empty.
 */
export interface Entry<P> {
  readonly def: Def;
  readonly name: Name;
  readonly refs: number;
  readonly payload: P;
}

export interface Registry<P> {
  readonly slots: readonly (Entry<P> | null)[];
  readonly generations: readonly number[];
}

export function emptyRegistry<P>(capacity: number): Registry<P> {
  return { slots: new Array<Entry<P> | null>(capacity).fill(null), generations: new Array<number>(capacity).fill(0) };
}

/** The index of the live entry for (def, name), or -1. */
export function findSlot<P>(reg: Registry<P>, def: Def, name: Name): number {
  const slots = reg.slots;
  for (let i = 0; i < slots.length; i++) {
    const e = slots[i];
    if (e && e.def === def && e.name === name) return i;
  }
  return -1;
}

export function indexOf<P>(reg: Registry<P>, slot: number): number {
  return encodeIndex(slot, reg.generations[slot] ?? 0);
}

export function replaceSlot<P>(reg: Registry<P>, slot: number, entry: Entry<P> | null): Registry<P> {
  const slots = reg.slots.slice();
  slots[slot] = entry;
  if (entry !== null) return { slots, generations: reg.generations };
  const generations = reg.generations.slice();
  generations[slot] = (generations[slot] ?? 0) + 1;
  return { slots, generations };
}

export type EnsureOutcome<P> =
  | { readonly kind: "error"; readonly error: ErrorCode }
  | { readonly kind: "unchanged"; readonly index: number }
  | { readonly kind: "changed"; readonly index: number; readonly registry: Registry<P>; readonly allocated: boolean };

/**
 * Ensure (def, name) for `user` (a user bit): find the live entry or allocate the lowest free slot
 * (decision D5: lowest free slot, so indices are deterministic), and add `user` to its refs. A
 * second ensure from the same module instance returns the same index and changes nothing.
 */
export function ensure<P>(reg: Registry<P>, def: Def, name: Name, user: number, fresh: P): EnsureOutcome<P> {
  const found = findSlot(reg, def, name);
  if (found >= 0) {
    const e = reg.slots[found]!;
    const index = indexOf(reg, found);
    if (e.refs & user) return { kind: "unchanged", index };
    return { kind: "changed", index, allocated: false, registry: replaceSlot(reg, found, { ...e, refs: e.refs | user }) };
  }
  const free = reg.slots.indexOf(null);
  if (free < 0) return { kind: "error", error: "CapacityExhausted" };
  const registry = replaceSlot(reg, free, { def, name, refs: user, payload: fresh });
  return { kind: "changed", index: indexOf(reg, free), allocated: true, registry };
}

export type Resolved<P> =
  | { readonly kind: "error"; readonly error: ErrorCode }
  | { readonly kind: "ok"; readonly slot: number; readonly entry: Entry<P> };

/**
 * Resolve an index the way `PyThread_GetGlobalLock` verifies it: the slot must be live in the
 * index's generation (else StaleIndex), hold the expected (def, name) when given (else
 * NameMismatch), and have been ensured by `user`, a user bit (else NotEnsured).
 */
export function resolve<P>(reg: Registry<P>, index: number, user: number, def?: Def, name?: Name): Resolved<P> {
  const at = decodeIndex(index);
  if (!at || at.slot >= reg.slots.length) return { kind: "error", error: "StaleIndex" };
  const e = reg.slots[at.slot];
  if (!e || reg.generations[at.slot] !== at.generation) return { kind: "error", error: "StaleIndex" };
  if ((def !== undefined && e.def !== def) || (name !== undefined && e.name !== name)) {
    return { kind: "error", error: "NameMismatch" };
  }
  if (!(e.refs & user)) return { kind: "error", error: "NotEnsured" };
  return { kind: "ok", slot: at.slot, entry: e };
}

/** Drop the ensures of `users` (user bits) of the entry in `slot`; frees the slot (new generation) on the last one. */
export function dropRef<P>(reg: Registry<P>, slot: number, users: number): { registry: Registry<P>; freed: boolean } {
  const e = reg.slots[slot]!;
  const refs = e.refs & ~users;
  if (refs === 0) return { registry: replaceSlot(reg, slot, null), freed: true };
  return { registry: replaceSlot(reg, slot, { ...e, refs }), freed: false };
}

/** Number of live entries (after runtime finalisation, each one is a leak). */
export function liveEntries<P>(reg: Registry<P>): number {
  let n = 0;
  for (const e of reg.slots) if (e) n++;
  return n;
}

/** A canonical string of the registry, given a canonical string of each payload. */
export function registryKey<P>(reg: Registry<P>, payloadKey: (p: P) => string): string {
  let s = "";
  for (let i = 0; i < reg.slots.length; i++) {
    const e = reg.slots[i];
    s += e ? `${e.def}/${e.name}/${e.refs}/${payloadKey(e.payload)}@${reg.generations[i]};` : `-@${reg.generations[i]};`;
  }
  return s;
}

/** Readable registry contents for reports. */
export function describeRegistry<P>(reg: Registry<P>, payload: (p: P) => string): string {
  const parts: string[] = [];
  reg.slots.forEach((e, i) => {
    if (e) {
      const holders: string[] = [];
      for (let b = 0; b < 31; b++) if (e.refs & (1 << b)) holders.push(describeUser(1 << b));
      parts.push(`[${encodeIndex(i, reg.generations[i] ?? 0)}] ${e.def}.${e.name} ensured by {${holders.join(",")}}${payload(e.payload)}`);
    }
  });
  return parts.length ? parts.join("; ") : "registry empty";
}

/** A registry family's state: the runtime, the registry, the ghost. */
export interface RegistryState<P> {
  readonly rt: RuntimeState;
  readonly reg: Registry<P>;
  readonly ghost: Ghost;
  readonly config: ModelConfig;
}

/** An ensure call (PyThread_EnsureGlobalLock, PyRuntime_store_ensure) as a step: the index, or an error. */
export function stepEnsure<P, S extends RegistryState<P>>(s: S, def: Def, name: Name, user: number, fresh: P): StepResult<S> {
  const out = ensure(s.reg, def, name, user, fresh);
  if (out.kind === "error") return { state: s, result: err(out.error) };
  if (out.kind === "unchanged") return { state: s, result: ok(out.index) };
  return { state: { ...s, reg: out.registry }, result: ok(out.index) };
}

/** Runtime finalisation of a registry: every entry still live is a leak, and is freed. */
export function finalizeRegistry<P, S extends RegistryState<P>>(s: S): { state: S; leaks: number } {
  const leaks = liveEntries(s.reg);
  let reg = s.reg;
  for (let slot = 0; slot < reg.slots.length; slot++) if (reg.slots[slot]) reg = replaceSlot(reg, slot, null);
  return { state: { ...s, reg }, leaks };
}
