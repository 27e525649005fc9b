/** Random walk: each step picks uniformly among enabled threads; one seeded PRNG for the whole run. */
import { below, mulberry32 } from "../prng.js";
import type { Session } from "../session.js";
import type { Found } from "./common.js";

export function randomWalk<Call, Result>(session: Session<Call, Result>, runs: number, seed: number): Found<Call, Result> {
  const random = mulberry32(seed);
  const choose = (enabled: readonly number[]): number => enabled[below(random, enabled.length)] as number;
  for (let r = 0; r < runs; r++) {
    const v = session.runOne(choose);
    if (v !== null) return v;
  }
  return null;
}
