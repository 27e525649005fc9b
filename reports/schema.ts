import { Schema } from "effect";
import { familyNames } from "../model/index.js";

/**
 * A Report is everything a person needs to read, share and replay one verification run of one
 * family: configuration, seed, strategy and what it proved, each interpreter's program, the
 * schedule token, the history, and — when a property failed — the failing step, the model state
 * before and after it, and the implementation's shared memory decoded into named fields.
 *
 * JSON is the source of truth; Markdown, HTML and JUnit are rendered from it (reports/render/*).
 * The format is versioned: `replay` refuses a report of another version with a clear message.
 */
export const REPORT_FORMAT = "interlock-report";
export const REPORT_VERSION = 1;

/** One shared-memory step of the failing (or last) execution: who moved and what it did. */
export const ReportStep = Schema.Struct({
  /** Global step index, from 0. */
  step: Schema.Int,
  interp: Schema.Int,
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
});
export type ReportStep = typeof ReportStep.Type;

/** One call of the history, with its logical interval and result ("pending" if it never returned). */
export const ReportCall = Schema.Struct({
  interp: Schema.Int,
  callIndex: Schema.Int,
  call: Schema.String,
  /** The call as data (the family's Call schema), for replay and other tools. */
  raw: Schema.Unknown,
  invoke: Schema.Int,
  respond: Schema.NullOr(Schema.Int),
  result: Schema.String,
});
export type ReportCall = typeof ReportCall.Type;

export const ReportViolation = Schema.Struct({
  /** "P1" … "P9", or "agreement" for a plain disagreement with the model. */
  property: Schema.String,
  propertyName: Schema.String,
  /** What failed, in one sentence. */
  message: Schema.String,
  /** The global step at which it became visible (the failing step is marked in every rendering). */
  failingStep: Schema.NullOr(Schema.Int),
  /** The call the model could not place, when the failure is a disagreement. */
  stuckCall: Schema.NullOr(Schema.String),
  /** Model state (API terms) after the longest linearizable prefix, and after the failing call. */
  modelBefore: Schema.NullOr(Schema.String),
  modelAfter: Schema.NullOr(Schema.String),
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
  elapsedMs: Schema.Number,
});

export const Report = Schema.Struct({
  format: Schema.Literal(REPORT_FORMAT),
  version: Schema.Literal(REPORT_VERSION),
  /** The run's identity: family and subject (correct implementation, a mutant, or a user's --impl). */
  family: Schema.Literal(...familyNames),
  subject: Schema.String,
  verdict: Schema.Literal("agreement", "counterexample", "budget"),
  config: Schema.Struct({
    interpreters: Schema.Int,
    capacity: Schema.Int,
    strategy: Schema.String,
    seed: Schema.Int,
    /** The options that shaped the run, by name (limits, depth, preemption bound …). */
    options: Schema.Record({ key: Schema.String, value: Schema.Union(Schema.Number, Schema.String, Schema.Boolean) }),
  }),
  coverage: ReportCoverage,
  /** Each interpreter's program, a line per call. */
  programs: Schema.Array(Schema.Struct({ interp: Schema.Int, calls: Schema.Array(Schema.String), raw: Schema.Array(Schema.Unknown) })),
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
