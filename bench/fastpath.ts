import { AtomicsMemory } from "../impl/memory.js";
import { implementations } from "../impl/index.js";
import { defaultConfig, familyNames, profiles, resolveCall, updateCarry, type AnyCall, type FamilyName, type Result } from "../model/index.js";

/**
 * Fast paths on the real backend (Atomics on a SharedArrayBuffer, one thread, uncontended): ns per
 * call for the calls an extension makes most — Get of an ensured named lock, get of a store key,
 * acquire+release of a lock, use of global state — after a setup call.
 */
export interface FastPathRow {
  readonly family: FamilyName;
  readonly calls: string;
  readonly nsPerCall: number;
}

/** Each family's fast paths, from its profile (model/profiles.ts). */
const cases = (): { family: FamilyName; setup: readonly AnyCall[]; loop: readonly AnyCall[] }[] =>
  familyNames.flatMap((family) => (profiles[family].fastPaths ?? []).map((p) => ({ family, setup: p.setup, loop: p.loop })));

export function benchFastPaths(seconds = 0.5): FastPathRow[] {
  return cases().map(({ family, setup, loop }) => {
    const subject = implementations[family](defaultConfig);
    const mem = AtomicsMemory.allocate(subject.words);
    subject.init?.(mem.words);
    let carry: readonly number[] = [];
    for (const call of setup) {
      const r: Result = mem.run(subject.start(1, call, carry));
      carry = updateCarry(resolveCall(call, carry), r, carry);
    }
    const resolved = loop.map((c) => resolveCall(c, carry));
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < seconds * 1000) {
      for (let i = 0; i < 1000; i++) for (const c of resolved) mem.run(subject.start(1, c, carry));
      n += 1000 * resolved.length;
    }
    const ns = ((performance.now() - t0) * 1e6) / n;
    return { family, calls: loop.map((c) => c._tag).join(" + "), nsPerCall: ns };
  });
}
