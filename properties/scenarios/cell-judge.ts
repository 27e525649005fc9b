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
 *   - the runtime's ghost counters (judge/property-classifier.ts `ghostHazard`): P9 a lock abandoned by an ending
 *     holder, P4 a stored value owned by an interpreter that died, P7 a store value dropped unseen;
 *   - P7: once the runtime is finalised, a live library handle, a registry entry the runtime had
 *     to reclaim, or an extension refcount that is not back to 0.
 * A library hazard (P1/P2 above) is only the first symptom; `rootCause` names the property the
 * evidence shows was broken first, when it shows one:
 *   - P7: the runtime was re-initialised, no call since gave the resource back, yet the
 *     extension's static handle names a handle that is not live — it dates from before
 *     Py_FinalizeEx, so state crossed the finalise/re-initialise;
 *   - P5: the scenario's first allocation was refused, and the extension's own count for the
 *     resource exceeds the interpreters that hold it — the failed import left its count behind;
 *   - P3: the extension's own count for the resource is below the interpreters that hold it — a
 *     release gave back more than its acquire took, or an increment was lost to a race (only where the extension keeps that count:
 *     not `henv` in the lifecycle families, whose runtime counts the module, nor the runtime
 *     store's resources, whose ensures are the count, nor a count word the client's code never
 *     touches: a client without a count has none to get wrong).
 * check (every finished execution, and every execution where nobody can move):
 *   - P6: nobody can move (no scenario blocks by design) or the step bound was hit;
 *   - P5: an import failed even after its retry (a failed init was not retried cleanly);
 *   (a handle still live after every user left is not judged by itself: state that is never torn
 *   down is safe, and a leak only once the runtime finalises — the P7 monitor above);
 *   - P3: nothing held at the end, but a registry entry is still live (an ensure never released).
 */
import type { Execution, Hooks, StateView, Violation } from "../explorer/index.js";
import type { Runtime } from "../../impl/runtime.js";
import { profiles, type AnyCall, type FamilyName } from "../../model/index.js";
import { SlotState } from "../../impl/layout.js";
import { badReasons, badText, resIndex, resources, type ClientWords, type ExtCall, type ExtResult, type Res } from "./library.js";
import { heldBefore, isReleasing, type Scenario } from "./scenarios.js";
import { ghostHazard } from "../judge/property-classifier.js";

/** What the judge must know about the client: it refuses imports in subinterpreters (Py_mod_multiple_interpreters), so they hold nothing. */
export interface JudgeOptions {
  readonly refusesSubinterpreters?: boolean;
  /** The count words the client's code keeps (library.ts `countWordsKept`); undefined: every count word is taken as kept. */
  readonly keptCounts?: ReadonlySet<number>;
}

/** Resource r's word in `words` (one word per resource: w.cur, w.count, w.handle) at this state. */
const wordOf = (mem: Int32Array, words: readonly number[], r: Res): number => mem[words[resIndex(r)] as number] ?? 0;

export function scenarioHooks(scenario: Scenario, family: FamilyName, impl: Runtime<AnyCall>, w: ClientWords, options: JudgeOptions = {}): Hooks<ExtCall, ExtResult> {
  const held = scenario.programs.map((p, t) => (options.refusesSubinterpreters === true && t > 0 ? p.map(() => new Set<Res>()).concat([new Set()]) : heldBefore(p)));
  const rt = impl.rt;

  /** What interpreter t holds at its current position (a releasing call in progress no longer counts). */
  const heldAt = (t: number, callIndex: number, accessIndex: number): ReadonlySet<Res> => {
    const table = held[t] as ReadonlySet<Res>[];
    const before = table[callIndex] ?? new Set<Res>();
    const call = scenario.programs[t]?.[callIndex];
    return call !== undefined && isReleasing(call) && accessIndex > 0 ? new Set() : before;
  };

  const rootCause = rootCauseJudge(scenario, family, w, heldAt, options.keptCounts);
  /** A registry family's slot-state words, by the names the implementation gives them (`slot<i>.state`). */
  const slotStates =
    profiles[family].globalState === "registry"
      ? Object.entries(impl.wordNames()).flatMap(([name, addr]) => {
          const m = /^slot(\d+)\.state$/.exec(name);
          return m ? [{ slot: Number(m[1]), addr }] : [];
        })
      : [];

  const monitor = (s: StateView<ExtCall>): Violation | undefined => {
    const mem = s.mem;
    const bad = mem[w.bad] ?? 0;
    if (bad !== 0) {
      const symptom = { property: `P${bad >> 4}`, message: badText[bad] ?? `library misuse ${bad}` };
      return bad === badReasons.twoInside || bad === badReasons.destroyedLock ? symptom : (rootCause(s, symptom) ?? symptom);
    }
    const hazard = ghostHazard({ "ghost.abandoned": mem[rt.abandoned] ?? 0, "ghost.dangling": mem[rt.dangling] ?? 0, "ghost.dropped": mem[rt.dropped] ?? 0 });
    if (hazard) return { property: hazard.property, message: hazard.why };
    for (const r of resources) {
      if (wordOf(mem, w.count, r) < 0) return { property: "P3", message: `the extension's count for ${r} went below 0: an instance released a reference it never acquired` };
    }
    for (const [t, v] of s.threads.entries()) {
      for (const r of heldAt(t, v.callIndex, v.accessIndex)) {
        if (wordOf(mem, w.cur, r) === 0) {
          const symptom = { property: "P2", message: `interp ${v.interp} still uses ${r}, but it is not live: it was torn down while in use` };
          return rootCause(s, symptom) ?? symptom;
        }
      }
    }
    if ((mem[rt.finalized] ?? 0) === 1) {
      if ((mem[rt.leaks] ?? 0) > 0) return { property: "P7", message: "the runtime had to reclaim registry entries the extension never released" };
      for (const r of resources) {
        if (wordOf(mem, w.cur, r) !== 0) return { property: "P7", message: `${r} is still allocated after runtime finalisation: a leak` };
        if (wordOf(mem, w.count, r) !== 0) {
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
    for (const { slot, addr } of slotStates) {
      if ((mem[addr] ?? 0) === SlotState.live) {
        return { property: "P3", message: `registry slot ${slot} is still live after every user left: an ensure was never released` };
      }
    }
    return undefined;
  };
  return { monitor, check };
}

/** What interpreter t holds at a position: its call index, and how far into that call it is. */
type HeldAt = (t: number, callIndex: number, accessIndex: number) => ReadonlySet<Res>;

/**
 * The root-cause rules of the file comment, over a state and the symptom a hazard showed: the
 * property the evidence names, or undefined when it names none beyond the symptom.
 */
function rootCauseJudge(scenario: Scenario, family: FamilyName, w: ClientWords, heldAt: HeldAt, keptCounts: ReadonlySet<number> | undefined): (s: StateView<ExtCall>, symptom: Violation) => Violation | undefined {
  const hasFailingInit = scenario.failFirstInit === true;
  /** How many interpreters hold r at this state (by their positions). */
  const holders = (s: StateView<ExtCall>, r: Res): number => s.threads.filter((v, t) => heldAt(t, v.callIndex, v.accessIndex).has(r)).length;
  /** Whether the extension keeps its own count of r in its statics (see the file comment), and its code touches it. */
  const storeCounts = profiles[family].runtimeCounts === "every-resource";
  const runtimeCountsModule = profiles[family].runtimeCounts === "module-instances";
  const ownCount = (r: Res): boolean => !storeCounts && !(r === "henv" && runtimeCountsModule) && (keptCounts?.has(w.count[resIndex(r)] as number) ?? true);

  /**
   * Whether the runtime was re-initialised at this state and no call since gave r back: some
   * interpreter has finished an `initialize`, and none of its calls after it released r.
   */
  const reinitialisedUnreleased = (s: StateView<ExtCall>, r: Res): boolean =>
    s.threads.some((v, t) => {
      const program = scenario.programs[t] ?? [];
      const at = program.findIndex((c) => c._tag === "initialize");
      if (at < 0 || v.callIndex <= at) return false;
      const since = program.slice(at + 1, v.callIndex + (v.accessIndex > 0 ? 1 : 0));
      return !since.some((c) => (c._tag === "release" && c.res === r) || (r === "henv" && c._tag === "unload") || c._tag === "end" || c._tag === "finalize");
    });

  /** The property a library hazard's evidence shows was broken first, with the symptom kept in the message. */
  return (s: StateView<ExtCall>, symptom: Violation): Violation | undefined => {
    const mem = s.mem;
    const first = `(first symptom, ${symptom.property}: ${symptom.message})`;
    for (const r of resources) {
      const h = wordOf(mem, w.handle, r);
      if (h !== 0 && h !== wordOf(mem, w.cur, r) && reinitialisedUnreleased(s, r)) {
        return { property: "P7", message: `${r} used after runtime re-initialisation: the extension's static handle ${h} dates from before Py_FinalizeEx, so its state was not back to "not set" ${first}` };
      }
    }
    for (const r of resources) {
      if (!ownCount(r)) continue;
      const count = wordOf(mem, w.count, r);
      const holding = holders(s, r);
      if (hasFailingInit && (mem[w.failsLeft] ?? 0) <= 0 && count > holding) {
        return { property: "P5", message: `${r} counted ${count} times with ${holding} interpreter(s) holding it after a refused set-up: the failed import left its count behind ${first}` };
      }
      if (count < holding) {
        return { property: "P3", message: `the extension's count for ${r} is ${count} while ${holding} interpreter(s) hold it: unbalanced — a release gave back more than its acquire took, or an increment was lost to a race ${first}` };
      }
    }
    return undefined;
  };
}
