import fc from "fast-check";
import { models, resolveCall, updateCarry, emptyCarry, type FamilyName } from "../model/index.js";
import { invocationsArbitrary } from "../properties/workload/program-arbitraries.js";

/**
 * Model speed: single-call steps per second for each family, over a fixed pseudo-random workload
 * (three interpreters, references resolved as a client would), and the cost of `key`.
 */
export interface ModelBenchRow {
  readonly family: FamilyName;
  readonly stepsPerSecond: number;
  readonly keysPerSecond: number;
}

export function benchModel(seconds = 0.5, seed = 42): ModelBenchRow[] {
  const rows: ModelBenchRow[] = [];
  for (const family of Object.keys(models) as FamilyName[]) {
    const model = models[family];
    const invs = fc.sample(invocationsArbitrary(family, 3, 200, { runtime: false }), { numRuns: 50, seed }).flat();
    // Resolve references once, along a sequential run, so the timed loop measures `step` alone.
    let s = model.init();
    const carries = [emptyCarry, emptyCarry, emptyCarry, emptyCarry];
    const resolved = invs.map(({ interp, call }) => {
      const c = resolveCall(call, carries[interp]!);
      const r = model.step(s, interp, c);
      if (r) {
        carries[interp] = updateCarry(c, r.result, carries[interp]!);
        s = r.state;
      }
      return { interp, call: c };
    });
    const init = model.init();
    let steps = 0;
    let state = init;
    const deadline = performance.now() + seconds * 1000;
    const t0 = performance.now();
    while (performance.now() < deadline) {
      for (let i = 0; i < resolved.length; i++) {
        const inv = resolved[i]!;
        const r = model.step(state, inv.interp, inv.call);
        if (r) state = r.state;
      }
      steps += resolved.length;
      state = init;
    }
    const stepsPerSecond = steps / ((performance.now() - t0) / 1000);
    let keys = 0;
    const k0 = performance.now();
    while (performance.now() - k0 < seconds * 500) {
      for (let i = 0; i < 1000; i++) model.key(state);
      keys += 1000;
    }
    rows.push({ family, stepsPerSecond, keysPerSecond: keys / ((performance.now() - k0) / 1000) });
  }
  return rows;
}
