/**
 * Seeded generation of histories that are linearizable by construction, for the checker's
 * property tests and benchmark. A run of the model is simulated event by event: an idle
 * interpreter invokes a call, an invoked call takes effect (the model steps, if the call is enabled
 * there), or a call that took effect returns. Every operation's interval therefore contains its
 * linearization point. Some interpreters crash mid-call: their operation stays pending, having
 * taken effect or not. Timestamps advance by 0 or 1 per event, so touching intervals (equal
 * timestamps, concurrent under closed intervals) occur too.
 */
import type { Model, Operation } from "./types.js";

/** A deterministic pseudo-random source: mulberry32, floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What `randomHistory` builds. */
export interface HistoryShape<Call> {
  /** Interpreters, numbered 1..threads. */
  threads: number;
  /** Operations invoked in all. */
  operations: number;
  /** Probability that an invocation crashes (its operation stays pending). Default 0. */
  crashRate?: number;
  /** The next call of `interp`. */
  nextCall(random: () => number, interp: number): Call;
}

/**
 * A linearizable history of `model` with the given shape, the same for the same seed. A crashed
 * interpreter's slot is taken over by a fresh interpreter (numbered `slot + threads * restarts`,
 * as Jepsen replaces a crashed process), so a history keeps `threads` callers busy until
 * `operations` calls have been invoked; the crashed call may still take effect later, or never.
 */
export function randomHistory<S, Call, Result>(
  model: Model<S, Call, Result>,
  shape: HistoryShape<Call>,
  seed: number,
): Operation<Call, Result>[] {
  const random = seededRandom(seed);
  const crashRate = shape.crashRate ?? 0;
  /** A call in flight: invoked, and until it returns, perhaps taken effect with `effect`. */
  interface InFlight {
    op: Operation<Call, Result>;
    tookEffect: boolean;
    effect?: Result;
  }
  const slots: { interp: number; inFlight?: InFlight }[] = Array.from({ length: shape.threads }, (_, k) => ({ interp: k + 1 }));
  const crashed: InFlight[] = []; // crashed calls that will still take effect
  const ops: Operation<Call, Result>[] = [];
  let state = model.init();
  let time = 0;
  type Action = { kind: "invoke" | "effect" | "respond"; slot: number } | { kind: "crashed-effect"; index: number };
  const actions: Action[] = [];
  for (;;) {
    actions.length = 0;
    for (const [k, slot] of slots.entries()) {
      const f = slot.inFlight;
      if (f === undefined) {
        if (ops.length < shape.operations) actions.push({ kind: "invoke", slot: k });
      } else if (!f.tookEffect) {
        if (model.step(state, slot.interp, f.op.call) !== undefined) actions.push({ kind: "effect", slot: k });
      } else {
        actions.push({ kind: "respond", slot: k });
      }
    }
    for (const [index, f] of crashed.entries()) {
      if (!f.tookEffect && model.step(state, f.op.interp, f.op.call) !== undefined) actions.push({ kind: "crashed-effect", index });
    }
    if (actions.length === 0) break;
    const action = actions[Math.floor(random() * actions.length)]!;
    if (random() < 0.5) time++;
    if (action.kind === "crashed-effect") {
      const f = crashed[action.index]!;
      state = model.step(state, f.op.interp, f.op.call)!.state;
      f.tookEffect = true;
      continue;
    }
    const slot = slots[action.slot]!;
    switch (action.kind) {
      case "invoke": {
        const op: Operation<Call, Result> = { id: ops.length, interp: slot.interp, call: shape.nextCall(random, slot.interp), invoke: time };
        ops.push(op);
        if (random() < crashRate) {
          // The caller dies mid-call: the call stays pending, and takes effect later or never.
          if (random() < 0.5) crashed.push({ op, tookEffect: false });
          slot.interp += shape.threads;
        } else {
          slot.inFlight = { op, tookEffect: false };
        }
        break;
      }
      case "effect": {
        const f = slot.inFlight!;
        const outcome = model.step(state, slot.interp, f.op.call)!;
        state = outcome.state;
        f.effect = outcome.result;
        f.tookEffect = true;
        break;
      }
      case "respond": {
        const f = slot.inFlight!;
        f.op.respond = time;
        f.op.result = f.effect as Result;
        delete slot.inFlight;
        break;
      }
    }
  }
  return ops;
}
