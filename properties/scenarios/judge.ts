/**
 * The judge of a scenario cell: explorer hooks over the client's statics, the library's words and
 * the runtime header, and over each interpreter's position in its program.
 *
 * monitor (every reachable state, so the stateful search judges all of them):
 *   - BAD (library.ts) — P1 double init or use of an unset handle, P2 use or free of a freed
 *     handle, P9 two interpreters inside the thread-unsafe library;
 *   - P3: an extension refcount below 0 (an instance released what it never acquired);
 *   - P2: an interpreter that still holds a resource (it finished the call that acquired it and
 *     has not started the call that gives it back) finds it not live;
 *   - the runtime's ghost counters (properties.ts `ghostHazard`): P9 a lock abandoned by an ending
 *     holder, P4 a stored value owned by an interpreter that died, P7 a store value dropped unseen;
 *   - P7: once the runtime is finalised, a live library handle, a registry entry the runtime had
 *     to reclaim, or an extension refcount that is not back to 0.
 * check (every finished execution, and every execution where nobody can move):
 *   - P6: nobody can move (no scenario blocks by design) or the step bound was hit;
 *   - P5: an import failed even after its retry (a failed init was not retried cleanly);
 *   (a handle still live after every user left is not judged by itself: state that is never torn
 *   down is safe, and a leak only once the runtime finalises — the P7 monitor above);
 *   - P3: nothing held at the end, but a registry entry is still live (an ensure never released).
 */
import type { Execution, Hooks, StateView, Violation } from "../explorer/index.js";
import { Registry } from "../../impl/registry.js";
import type { Runtime } from "../../impl/runtime.js";
import type { AnyCall } from "../../model/index.js";
import { SlotState } from "../../impl/layout.js";
import { badText, resources, type ClientWords, type ExtCall, type ExtResult, type Res } from "./library.js";
import { heldBefore, isReleasing, type Scenario } from "./scenarios.js";
import { ghostHazard } from "../properties.js";

/** What the judge must know about the client: it refuses imports in subinterpreters (Py_mod_multiple_interpreters), so they hold nothing. */
export interface JudgeOptions {
  readonly refusesSubinterpreters?: boolean;
}

export function scenarioHooks(scenario: Scenario, impl: Runtime<AnyCall>, w: ClientWords, options: JudgeOptions = {}): Hooks<ExtCall, ExtResult> {
  const held = scenario.programs.map((p, t) => (options.refusesSubinterpreters === true && t > 0 ? p.map(() => new Set<Res>()).concat([new Set()]) : heldBefore(p)));
  const rt = impl.rt;
  const curOf = (mem: Int32Array, r: Res): number => mem[w.cur[resources.indexOf(r)] as number] ?? 0;

  /** What interpreter t holds at its current position (a releasing call in progress no longer counts). */
  const heldAt = (t: number, callIndex: number, accessIndex: number): ReadonlySet<Res> => {
    const table = held[t] as ReadonlySet<Res>[];
    const before = table[callIndex] ?? new Set<Res>();
    const call = scenario.programs[t]?.[callIndex];
    return call !== undefined && isReleasing(call) && accessIndex > 0 ? new Set() : before;
  };

  const monitor = (s: StateView<ExtCall>): Violation | undefined => {
    const mem = s.mem;
    const bad = mem[w.bad] ?? 0;
    if (bad !== 0) return { property: `P${bad >> 4}`, message: badText[bad] ?? `library misuse ${bad}` };
    const hazard = ghostHazard({ "ghost.abandoned": mem[rt.abandoned] ?? 0, "ghost.dangling": mem[rt.dangling] ?? 0, "ghost.dropped": mem[rt.dropped] ?? 0 });
    if (hazard) return { property: hazard.property, message: hazard.why };
    for (const r of resources) {
      if ((mem[w.count[resources.indexOf(r)] as number] ?? 0) < 0) return { property: "P3", message: `the extension's count for ${r} went below 0: an instance released a reference it never acquired` };
    }
    for (const [t, v] of s.threads.entries()) {
      for (const r of heldAt(t, v.callIndex, v.accessIndex)) {
        if (curOf(mem, r) === 0) return { property: "P2", message: `interp ${v.interp} still uses ${r}, but it is not live: it was torn down while in use` };
      }
    }
    if ((mem[rt.finalized] ?? 0) === 1) {
      if ((mem[rt.leaks] ?? 0) > 0) return { property: "P7", message: "the runtime had to reclaim registry entries the extension never released" };
      for (const r of resources) {
        if (curOf(mem, r) !== 0) return { property: "P7", message: `${r} is still allocated after runtime finalisation: a leak` };
        if ((mem[w.count[resources.indexOf(r)] as number] ?? 0) !== 0) {
          return { property: "P7", message: `the extension's count for ${r} is not 0 after finalisation, so re-initialisation starts "set"` };
        }
      }
    }
    return undefined;
  };

  const check = (e: Execution<ExtCall, ExtResult>): Violation | undefined => {
    if (e.outcome === "deadlock") return { property: "P6", message: "no interpreter can move: a deadlock" };
    if (e.outcome === "livelock") return { property: "P6", message: "an execution exceeded the step bound: a livelock" };
    for (const h of e.history) {
      if (h.call._tag === "import" && h.response?.result._tag === "Err" && !(options.refusesSubinterpreters === true && h.interp !== 1)) {
        return { property: "P5", message: `interp ${h.interp}'s import (call ${h.callIndex}) failed with ${h.response.result.error} even on retry: a failed init was not retried cleanly` };
      }
    }
    const mem = e.memory;
    const nobodyHolds = held.every((t) => (t[t.length - 1] as ReadonlySet<Res>).size === 0);
    if (!nobodyHolds) return undefined;
    if (impl instanceof Registry) {
      for (let slot = 0; slot < impl.layout.capacity; slot++) {
        if ((mem[impl.layout.slot(slot).state] ?? 0) === SlotState.live) {
          return { property: "P3", message: `registry slot ${slot} is still live after every user left: an ensure was never released` };
        }
      }
    }
    return undefined;
  };
  return { monitor, check };
}
