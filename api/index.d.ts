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
/**
 * Explores `programs` (one call list per interpreter) against a Subject under a strategy and judges
 * every execution against the family's model: linearizability (online and whole-history), the
 * ghost counters, deadlock where the model could still move. Returns the explorer's result: a
 * verdict, the violation with its schedule token, and what the run covered.
 * @public
 */
export declare const checkAgreement: typeof Agreement.checkAgreement;
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
export declare const agreementJudge: typeof JudgeModule.agreementJudge;
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
export declare const exploreJudged: typeof Agreement.exploreJudged;
/**
 * A violation replayed once under its judge with every access traced: what `buildReport` needs to
 * write the counterexample's report, and the type of what it returns.
 * @public
 */
export declare const traceCounterexample: typeof CounterexampleModule.traceCounterexample;
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
export declare const toPrograms: typeof Agreement.toPrograms;
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
export type { Coverage, Execution, ExploreOptions, ExploreResult, FoundViolation, Hooks, Limits, Progress, ReplayOptions, ReplayResult, ShrinkOptions, Shrunk, Stats, Strategy, Violation, } from "./properties/explorer/index.js";
/**
 * A fast-check arbitrary of one program per interpreter: meaningful programs (imports before
 * uses, balanced acquire/release) with a call out of place now and then; shrinks with fast-check.
 * @public
 */
export declare const programsArbitrary: typeof Workload.programsArbitrary;
/**
 * A fast-check arbitrary of one call of a family, from its Schema, weighted toward collisions.
 * @public
 */
export declare const callArbitrary: typeof Workload.callArbitrary;
/**
 * A fast-check arbitrary of a sequence of (interpreter, call) pairs, for sequential model runs.
 * @public
 */
export declare const invocationsArbitrary: typeof Workload.invocationsArbitrary;
/**
 * Each family's typical program (import, use, unload), the same in every interpreter.
 * @public
 */
export declare const typicalPrograms: typeof Programs.typicalPrograms;
/**
 * A family's typical program for one interpreter, repeated `cycles` times.
 * @public
 */
export declare const typicalProgram: typeof Programs.typicalProgram;
/**
 * The five API families' models, by family name.
 * @public
 */
export declare const models: typeof ModelModule.models;
/**
 * The five API family names.
 * @public
 */
export declare const familyNames: typeof ModelModule.familyNames;
/**
 * The default runtime size (3 interpreters, 4 registry slots).
 * @public
 */
export declare const defaultConfig: typeof ModelModule.defaultConfig;
/**
 * The vocabulary of a check: a family name, any family's call, a call's result, a runtime size.
 * @public
 */
export type { AnyCall, FamilyName, ModelConfig, Result } from "./model/index.js";
/**
 * interlock's own implementation of each family, as Subject factories.
 * @public
 */
export declare const implementations: typeof ImplModule.implementations;
/**
 * The properties P1–P9 by id, each with its one-line meaning.
 * @public
 */
export declare const propertyNames: typeof PropertiesModule.propertyNames;
/**
 * Runs a family on real worker threads over one SharedArrayBuffer: no lost update, nothing left
 * at runtime finalisation, and (optionally) a linearizable recorded history.
 * @public
 */
export declare const stressFamily: typeof Stress.stressFamily;
/**
 * Options and result of `stressFamily`.
 * @public
 */
export type { FamilyStressOptions, FamilyStressResult } from "./properties/verify/thread-stress.js";
/**
 * Builds the versioned JSON report of a run (what `interlock verify` writes) from a result.
 * @public
 */
export declare const buildReport: typeof ReportBuild.buildReport;
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
export declare const encodeReport: typeof ReportIo.encodeReport;
/**
 * Reads a report back from its JSON text.
 * @public
 */
export declare const decodeReport: typeof ReportIo.decodeReport;
/**
 * Renders a report as Markdown, self-contained HTML or JUnit XML.
 * @public
 */
export declare const renderReport: typeof ReportIo.renderReport;
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
export type { ClientApi, ClientDefinition, ClientHooks, FamilyCalls, HookResult, InstanceState, Resource, Statics, WrappedLibrary, } from "./properties/scenarios/contract.js";
/**
 * Runs a client in the named scenario workloads (default: every one whose module functions it
 * defines) under every interleaving of 3 interpreters, judged for hazards (P1–P9 on the wrapped
 * library and the runtime); a client that fails gets the verdict "failed".
 * @public
 */
export declare const checkClient: typeof ScenarioCheck.checkClient;
/**
 * The named scenario workloads: henv, resources, cache, library, churn, init-failure, interp-end,
 * runtime-reinit.
 * @public
 */
export declare const scenarioIds: typeof ScenarioCheck.scenarioIds;
/**
 * One scenario's verdict for a client, and the options of `checkClient`.
 * @public
 */
export type { ClientCheck, CheckClientOptions } from "./properties/scenarios/check-client.js";
