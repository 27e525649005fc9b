/**
 * Tracing: one row per access of a replayed execution (for the reports' swimlanes), and the one
 * way an access is written as text.
 */
import { AccessOp, LoadMode, accessOpName, type Access } from "../../../impl/memory.js";

/**
 * One access of a traced execution: at which step, by which thread (index into the programs), at
 * which position, what it did and what it returned (null: a wait that blocked), and — if the call
 * returned with this access — its result.
 */
export interface TraceRow {
  readonly step: number;
  readonly thread: number;
  readonly callIndex: number;
  readonly accessIndex: number;
  readonly access: Access;
  value: number | null;
  returned: unknown;
}

export function describeAccess(access: Access | null): string {
  if (access === null) return "done";
  const name = accessOpName[access.op] ?? `op${access.op}`;
  switch (access.op) {
    case AccessOp.load:
      if (access.b === LoadMode.equals) return `${name}(word ${access.addr}) == ${access.a}?`;
      if (access.b === LoadMode.bits) return `${name}(word ${access.addr}) & ${access.a >>> 0}?`;
      return `${name}(word ${access.addr})`;
    case AccessOp.cas:
      return `${name}(word ${access.addr}, ${access.a} → ${access.b})`;
    case AccessOp.wait:
      return `${name}(word ${access.addr} == ${access.a})`;
    default:
      return `${name}(word ${access.addr}, ${access.a})`;
  }
}

/** The call as a line for messages: the Subject's own description, else its JSON. */
export function callText<Call>(describeCall: ((call: Call) => string) | undefined, call: Call): string {
  return describeCall ? describeCall(call) : JSON.stringify(call);
}
