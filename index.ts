/**
 * `interlock` — verify an implementation: check a Subject against the model from your own tests
 * (fast-check programs, explored schedules, a verdict with a replayable counterexample), and build
 * the same report the CLI writes. Writing a Subject is `interlock/impl`; judging a recorded
 * history is `interlock/checker`.
 *
 * One export per statement, each with its own TSDoc block, so the emitted declarations
 * (api/index.d.ts, pinned by test/api.test.ts) document every name.
 *
 * Importing it is light (about 8 MB of RSS over a bare `node`; `interlock bench checker --only
 * import`): the models, effect, fast-check and the reports load on the first use of an export that
 * needs them (see "Loading on first use" below; test/package-entry.test.ts).
 */

import { createRequire } from "node:module";
import type * as Agreement from "./properties/judge/agreement.js";
import type * as JudgeModule from "./properties/judge/judge.js";
import type * as CounterexampleModule from "./properties/judge/counterexample.js";
import type * as Workload from "./properties/workload/program-arbitraries.js";
import type * as Programs from "./properties/workload/typical-programs.js";
import type * as ModelModule from "./model/index.js";
import type * as ImplModule from "./impl/index.js";
import type * as PropertiesModule from "./properties/judge/property-classifier.js";
import type * as Stress from "./properties/verify/thread-stress.js";
import type * as ReportBuild from "./reports/build.js";
import type * as ReportIo from "./reports/io.js";
import type * as ScenarioCheck from "./properties/scenarios/check-client.js";

// ── Loading on first use ────────────────────────────────────────────────────────────────────────
// Everything that reaches the models loads effect's Schema, ~45 MB of RSS. So this entry imports
// eagerly only what is light (the explorer, the client contract, the family names) and loads each
// other module the first time one of its exports is used: a function export is a wrapper that
// loads its module and calls the real function; an object or array export is a Proxy that loads
// its module on first access and forwards every operation to the real value. Loading is
// synchronous — `require` of an ES module (Node ≥ 20.19 / ≥ 22.12), which shares Node's module
// cache with `import`, so each module is still evaluated once and its values are the same objects.

const requireHere = createRequire(import.meta.url);

/** A module of this package, loaded (once) when first called for. */
function onFirstUse<M>(path: string): () => M {
  let loaded: M | undefined;
  return () => {
    if (loaded !== undefined) return loaded;
    try {
      loaded = requireHere(path) as M;
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (code !== "ERR_REQUIRE_ESM") throw e;
      throw new Error(`interlock loads ${path} on first use with require() of an ES module, which needs Node.js ≥ 20.19 or ≥ 22.12 (this is ${process.version})`);
    }
    return loaded;
  };
}

/** A function export that loads its module on its first call and then calls the real function. */
function deferredFunction<M, K extends keyof M & string>(module: () => M, name: K): M[K] {
  const wrapper = function (this: unknown, ...args: unknown[]): unknown {
    return (module()[name] as (...a: unknown[]) => unknown).apply(this, args);
  };
  Object.defineProperty(wrapper, "name", { value: name });
  return wrapper as M[K];
}

/**
 * An object or array export that loads its module on first access. The Proxy's target is only its
 * shape (`{}` or `[]`, so that `Array.isArray` holds); every operation goes to the real value, and
 * a property is reported configurable, as the Proxy invariants require of one its target lacks.
 */
function deferredValue<M, K extends keyof M & string>(module: () => M, name: K, shape: object): M[K] {
  const real = (): object => module()[name] as object;
  const handler: ProxyHandler<object> = {
    get: (_, key) => Reflect.get(real(), key),
    set: (_, key, value) => Reflect.set(real(), key, value),
    has: (_, key) => Reflect.has(real(), key),
    deleteProperty: (_, key) => Reflect.deleteProperty(real(), key),
    defineProperty: (_, key, descriptor) => Reflect.defineProperty(real(), key, descriptor),
    ownKeys: () => Reflect.ownKeys(real()),
    getPrototypeOf: () => Reflect.getPrototypeOf(real()),
    getOwnPropertyDescriptor: (target, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(real(), key);
      if (descriptor === undefined || Reflect.getOwnPropertyDescriptor(target, key) !== undefined) return descriptor;
      return { ...descriptor, configurable: true };
    },
  };
  return new Proxy(shape, handler) as M[K];
}

const agreement = onFirstUse<typeof Agreement>("./properties/judge/agreement.js");
const judge = onFirstUse<typeof JudgeModule>("./properties/judge/judge.js");
const counterexample = onFirstUse<typeof CounterexampleModule>("./properties/judge/counterexample.js");
const workload = onFirstUse<typeof Workload>("./properties/workload/program-arbitraries.js");
const programs = onFirstUse<typeof Programs>("./properties/workload/typical-programs.js");
const model = onFirstUse<typeof ModelModule>("./model/index.js");
const impl = onFirstUse<typeof ImplModule>("./impl/index.js");
const properties = onFirstUse<typeof PropertiesModule>("./properties/judge/property-classifier.js");
const stress = onFirstUse<typeof Stress>("./properties/verify/thread-stress.js");
const reportBuild = onFirstUse<typeof ReportBuild>("./reports/build.js");
const reportIo = onFirstUse<typeof ReportIo>("./reports/io.js");
const scenarioCheck = onFirstUse<typeof ScenarioCheck>("./properties/scenarios/check-client.js");

// ── Check an implementation ─────────────────────────────────────────────────────────────────────

/**
 * Explores `programs` (one call list per interpreter) against a Subject under a strategy and judges
 * every execution against the family's model: linearizability (online and whole-history), the
 * ghost counters, deadlock where the model could still move. Returns the explorer's result: a
 * verdict, the violation with its schedule token, and what the run covered.
 * @public
 */
export const checkAgreement: typeof Agreement.checkAgreement = deferredFunction(agreement, "checkAgreement");
/**
 * Options of `checkAgreement`: family, subject (default: interlock's own implementation), config,
 * programs, strategy, limits, progress callback.
 * @public
 */
export type { AgreementOptions } from "./properties/judge/agreement.js";
/**
 * What `checkAgreement` returns: the explorer's result (a union on `verdict`: "ok", "violation",
 * "unknown") plus the deadlocks the model has too (`blockedByDesign`: the programs cannot finish).
 * @public
 */
export type { AgreementResult } from "./properties/judge/agreement.js";
/**
 * The one way to build the judge of a run: the online linearizability judge and the whole-history
 * check as explorer hooks (`judge.hooks`), so that `explore`, `replay` and `shrink` judge a token
 * exactly as `checkAgreement` did, and the structured evidence of a violation (`judge.evidence`).
 * @public
 */
export const agreementJudge: typeof JudgeModule.agreementJudge = deferredFunction(judge, "agreementJudge");
/**
 * A judge built by `agreementJudge`, and the evidence a violation rests on (the property, the call
 * the model could not place with what it returned and what the model would have, the linearizable
 * prefix, the model state before and after, a ghost-counter mismatch).
 * @public
 */
export type { Judge, Evidence } from "./properties/judge/judge.js";
/**
 * Explores programs under a judge built once (see `agreementJudge`): what `checkAgreement` does
 * when you want to keep the judge for replaying, shrinking or explaining afterwards.
 * @public
 */
export const exploreJudged: typeof Agreement.exploreJudged = deferredFunction(agreement, "exploreJudged");
/**
 * A violation replayed once under its judge with every access traced: what `buildReport` needs to
 * write the counterexample's report, and the type of what it returns.
 * @public
 */
export const traceCounterexample: typeof CounterexampleModule.traceCounterexample = deferredFunction(counterexample, "traceCounterexample");
/**
 * A traced counterexample (see `traceCounterexample`).
 * @public
 */
export type { Counterexample } from "./properties/judge/counterexample.js";
/**
 * Turns one call list per interpreter (what `checkAgreement` takes) into the explorer's programs
 * (what `explore`, `replay` and `shrink` take).
 * @public
 */
export const toPrograms: typeof Agreement.toPrograms = deferredFunction(agreement, "toPrograms");

// ── The explorer ────────────────────────────────────────────────────────────────────────────────

/**
 * Runs programs against a Subject under a strategy (exhaustive, bounded, pct, random) with the
 * given hooks; the engine behind `checkAgreement`.
 * @public
 */
export { explore } from "./properties/explorer/index.js";
/**
 * Re-runs one execution exactly from its schedule token and judges it again.
 * @public
 */
export { replay } from "./properties/explorer/index.js";
/**
 * Shrinks a failing schedule token to fewer preemptions, then fewer steps, keeping the failure.
 * @public
 */
export { shrink } from "./properties/explorer/index.js";
/**
 * Default explorer limits (steps, states, executions, time); each can also be set by environment
 * variable (`INTERLOCK_MAX_STEPS`, …).
 * @public
 */
export { defaultLimits } from "./properties/explorer/index.js";
/**
 * The types of `explore`, `replay` and `shrink`: options, hooks, results, violations, coverage,
 * progress, limits and strategies.
 * @public
 */
export type {
  Coverage,
  Execution,
  ExploreOptions,
  ExploreResult,
  FoundViolation,
  Hooks,
  Limits,
  Progress,
  ReplayOptions,
  ReplayResult,
  ShrinkOptions,
  Shrunk,
  Stats,
  Strategy,
  Violation,
} from "./properties/explorer/index.js";

// ── Workloads ───────────────────────────────────────────────────────────────────────────────────

/**
 * A fast-check arbitrary of one program per interpreter: meaningful programs (imports before
 * uses, balanced acquire/release) with a call out of place now and then; shrinks with fast-check.
 * @public
 */
export const programsArbitrary: typeof Workload.programsArbitrary = deferredFunction(workload, "programsArbitrary");
/**
 * A fast-check arbitrary of one call of a family, from its Schema, weighted toward collisions.
 * @public
 */
export const callArbitrary: typeof Workload.callArbitrary = deferredFunction(workload, "callArbitrary");
/**
 * A fast-check arbitrary of a sequence of (interpreter, call) pairs, for sequential model runs.
 * @public
 */
export const invocationsArbitrary: typeof Workload.invocationsArbitrary = deferredFunction(workload, "invocationsArbitrary");
/**
 * Each family's typical program (import, use, unload), the same in every interpreter.
 * @public
 */
export const typicalPrograms: typeof Programs.typicalPrograms = deferredFunction(programs, "typicalPrograms");
/**
 * A family's typical program for one interpreter, repeated `cycles` times.
 * @public
 */
export const typicalProgram: typeof Programs.typicalProgram = deferredFunction(programs, "typicalProgram");

// ── The families and their models ───────────────────────────────────────────────────────────────

/**
 * The five API families' models, by family name.
 * @public
 */
export const models: typeof ModelModule.models = deferredValue(model, "models", {});
/**
 * The five API family names.
 * @public
 */
export const familyNames: typeof ModelModule.familyNames = deferredValue(model, "familyNames", []);
/**
 * The default runtime size (3 interpreters, 4 registry slots).
 * @public
 */
export const defaultConfig: typeof ModelModule.defaultConfig = deferredValue(model, "defaultConfig", {});
/**
 * The vocabulary of a check: a family name, any family's call, a call's result, a runtime size.
 * @public
 */
export type { AnyCall, FamilyName, ModelConfig, Result } from "./model/index.js";
/**
 * interlock's own implementation of each family, as Subject factories.
 * @public
 */
export const implementations: typeof ImplModule.implementations = deferredValue(impl, "implementations", {});
/**
 * The properties P1–P9 by id, each with its one-line meaning.
 * @public
 */
export const propertyNames: typeof PropertiesModule.propertyNames = deferredValue(properties, "propertyNames", {});

// ── Real threads ────────────────────────────────────────────────────────────────────────────────

/**
 * Runs a family on real worker threads over one SharedArrayBuffer: no lost update, nothing left
 * at runtime finalisation, and (optionally) a linearizable recorded history.
 * @public
 */
export const stressFamily: typeof Stress.stressFamily = deferredFunction(stress, "stressFamily");
/**
 * Options and result of `stressFamily`.
 * @public
 */
export type { FamilyStressOptions, FamilyStressResult } from "./properties/verify/thread-stress.js";

// ── Reports ─────────────────────────────────────────────────────────────────────────────────────

/**
 * Builds the versioned JSON report of a run (what `interlock verify` writes) from a result.
 * @public
 */
export const buildReport: typeof ReportBuild.buildReport = deferredFunction(reportBuild, "buildReport");
/**
 * The input of `buildReport` and the report it builds.
 * @public
 */
export type { ReportInput } from "./reports/build.js";
/**
 * A report: run identity, verdict, coverage, programs, token, history, failing step, memory.
 * @public
 */
export type { Report } from "./reports/schema.js";
/**
 * A report as canonical JSON text, and back (with a one-line error for a bad file).
 * @public
 */
export const encodeReport: typeof ReportIo.encodeReport = deferredFunction(reportIo, "encodeReport");
/**
 * Reads a report back from its JSON text.
 * @public
 */
export const decodeReport: typeof ReportIo.decodeReport = deferredFunction(reportIo, "decodeReport");
/**
 * Renders a report as Markdown, self-contained HTML or JUnit XML.
 * @public
 */
export const renderReport: typeof ReportIo.renderReport = deferredFunction(reportIo, "renderReport");

// ── Your extension's code (the client contract) ─────────────────────────────────────────────────

/**
 * Declares a client — your extension's own hooks (module exec, m_free, the family's init/exit
 * callbacks, module functions) written against a family's API — and checks its shape; export it
 * from the module you pass to `interlock verify --client`, or give it to `checkClient`.
 * @public
 */
export { defineClient } from "./properties/scenarios/contract.js";
/**
 * A hook's success (a module function's int32 return value, default 0).
 * @public
 */
export { ok } from "./properties/scenarios/contract.js";
/**
 * A hook's failure (an exec that fails is an ImportError; CPython then runs m_free).
 * @public
 */
export { fail } from "./properties/scenarios/contract.js";
/**
 * The value of a family call's result, or 0 when it failed.
 * @public
 */
export { okValue } from "./properties/scenarios/contract.js";
/**
 * The failure of the client under test: a hook threw, yielded a non-access, returned a malformed
 * result, or the definition is malformed. Never a property counterexample.
 * @public
 */
export { ClientFailure } from "./properties/scenarios/contract.js";
/**
 * The resources a client manages through the wrapped library: henv, ext1, ext2, cache.
 * @public
 */
export { clientResources } from "./properties/scenarios/contract.js";
/**
 * The client contract's types: the definition and its hooks, the API a hook reaches (the family's
 * calls, the wrapped library, the statics, the module state), and a hook's result.
 * @public
 */
export type {
  ClientApi,
  ClientDefinition,
  ClientHooks,
  FamilyCalls,
  HookResult,
  InstanceState,
  Resource,
  Statics,
  WrappedLibrary,
} from "./properties/scenarios/contract.js";
/**
 * Runs a client in the named scenario workloads (default: every one whose module functions it
 * defines) under every interleaving of 3 interpreters, judged for hazards (P1–P9 on the wrapped
 * library and the runtime); a client that fails gets the verdict "failed".
 * @public
 */
export const checkClient: typeof ScenarioCheck.checkClient = deferredFunction(scenarioCheck, "checkClient");
/**
 * The named scenario workloads: henv, resources, cache, library, churn, init-failure, interp-end,
 * runtime-reinit.
 * @public
 */
export const scenarioIds: typeof ScenarioCheck.scenarioIds = deferredValue(scenarioCheck, "scenarioIds", []);
/**
 * One scenario's verdict for a client, and the options of `checkClient`.
 * @public
 */
export type { ClientCheck, CheckClientOptions } from "./properties/scenarios/check-client.js";
