import { threadOf } from "../model/thread.js";
import {
  describeResult as describeModelResult,
  describeThread,
  interpOf,
  models,
  threadsOfSet,
  type AnyCall,
  type FamilyName,
  type ModelConfig,
  type Result,
  type Threaded,
} from "../model/index.js";
import { accessOpName, AccessOp, LoadMode, type Access } from "../impl/memory.js";
import type { AgreementResult } from "../properties/judge/agreement.js";
import type { Coverage, Limits, Stats, TraceRow } from "../properties/explorer/index.js";
import type { Counterexample } from "../properties/judge/counterexample.js";
import { propertyNames, type PropertyId } from "../properties/judge/property-classifier.js";
import { REPORT_FORMAT, REPORT_VERSION, type Report, type ReportCall, type ReportStep } from "./schema.js";

/**
 * Builds a Report (reports/schema.ts) from what one run produced: the configuration it used, what
 * it proved, and — for a counterexample — the execution the run replayed with every access
 * traced, the judge's evidence and the decoded memory. A pure transform: nothing here explores,
 * replays or judges, so the report says exactly what the run found.
 */
export interface ReportInput {
  readonly family: FamilyName;
  /** The subject's name (interlock's own implementation, a mutant, or a user's --impl module). */
  readonly subject: string;
  readonly config: ModelConfig;
  /** The --impl module path as given, or null. */
  readonly impl: string | null;
  readonly limits: Partial<Limits>;
  readonly programs: Threaded<readonly (readonly AnyCall[])[]>;
  readonly strategy: string;
  readonly seed: number;
  readonly options: Readonly<Record<string, number | string | boolean>>;
  /** What the run proved: only the fields a report records. */
  readonly result: {
    readonly verdict: AgreementResult["verdict"];
    readonly coverage: Pick<Coverage, "strategy" | "guarantee" | "sentence">;
    readonly stats: Pick<Stats, "executions" | "states">;
    readonly blockedByDesign: AgreementResult["blockedByDesign"];
  };
  readonly counterexample: Counterexample | null;
  /** The command that replays the report (the CLI fills in the report's path). */
  readonly replay: string;
  /** Wall time of the run; null when not recorded (reports are then byte-identical run to run). */
  readonly elapsedMs: number | null;
  /**
   * How calls and results are worded when they are not the family's own (a scenario's extension
   * calls, cfront/client-report.ts); default: the family model's vocabulary.
   */
  readonly vocabulary?: ReportVocabulary;
}

/** Words for calls and results of a run whose calls are not a family's API calls. */
export interface ReportVocabulary {
  readonly call: (interp: number, call: unknown) => string;
  readonly result: (result: unknown) => string;
}

/** The C source line an access carries (cfront/runtime.ts), as a report step records it. */
function sourceOf(access: Access): ReportStep["source"] {
  const s = (access as { readonly source?: { readonly file: string; readonly line: number; readonly fn: string } }).source;
  return s === undefined ? undefined : { file: s.file, line: s.line, function: s.fn };
}

/** A call in API terms without the interpreter suffix the models add (lanes say which interpreter). */
function callText(family: FamilyName, interp: number, call: AnyCall): string {
  return models[family].describeCall(interp, call).replace(/ in interp \d+( · thread \d+)?$/, "");
}

/** One access in words: `compareExchange(odbc.lifecycleLock, 0 → 1) = 0`. */
export function describeTracedAccess(access: Access, value: number | null, names: readonly string[]): string {
  // An access of C code carries the C line that made it (cfront/runtime.ts).
  const site = (access as { readonly site?: unknown }).site;
  const text = describeAccessText(access, value, names);
  return typeof site === "string" ? `${text} — ${site}` : text;
}

function describeAccessText(access: Access, value: number | null, names: readonly string[]): string {
  const w = names[access.addr] ?? `word ${access.addr}`;
  const got = value === null ? " … blocks" : ` = ${value}`;
  switch (access.op) {
    case AccessOp.load:
      if (access.b === LoadMode.equals) return `load(${w}) == ${access.a}?${got}`;
      if (access.b === LoadMode.bits) return `load(${w}) & ${access.a >>> 0} ≠ 0?${got}`;
      return `load(${w})${got}`;
    case AccessOp.store:
      return `store(${w}, ${access.a})`;
    case AccessOp.cas:
      return `compareExchange(${w}, ${access.a} → ${access.b})${got}`;
    case AccessOp.wait:
      return `wait(${w}, ${access.a})${value === null ? " … sleeps" : value === 0 ? " … woken" : " = not-equal"}`;
    case AccessOp.notify:
      return `notify(${w}, ${access.a})${got}`;
    case AccessOp.or:
      return `or(${w}, ${access.a >>> 0})`;
    case AccessOp.and:
      return `and(${w}, ~${~access.a >>> 0})`;
    default: {
      const name = accessOpName[access.op] ?? `op${access.op}`;
      return `${name}(${w}, ${access.a})${access.b === 1 ? "" : got}`;
    }
  }
}

export function buildReport(input: ReportInput): Report {
  const { family, config, result } = input;
  const describeCall = (interp: number, call: AnyCall): string => (input.vocabulary ? input.vocabulary.call(interp, call) : callText(family, interp, call));
  const describeResult = (r: Result): string => (input.vocabulary ? input.vocabulary.result(r) : describeModelResult(r));
  // Program i runs on thread threads[i] (D18); a report names the thread only where it is not its interpreter's first.
  const threads = threadsOfSet(input.programs);
  const who = (thread: number): { interp: number; thread?: number } => (thread === interpOf(thread) ? { interp: thread } : { interp: interpOf(thread), thread });
  const programs = input.programs.map((calls, i) => {
    const t = threads[i] as number;
    return { ...who(t), calls: calls.map((c) => describeCall(t, c)), raw: calls.map((c) => c as unknown) };
  });
  const limits: Record<string, number> = {};
  for (const [k, v] of Object.entries(input.limits)) if (typeof v === "number") limits[k] = v;
  const base = {
    format: REPORT_FORMAT,
    version: REPORT_VERSION,
    family,
    subject: input.subject,
    config: {
      interpreters: config.interpreters,
      capacity: config.capacity,
      ...(config.threads !== undefined && config.threads > 1 ? { threads: config.threads } : {}),
      strategy: input.strategy,
      seed: input.seed,
      impl: input.impl,
      limits,
      options: { ...input.options },
    },
    coverage: {
      strategy: result.coverage.strategy,
      guarantee: result.coverage.guarantee,
      sentence: result.coverage.sentence,
      executions: result.stats.executions,
      states: result.stats.states,
      elapsedMs: input.elapsedMs,
      blockedByDesign: result.blockedByDesign === null ? null : { times: result.blockedByDesign.times, calls: [...result.blockedByDesign.calls] },
    },
    programs,
    replay: input.replay,
  } as const;

  const cx = input.counterexample;
  if (cx === null || result.verdict !== "violation") {
    return { ...base, verdict: result.verdict === "violation" ? "unknown" : result.verdict, token: null, history: [], steps: [], violation: null, memory: {} };
  }
  const { execution, evidence, trace } = cx;
  const callAt = (t: number, callIndex: number): AnyCall | undefined =>
    execution.history.find((h) => threadOf(h) === threads[t] && h.callIndex === callIndex)?.call ?? input.programs[t]?.[callIndex];

  const steps = swimlane(trace, threads, (row) => {
    const thread = threads[row.thread] as number;
    const call = callAt(row.thread, row.callIndex);
    const source = sourceOf(row.access);
    return {
      step: row.step,
      ...who(thread),
      callIndex: row.callIndex,
      call: call ? describeCall(thread, call) : `call ${row.callIndex}`,
      access: describeTracedAccess(row.access, row.value, cx.wordNames),
      ...(row.returned !== undefined ? { returned: describeResult(row.returned as Result) } : {}),
      ...(source !== undefined ? { source } : {}),
    };
  });

  const history: ReportCall[] = execution.history.map((h) => ({
    ...who(threadOf(h)),
    callIndex: h.callIndex,
    call: describeCall(threadOf(h), h.call),
    raw: h.call as unknown,
    invoke: h.invoke,
    respond: h.response === null ? null : h.response.step,
    result: h.response === null ? "pending" : describeResult(h.response.result),
  }));

  const stuck = evidence.stuck;
  const expectedText = stuck === null ? "" : stuck.expected === "blocks" ? "blocks" : describeResult(stuck.expected);
  const observedText = stuck === null ? "" : stuck.observed === null ? "pending" : describeResult(stuck.observed);
  const failingStep = execution.steps > 0 ? execution.steps - 1 : null;
  const events = history
    .flatMap((h) => [
      { at: h.invoke, order: 0, text: `step ${h.invoke}: ${describeThread(threadOf(h))} calls ${h.call}` },
      ...(h.respond === null ? [] : [{ at: h.respond, order: 1, text: `step ${h.respond}: ${describeThread(threadOf(h))}'s ${h.call} returns ${h.result}` }]),
    ])
    .sort((a, b) => a.at - b.at || a.order - b.order);
  const narrative = [...events.map((e) => e.text), `${failingStep === null ? "at the start" : `step ${failingStep}`}: ${evidence.message.split("\n")[0]}`];

  const property = (evidence.property in propertyNames ? evidence.property : "agreement") as PropertyId;
  return {
    ...base,
    verdict: "violation",
    token: cx.violation.token,
    history,
    steps,
    violation: {
      property,
      propertyName: propertyNames[property],
      message: cx.violation.message,
      kind: cx.violation.kind,
      failingStep,
      stuckCall: stuck === null ? null : `${input.vocabulary ? input.vocabulary.call(stuck.interp, stuck.call) : models[family].describeCall(stuck.interp, stuck.call)} → ${observedText} (the model: ${expectedText})`,
      stuck: stuck === null ? null : { ...who(stuck.interp), call: describeCall(stuck.interp, stuck.call), raw: stuck.call as unknown, observed: observedText, expected: expectedText },
      prefix: evidence.prefix.map((p) => `${describeThread(p.interp)}: ${describeCall(p.interp, p.call)} → ${p.result === null ? "pending" : describeResult(p.result)}`),
      modelBefore: evidence.modelBefore,
      modelAfter: evidence.modelAfter,
      ghost: evidence.ghost === null ? null : { ...evidence.ghost },
      narrative,
    },
    memory: { ...cx.memory },
  };
}

/**
 * The swimlane rows of a trace, with preemptions marked: the scheduler switched away from a thread
 * that could have continued; the mark goes on that thread's last row before the switch, in its own
 * lane.
 */
function swimlane(trace: readonly TraceRow[], threads: readonly number[], row: (r: TraceRow) => ReportStep): ReportStep[] {
  const lastStepOf = new Map<number, number>();
  for (const r of trace) lastStepOf.set(r.thread, r.step);
  const steps: ReportStep[] = [];
  let lastStep = -1;
  let lastThread = -1;
  for (const r of trace) {
    if (r.step !== lastStep && lastThread >= 0 && r.thread !== lastThread && (lastStepOf.get(lastThread) ?? -1) >= r.step) {
      for (let i = steps.length - 1; i >= 0; i--) {
        const prev = steps[i] as ReportStep;
        if (threadOf(prev) === threads[lastThread]) {
          steps[i] = { ...prev, preemption: true };
          break;
        }
      }
    }
    steps.push(row(r));
    if (r.step !== lastStep) lastThread = r.thread;
    lastStep = r.step;
  }
  return steps;
}
