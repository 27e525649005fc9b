/**
 * `interlock/impl` — write a Subject: the memory protocol your implementation yields its shared
 * accesses through, the Subject contract, the PyMutex and runtime kit interlock's own families are
 * built from, and the model's vocabulary (calls, results, carry). impl/README.md is the guide;
 * `interlock verify --impl your-module.ts` checks the result.
 *
 * One export per statement, each with its own TSDoc block, so the emitted declarations
 * (api/impl.d.ts, pinned by test/api.test.ts) document every name.
 */
/**
 * What an implementation gives the explorer: its name, memory size and initial memory, and for
 * each call a generator that yields every shared access; a Program is one interpreter's calls; a
 * Discipline is a sharing rule the explorer checks at every access.
 * @public
 */
export type { Subject, Program, Discipline } from "./subject.js";
/**
 * interlock's own implementation of each family, as Subject factories: to wrap, or to start from.
 * @public
 */
export { implementations } from "./index.js";
/**
 * A shared access (the descriptor a Subject yields) and the generator type of implementation code.
 * @public
 */
export type { Access, Code } from "./memory.js";
/**
 * Reads a word.
 * @public
 */
export { load } from "./memory.js";
/**
 * Writes a word.
 * @public
 */
export { store } from "./memory.js";
/**
 * Compare-and-swap; yields the value found.
 * @public
 */
export { cas } from "./memory.js";
/**
 * Atomic add; yields the value before.
 * @public
 */
export { add } from "./memory.js";
/**
 * Atomic subtract; yields the value before.
 * @public
 */
export { sub } from "./memory.js";
/**
 * Atomic exchange; yields the value before.
 * @public
 */
export { exchange } from "./memory.js";
/**
 * Futex wait: blocks while the word equals the expected value (until notified).
 * @public
 */
export { wait } from "./memory.js";
/**
 * Futex wake of up to `count` waiters on a word.
 * @public
 */
export { notify } from "./memory.js";
/**
 * A load that tells the code only whether the word equals a value (fewer explored states).
 * @public
 */
export { testEquals } from "./memory.js";
/**
 * A load that tells the code only the word's bits under a mask.
 * @public
 */
export { testBits } from "./memory.js";
/**
 * An atomic add whose result the code does not use.
 * @public
 */
export { increment } from "./memory.js";
/**
 * An atomic subtract whose result the code does not use.
 * @public
 */
export { decrement } from "./memory.js";
/**
 * An atomic OR whose result the code does not use.
 * @public
 */
export { setBits } from "./memory.js";
/**
 * An atomic AND-NOT whose result the code does not use.
 * @public
 */
export { clearBits } from "./memory.js";
/**
 * Marks entry into a wait loop, so the explorer does not count its iterations as new states.
 * @public
 */
export { loopEnter } from "./memory.js";
/**
 * Marks the head of a wait loop with the value it waits on (see `loopEnter`).
 * @public
 */
export { loopHead } from "./memory.js";
/**
 * The real backend: performs accesses with `Atomics` on a SharedArrayBuffer.
 * @public
 */
export { AtomicsMemory } from "./memory.js";
/**
 * A futex mutex in the shape of CPython's PyMutex: lock and unlock over a lock word and an owner word.
 * @public
 */
export { PyMutex_Lock } from "./pymutex.js";
/**
 * Unlocks a PyMutex (see `PyMutex_Lock`).
 * @public
 */
export { PyMutex_Unlock } from "./pymutex.js";
/**
 * CPython's shipped PyMutex as it really behaves (Python/lock.c): one lock word and no owner, so
 * any thread may unlock it, a holder's re-lock self-deadlocks, unlocking it unlocked is a fatal
 * error, and nothing releases it when its holder ends. The static_mutex baseline uses it.
 * @public
 */
export { ShippedPyMutex_Lock } from "./pymutex.js";
/**
 * Unlocks a shipped PyMutex (see `ShippedPyMutex_Lock`).
 * @public
 */
export { ShippedPyMutex_Unlock } from "./pymutex.js";
/**
 * The base class of interlock's families: the runtime gate, interpreter and runtime
 * finalisation; a family writes only its own calls.
 * @public
 */
export { Runtime } from "./runtime.js";
/**
 * Wraps a Runtime object as a Subject.
 * @public
 */
export { subjectOf } from "./runtime.js";
/**
 * Each family's model: state, calls (Schema), step function; what an implementation must agree with.
 * @public
 */
export { globalLockModel, runtimeStoreModel, moduleSlotsModel, refcountedLockModel, staticMutexModel } from "../model/index.js";
/**
 * Each family's calls, any family's call, a call's result, a def and a name, a runtime size.
 * @public
 */
export type { GlobalLockCall, RuntimeStoreCall, ModuleSlotsCall, RefcountedLockCall, StaticMutexCall, AnyCall, Result, Def, Name, ModelConfig, FamilyName, } from "../model/index.js";
/**
 * Results: `ok(value)` and `err(code)`.
 * @public
 */
export { ok, err } from "../model/index.js";
/**
 * The defs and names of the vocabulary.
 * @public
 */
export { defs, names } from "../model/index.js";
/**
 * Interpreter bitmasks: `bit(i)` and the mask of all interpreters alive.
 * @public
 */
export { bit, allAlive } from "../model/index.js";
/**
 * The carry: how a call's index argument refers to a value this interpreter received earlier.
 * @public
 */
export { resolveCall, updateCarry, emptyCarry } from "../model/index.js";
