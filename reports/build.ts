import { describeResult, models, type AnyCall, type FamilyName, type ModelConfig, type Result } from "../model/index.js";
import { accessOpName, AccessOp, LoadMode, type Access } from "../impl/memory.js";
import type { Subject } from "../impl/subject.js";
import { checkHistory } from "../properties/checker/index.js";
import { agreementHooks, executionOperations, modelStateAfter, toPrograms } from "../properties/agreement.js";
import { replay, type ExploreResult, type TraceRow } from "../properties/explorer/index.js";
import { checkerModel } from "../properties/family_checker.js";
import { propertyNames, type PropertyId } from "../properties/properties.js";
import { REPORT_FORMAT, REPORT_VERSION, type Report, type ReportCall, type ReportStep } from "./schema.js";

/**
 * Builds a Report (reports/schema.ts) from one exploration: the configuration, what the run
 * proved, and — for a counterexample — the failing execution replayed from its token with every
 * access traced, so the swimlane, the history, the model states and the decoded memory all come
 * from the same replay.
 */
export interface ReportInput {
  readonly family: FamilyName;
  readonly subject: Subject<AnyCall, Result>;
  readonly config: ModelConfig;
  readonly programs: readonly (readonly AnyCall[])[];
  readonly strategy: string;
  readonly seed: number;
  readonly options: Readonly<Record<string, number | string | boolean>>;
  readonly result: ExploreResult<AnyCall, Result>;
  /** The command that replays the report (the CLI fills in the report's path). */
  readonly replay: string;
  /** Wall time of the run; 0 when not recorded (reports are then byte-identical run to run). */
  readonly elapsedMs: number;
}

/** Names of shared-memory words, from the Subject's own decoding (word i → field name). */
export function wordNames(subject: Subject<AnyCall, Result>): string[] {
  const names: string[] = [];
  if (!subject.decode) return names;
  for (let a = 0; a < subject.words; a++) {
    const probe = new Int32Array(subject.words);
    probe[a] = 0x5a5a5a5;
    const hit = Object.entries(subject.decode(probe)).find(([, v]) => v === 0x5a5a5a5);
    names[a] = hit ? hit[0] : `word ${a}`;
  }
  return names;
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
  const { family, subject, config, result } = input;
  const model = models[family];
  const describeCall = (interp: number, call: AnyCall): string => model.describeCall(interp, call);
  const programs = input.programs.map((calls, i) => ({
    interp: i + 1,
    calls: calls.map((c) => describeCall(i + 1, c).replace(/ in interp \d+$/, "")),
    raw: calls.map((c) => c as unknown),
  }));
  const base = {
    format: REPORT_FORMAT,
    version: REPORT_VERSION,
    family,
    subject: subject.name,
    config: { interpreters: input.programs.length, capacity: config.capacity, strategy: input.strategy, seed: input.seed, options: { ...input.options } },
    coverage: {
      strategy: result.coverage.strategy,
      guarantee: result.coverage.guarantee,
      sentence: result.coverage.sentence,
      executions: result.stats.executions,
      states: result.stats.states,
      elapsedMs: input.elapsedMs,
    },
    programs,
    replay: input.replay,
  } as const;

  const v = result.violation;
  if (v === null) {
    return {
      ...base,
      verdict: result.verdict === "ok" ? "agreement" : "budget",
      token: null,
      history: [],
      steps: [],
      violation: null,
      memory: {},
    };
  }

  // Replay the counterexample with every access traced.
  const replayed = replay(subject, toPrograms(input.programs), v.token, { ...agreementHooks(family, config, undefined, subject.decode?.bind(subject)), trace: true });
  const execution = replayed.status === "replayed" ? replayed.execution : v.execution;
  const trace: readonly TraceRow[] = replayed.status === "replayed" && replayed.trace ? replayed.trace : [];
  const names = wordNames(subject);
  const interpOf = (thread: number): number => thread + 1;
  const callAt = (interp: number, callIndex: number): AnyCall | undefined =>
    execution.history.find((h) => h.interp === interp && h.callIndex === callIndex)?.call ?? input.programs[interp - 1]?.[callIndex];

  // Preemptions: the scheduler switched away from a thread that could have continued; the mark
  // goes on that thread's last row before the switch, in its own lane.
  const lastStepOf = new Map<number, number>();
  for (const r of trace) lastStepOf.set(r.thread, r.step);
  const steps: ReportStep[] = [];
  let lastStep = -1;
  let lastThread = -1;
  for (const row of trace) {
    const interp = interpOf(row.thread);
    const call = callAt(interp, row.callIndex);
    if (row.step !== lastStep && lastThread >= 0 && row.thread !== lastThread && (lastStepOf.get(lastThread) ?? -1) >= row.step) {
      for (let i = steps.length - 1; i >= 0; i--) {
        const prev = steps[i] as ReportStep;
        if (prev.interp === interpOf(lastThread)) {
          steps[i] = { ...prev, preemption: true };
          break;
        }
      }
    }
    steps.push({
      step: row.step,
      interp,
      callIndex: row.callIndex,
      call: call ? describeCall(interp, call).replace(/ in interp \d+$/, "") : `call ${row.callIndex}`,
      access: describeTracedAccess(row.access, row.value, names),
      ...(row.returned !== undefined ? { returned: describeResult(row.returned as Result) } : {}),
    });
    if (row.step !== lastStep) lastThread = row.thread;
    lastStep = row.step;
  }

  const history: ReportCall[] = execution.history.map((h) => ({
    interp: h.interp,
    callIndex: h.callIndex,
    call: describeCall(h.interp, h.call).replace(/ in interp \d+$/, ""),
    raw: h.call as unknown,
    invoke: h.invoke,
    respond: h.response === null ? null : h.response.step,
    result: h.response === null ? "pending" : describeResult(h.response.result),
  }));

  // The model's view: the state after the longest linearizable prefix of the history, and after
  // the call it could not place (if the model can take that call at all).
  const ops = executionOperations(execution);
  const verdict = checkHistory(checkerModel(model, config), ops.filter((o) => o.respond !== undefined || execution.outcome !== "deadlock"), { timeMs: 10_000 });
  let modelAfter: string | null = null;
  let stuckCall: string | null = null;
  const placed = verdict.kind === "ok" ? verdict.linearization : verdict.kind === "violation" ? verdict.prefix : [];
  const state = modelStateAfter(family, config, placed);
  const modelBefore = model.describeState(state);
  if (verdict.kind === "violation" && verdict.stuck[0]) {
    const stuck = verdict.stuck[0];
    stuckCall = `${describeCall(stuck.interp, stuck.call)} → ${stuck.result ? describeResult(stuck.result) : "pending"}`;
    const next = model.step(state, stuck.interp, stuck.call);
    modelAfter = next ? `${model.describeState(next.state)} (the model would return ${describeResult(next.result)})` : "the model cannot take this call here: it would block";
  }

  const failingStep = execution.steps > 0 ? execution.steps - 1 : null;
  const narrative: string[] = [];
  const events = history
    .flatMap((h) => [
      { at: h.invoke, order: 0, text: `step ${h.invoke}: interp ${h.interp} calls ${h.call}` },
      ...(h.respond === null ? [] : [{ at: h.respond, order: 1, text: `step ${h.respond}: interp ${h.interp}'s ${h.call} returns ${h.result}` }]),
    ])
    .sort((a, b) => a.at - b.at || a.order - b.order);
  for (const e of events) narrative.push(e.text);
  narrative.push(`${failingStep === null ? "at the start" : `step ${failingStep}`}: ${v.message.split("\n")[0]}`);

  const property = (v.property in propertyNames ? v.property : "agreement") as PropertyId;
  return {
    ...base,
    verdict: "counterexample",
    token: v.token,
    history,
    steps,
    violation: {
      property,
      propertyName: propertyNames[property],
      message: v.message,
      failingStep,
      stuckCall,
      modelBefore,
      modelAfter,
      narrative,
    },
    memory: subject.decode ? subject.decode(execution.memory) : {},
  };
}
