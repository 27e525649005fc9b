/**
 * The chooser contract (Shuttle's `Scheduler` trait, reduced to what the stateless strategies
 * need): a chooser picks which enabled thread moves next. `Session.runOne` is the one loop that
 * drives a chooser through an execution; random walk, PCT, replay and the probes all go through it.
 */
import type { Machine } from "./machine.js";

/**
 * Picks the next thread among `enabled` (thread indices in increasing order, never empty). `decision`
 * counts the decision points of the execution so far — steps where more than one thread was
 * enabled — including this one when `enabled.length > 1`.
 */
export type Choose<Call, Result> = (enabled: readonly number[], machine: Machine<Call, Result>, decision: number) => number;

/** The enabled threads of the machine's current state, written into `out` (returned). */
export function enabledThreads<Call, Result>(m: Machine<Call, Result>, out: number[]): number[] {
  out.length = 0;
  for (let t = 0; t < m.n; t++) if (m.isEnabled(t)) out.push(t);
  return out;
}
