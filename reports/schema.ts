import { Schema } from "effect";
import { familyNames } from "../model/index.js";

/**
 * A Report is everything a person needs to read, share and replay one verification run of one
 * family: configuration, seed, strategy and what it proved, each interpreter's program, the
 * schedule token, the history, and — when a property failed — the failing step, the model state
 * before and after it, and the implementation's shared memory decoded into named fields.
 *
 * JSON is the source of truth; Markdown, HTML and JUnit are rendered from it (reports/render/*).
 * The format is versioned. Version 2 records the whole configuration a run used (interpreters,
 * capacity, the --impl module, the explorer limits) so `replay` rebuilds exactly that, uses the one
 * verdict vocabulary (ok | violation | unknown), and carries the judge's evidence as data. Version 1
 * reports are still read (reports/io.ts upgrades them); a newer version is refused.
 */
export const REPORT_FORMAT = "interlock-report";
export const REPORT_VERSION = 2;

/** One shared-memory step of the failing (or last) execution: who moved and what it did. */
export const ReportStep = Schema.Struct({
  /** Global step index, from 0. */
  step: Schema.Int,
  interp: Schema.Int,
  /** The thread (model `threadId`, D18) when it is not the interpreter's first; absent: thread 1, whose id is `interp`. */
  thread: Schema.optional(Schema.Int),
  /** Which call of the interpreter's program this step belongs to (0-based). */
  callIndex: Schema.Int,
  /** The call in API terms, e.g. `PyThread_acquire_lock(def=odbc, "henv", idx=1) in interp 2`. */
  call: Schema.String,
  /** The access, e.g. `compareExchange(odbc.lock, 0 → 1) = 0`. */
  access: Schema.String,
  /** Set on the step at which the call returned: the result in API terms. */
  returned: Schema.optional(Schema.String),
  /** Set when a thread was preempted here (the scheduler switched away while it could continue). */
  preemption: Schema.optional(Schema.Boolean),
  /**
   * Set on a step of C code (cfront/): the C source line that made the access (for an access the
   * wrapped library made for a C call, the line of that call). The access text names it too.
   */
  source: Schema.optional(Schema.Struct({ file: Schema.String, line: Schema.Int, function: Schema.String })),
});
export type ReportStep = typeof ReportStep.Type;

/** One call of the history, with its logical interval and result ("pending" if it never returned). */
export const ReportCall = Schema.Struct({
  interp: Schema.Int,
  /** The thread (model `threadId`, D18) when it is not the interpreter's first; absent: thread 1, whose id is `interp`. */
  thread: Schema.optional(Schema.Int),
  callIndex: Schema.Int,
  call: Schema.String,
  /** The call as data (the family's Call schema), for replay and other tools. */
  raw: Schema.Unknown,
  invoke: Schema.Int,
  respond: Schema.NullOr(Schema.Int),
  result: Schema.String,
});
export type ReportCall = typeof ReportCall.Type;

/** The call the model could not place: what the implementation returned, what the model would do. */
export const ReportStuck = Schema.Struct({
  interp: Schema.Int,
  /** The thread (model `threadId`, D18) when it is not the interpreter's first; absent: thread 1, whose id is `interp`. */
  thread: Schema.optional(Schema.Int),
  /** The call in API terms. */
  call: Schema.String,
  /** The call as data (the family's Call schema). */
  raw: Schema.Unknown,
  /** What the implementation returned, in API terms ("pending" when it never returned). */
  observed: Schema.String,
  /** What the model returns for it after the prefix, or "blocks" when it cannot take it there. */
  expected: Schema.String,
});

/** A ghost counter the implementation keeps differently from the model, along the witness order. */
export const ReportGhost = Schema.Struct({ field: Schema.String, implementation: Schema.Number, model: Schema.Number });

export const ReportViolation = Schema.Struct({
  /** "P1" … "P9", or "agreement" for a plain disagreement with the model. */
  property: Schema.String,
  propertyName: Schema.String,
  /** What failed, in one sentence. */
  message: Schema.String,
  /** Which judge saw it: "check" (whole history), "deadlock", "monitor" or "livelock". */
  kind: Schema.String,
  /** The global step at which it became visible (the failing step is marked in every rendering). */
  failingStep: Schema.NullOr(Schema.Int),
  /** The call the model could not place, when the failure is a disagreement (a line: call → result). */
  stuckCall: Schema.NullOr(Schema.String),
  /** The same, as data. */
  stuck: Schema.NullOr(ReportStuck),
  /** The longest prefix of the history the model accepts, a line per call in the order found. */
  prefix: Schema.Array(Schema.String),
  /** Model state (API terms) after the longest linearizable prefix, and after the failing call. */
  modelBefore: Schema.NullOr(Schema.String),
  modelAfter: Schema.NullOr(Schema.String),
  /** A ghost-counter mismatch, when that is what failed. */
  ghost: Schema.NullOr(ReportGhost),
  /** The story, a line per event, in API terms. */
  narrative: Schema.Array(Schema.String),
});
export type ReportViolation = typeof ReportViolation.Type;

export const ReportCoverage = Schema.Struct({
  strategy: Schema.String,
  guarantee: Schema.String,
  /** What the run proved, as one sentence ("exhaustive for these programs, modulo symmetry"). */
  sentence: Schema.String,
  executions: Schema.Int,
  states: Schema.Int,
  /** Wall time of the run; null when not recorded (then reports are byte-identical run to run). */
  elapsedMs: Schema.NullOr(Schema.Number),
  /** Deadlocks the model has too: how often, and the calls left blocked (the programs cannot finish). */
  blockedByDesign: Schema.NullOr(Schema.Struct({ times: Schema.Int, calls: Schema.Array(Schema.String) })),
});

export const Report = Schema.Struct({
  format: Schema.Literal(REPORT_FORMAT),
  version: Schema.Literal(REPORT_VERSION),
  /** The run's identity: family and subject (correct implementation, a mutant, or a user's --impl). */
  family: Schema.Literal(...familyNames),
  subject: Schema.String,
  /**
   * ok: every property held to the coverage stated; violation: one failed; unknown: a budget ran
   * out first; failed: the module under test itself failed (threw, returned a malformed result) —
   * `verify --client` reports it with the step and the token, under the property `module-failed`.
   */
  verdict: Schema.Literal("ok", "violation", "unknown", "failed"),
  /** Everything `replay` needs to rebuild the run exactly. */
  config: Schema.Struct({
    interpreters: Schema.Int,
    capacity: Schema.Int,
    /** Threads per interpreter the run's implementation looked for (D18); absent: 1. */
    threads: Schema.optional(Schema.Int),
    strategy: Schema.String,
    seed: Schema.Int,
    /** The --impl module the run checked (as given on the command line), or null for interlock's own. */
    impl: Schema.NullOr(Schema.String),
    /** The explorer limits of the run, by name (maxSteps, maxStates, timeLimitMs …). */
    limits: Schema.Record({ key: Schema.String, value: Schema.Number }),
    /** The options that shaped the run, by name (limits, depth, preemption bound …). */
    options: Schema.Record({ key: Schema.String, value: Schema.Union(Schema.Number, Schema.String, Schema.Boolean) }),
  }),
  coverage: ReportCoverage,
  /** Each thread's program (one per interpreter unless `thread` says otherwise, D18), a line per call. */
  programs: Schema.Array(Schema.Struct({ interp: Schema.Int, thread: Schema.optional(Schema.Int), calls: Schema.Array(Schema.String), raw: Schema.Array(Schema.Unknown) })),
  /** The schedule token of the execution shown (the counterexample's, or the last one run). */
  token: Schema.NullOr(Schema.String),
  /** The command that replays this report. */
  replay: Schema.String,
  history: Schema.Array(ReportCall),
  steps: Schema.Array(ReportStep),
  violation: Schema.NullOr(ReportViolation),
  /** Shared memory at the failing step (or the end), decoded into named fields. */
  memory: Schema.Record({ key: Schema.String, value: Schema.Number }),
});
export type Report = typeof Report.Type;

/** Version 1 of the report, read only to upgrade it (reports/io.ts). */
export const ReportV1 = Schema.Struct({
  format: Schema.Literal(REPORT_FORMAT),
  version: Schema.Literal(1),
  family: Schema.Literal(...familyNames),
  subject: Schema.String,
  verdict: Schema.Literal("agreement", "counterexample", "budget"),
  config: Schema.Struct({
    interpreters: Schema.Int,
    capacity: Schema.Int,
    strategy: Schema.String,
    seed: Schema.Int,
    options: Schema.Record({ key: Schema.String, value: Schema.Union(Schema.Number, Schema.String, Schema.Boolean) }),
  }),
  coverage: Schema.Struct({
    strategy: Schema.String,
    guarantee: Schema.String,
    sentence: Schema.String,
    executions: Schema.Int,
    states: Schema.Int,
    elapsedMs: Schema.Number,
  }),
  programs: Schema.Array(Schema.Struct({ interp: Schema.Int, calls: Schema.Array(Schema.String), raw: Schema.Array(Schema.Unknown) })),
  token: Schema.NullOr(Schema.String),
  replay: Schema.String,
  history: Schema.Array(ReportCall),
  steps: Schema.Array(ReportStep),
  violation: Schema.NullOr(
    Schema.Struct({
      property: Schema.String,
      propertyName: Schema.String,
      message: Schema.String,
      failingStep: Schema.NullOr(Schema.Int),
      stuckCall: Schema.NullOr(Schema.String),
      modelBefore: Schema.NullOr(Schema.String),
      modelAfter: Schema.NullOr(Schema.String),
      narrative: Schema.Array(Schema.String),
    }),
  ),
  memory: Schema.Record({ key: Schema.String, value: Schema.Number }),
});
