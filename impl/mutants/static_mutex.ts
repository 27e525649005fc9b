/**
 * Mutants of the shipped baseline (impl/static_mutex.ts: what an extension writes today with a
 * static PyMutex and its own refcount). One is a PyMutex variant (the unlock), one a step of the
 * extension's mod_exec.
 */
import { err, ok, type Def, type ErrorCode, type ModelConfig, type Result, type StaticMutexCall } from "../../model/index.js";
import type { LifecycleOp } from "../../model/lifecycle.js";
import type { MutexAt } from "../layout.js";
import { increment, load, store, type Code } from "../memory.js";
import { static_mutex, StaticMutex } from "../static_mutex.js";
import { mutantName, widen, type Mutant } from "./mutant.js";

type ImportOp = Extract<LifecycleOp, { op: "import" }>;

const modExec = (initFails = false, def: Def = "odbc"): StaticMutexCall => ({ _tag: "mod_exec", def, initFails });

/** The static mutex's PyMutex_Unlock hands the lock back without waking a waiter: a lost wake-up. */
export class LostWakeup extends StaticMutex {
  override *unlockClientMutex(m: MutexAt, _interp: number): Code<ErrorCode | undefined> {
    const c = yield load(m.lock);
    if (c === 0) return "FatalError";
    // The mutation: when the word was 2 (waiters), it is reset to 0 but nobody is notified.
    yield store(m.lock, 0);
    return undefined;
  }
}

/** A failed global init that leaves the extension's refcount incremented. */
export class InitFailureKeepsCount extends StaticMutex {
  override *execDef(interp: number, o: ImportOp): Code<Result> {
    const d = this.block(o.def);
    let ranInit = false;
    if ((yield load(d.count)) === 0) {
      const failed = yield* this.globalInit(interp, o);
      if (failed !== undefined) {
        // The mutation: the count taken for this import is not given back on failure.
        yield increment(d.count, 1);
        return err(failed);
      }
      ranInit = true;
    }
    yield* this.countUp(o.def, interp);
    return ok(ranInit ? 1 : 0);
  }
}

const subject = (id: string, make: (config: ModelConfig) => StaticMutex) => (config: ModelConfig) =>
  widen(static_mutex(config, make(config), mutantName("static_mutex", id)));

export const staticMutexMutants: readonly Mutant[] = [
  {
    id: "lost-wakeup",
    family: "static_mutex",
    hazard:
      "A lost wake-up: unlock without notify when there are waiters, so an interpreter waiting for the extension's mutex (here: to import) sleeps forever (deadlock).",
    property: "P9",
    description: "PyMutex_Unlock of the static mutex resets a contended lock word to 0 without notifying a waiter.",
    subject: subject("lost-wakeup", (c) => new LostWakeup(c)),
    programs: [
      [modExec(), { _tag: "PyMutex_Lock", def: "odbc" }, { _tag: "PyMutex_Unlock", def: "odbc" }],
      // interp 2's import waits for the static mutex interp 1 holds (mod_exec takes it first)
      [modExec()],
    ],
    expected: { via: "deadlock", properties: ["P6"] },
  },
  {
    id: "init-failure-keeps-count",
    family: "static_mutex",
    hazard:
      "An init failure that leaves the refcount incremented: the next import sees the state as set up and skips init (a failed init must roll back every global side effect).",
    property: "P5",
    description: "mod_exec's failed global init returns the error without giving back the refcount it took.",
    subject: subject("init-failure-keeps-count", (c) => new InitFailureKeepsCount(c)),
    programs: [[modExec(true), modExec(true)]],
    expected: { via: "model", properties: ["P5"] },
  },
];
