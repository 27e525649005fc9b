/**
 * The history log of the current execution: one entry per invocation or response, truncated on
 * restore, turned into `CallRecord`s (closed intervals of global step stamps) on demand.
 */
import { threadOf } from "../../../model/thread.js";
import type { Program, Subject } from "../../../impl/subject.js";
import type { CallRecord } from "../types.js";

export class HistoryLog {
  /** Per event: thread, call index, step·2 + (1 if a response). */
  private event: number[] = [];
  private result: unknown[] = [];
  /**
   * Events in the log. The arrays keep entries past it after a truncation and are overwritten in
   * place: setting a JS array's `length` on every restore cost 3 % of the exhaustive search.
   */
  private size = 0;

  get length(): number {
    return this.size;
  }

  push(t: number, callIndex: number, step: number, result: unknown, isResponse: boolean): void {
    const i = this.size++;
    this.event[3 * i] = t;
    this.event[3 * i + 1] = callIndex;
    this.event[3 * i + 2] = step * 2 + (isResponse ? 1 : 0);
    this.result[i] = result;
  }

  truncate(length: number): void {
    this.size = length;
  }

  /** The history of the current execution (pending calls have a null response). */
  records<Call, Result>(subject: Subject<Call, Result>, programs: readonly Program<Call>[]): CallRecord<Call, Result>[] {
    const records: CallRecord<Call, Result>[] = [];
    const open = new Map<string, number>();
    for (let i = 0; i < this.size; i++) {
      const t = this.event[3 * i] as number;
      const callIndex = this.event[3 * i + 1] as number;
      const stamp = this.event[3 * i + 2] as number;
      const step = stamp >> 1;
      const program = programs[t] as Program<Call>;
      const k = `${t}:${callIndex}`;
      if ((stamp & 1) === 0) {
        open.set(k, records.length);
        records.push({ interp: program.interp, ...(program.thread !== undefined && program.thread !== program.interp ? { thread: program.thread } : {}), callIndex, call: program.calls[callIndex] as Call, invoke: step, response: null });
      } else {
        const at = open.get(k);
        if (at === undefined) throw new Error(`internal: response without invoke for ${k}`);
        records[at] = { ...(records[at] as CallRecord<Call, Result>), response: { step, result: this.result[i] as Result } };
      }
    }
    return resolveRecords(subject, records);
  }
}

/**
 * Records the calls as actually made: a call's carried references (an index received earlier)
 * are filled in from the carry its interpreter had when the call started, so histories hold
 * what the model must judge. Each interpreter's calls complete in program order.
 */
function resolveRecords<Call, Result>(subject: Subject<Call, Result>, records: CallRecord<Call, Result>[]): CallRecord<Call, Result>[] {
  if (subject.resolve === undefined) return records;
  const carries = new Map<number, readonly number[]>();
  const order = records.map((_, i) => i).sort((a, b) => {
    const x = records[a] as CallRecord<Call, Result>;
    const y = records[b] as CallRecord<Call, Result>;
    return threadOf(x) - threadOf(y) || x.callIndex - y.callIndex;
  });
  for (const i of order) {
    const r = records[i] as CallRecord<Call, Result>;
    // The carry is the thread's (D18): a sibling thread received its own indices.
    const who = threadOf(r);
    const carry = carries.get(who) ?? [];
    records[i] = { ...r, call: subject.resolve(who, r.call, carry) };
    if (r.response !== null && subject.after) carries.set(who, subject.after(who, r.call, r.response.result, carry));
  }
  return records;
}
