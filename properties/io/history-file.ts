import { Either, ParseResult, Schema } from "effect";
import {
  familyNames,
  interpOf,
  isFamilyName,
  MAX_THREADS_PER_INTERP,
  models,
  Result,
  threadId,
  threadIndexOf,
  type AnyCall,
  type FamilyName,
  type ModelConfig,
} from "../../model/index.js";
import type { Operation } from "../checker/index.js";
import { checkOneCallAtATime, HistoryError } from "./history-formats.js";

export { HistoryError };

/**
 * History files: the format stress runs write and `interlock check-history` reads, so histories
 * recorded elsewhere (another implementation, another language) can be judged against the model.
 *
 * One JSON document:
 *   { "format": "interlock-history", "version": 1, "family": "module_slots",
 *     "config": { "interpreters": 3, "capacity": 4 },
 *     "operations": [ { "interp": 1, "call": { "_tag": "use_global_state", "def": "odbc" },
 *                       "invoke": 3, "respond": 5, "result": { "_tag": "Ok", "value": 1 } }, … ] }
 * Timestamps are logical and intervals closed (equal stamps are concurrent). An operation without
 * `respond` and `result` is pending: invoked, never returned. Calls are decoded with the family's
 * own Call schema, so a file can hold only calls that family defines.
 *
 * Threads (model D18): an operation may name the thread of its interpreter that made it,
 * `"thread": 2` (1..4; absent: 1, as in every file written before threads existed); each thread
 * makes one call at a time, and a lock is held by a thread. `config.threads` (absent: 1) says how
 * many threads per interpreter the run had.
 */
export const HISTORY_FORMAT = "interlock-history";
export const HISTORY_VERSION = 1;

const Config = Schema.Struct({
  interpreters: Schema.Int.pipe(Schema.between(1, 8)),
  capacity: Schema.Int.pipe(Schema.between(1, 255)),
  threads: Schema.optional(Schema.Int.pipe(Schema.between(1, MAX_THREADS_PER_INTERP))),
});

const RawOperation = Schema.Struct({
  interp: Schema.Int.pipe(Schema.between(1, 8)),
  thread: Schema.optional(Schema.Int.pipe(Schema.between(1, MAX_THREADS_PER_INTERP))),
  call: Schema.Unknown,
  invoke: Schema.Int.pipe(Schema.nonNegative()),
  respond: Schema.optional(Schema.Int.pipe(Schema.nonNegative())),
  result: Schema.optional(Result),
});

export const HistoryFileSchema = Schema.Struct({
  format: Schema.Literal(HISTORY_FORMAT),
  version: Schema.Literal(HISTORY_VERSION),
  family: Schema.Literal(...familyNames),
  config: Config,
  operations: Schema.Array(RawOperation),
});

export interface HistoryFile {
  readonly family: FamilyName;
  readonly config: ModelConfig;
  readonly operations: Operation<AnyCall, Result>[];
}

function firstIssue(e: ParseResult.ParseError): string {
  const issues = ParseResult.ArrayFormatter.formatErrorSync(e);
  const i = issues[0];
  if (!i) return "does not match the history format";
  const at = i.path.length ? `at ${i.path.map(String).join(".")}: ` : "";
  return `${at}${i.message}`;
}

/** Decodes a parsed history document; throws HistoryError with a one-line reason. */
export function decodeHistory(doc: unknown, source = "history"): HistoryFile {
  if (typeof doc !== "object" || doc === null) throw new HistoryError(`${source}: not a JSON object; expected an interlock history (see README, "History files")`);
  const d = doc as Record<string, unknown>;
  if (d["format"] !== HISTORY_FORMAT) throw new HistoryError(`${source}: "format" must be "${HISTORY_FORMAT}"`);
  if (d["version"] !== HISTORY_VERSION) throw new HistoryError(`${source}: version ${JSON.stringify(d["version"])} is not supported; this interlock reads version ${HISTORY_VERSION}`);
  if (typeof d["family"] === "string" && !isFamilyName(d["family"])) {
    throw new HistoryError(`${source}: unknown family "${d["family"]}"; expected one of ${familyNames.join(", ")}`);
  }
  rejectUnknownKeys(d, source);
  const parsed = Schema.decodeUnknownEither(HistoryFileSchema)(doc, { errors: "first" });
  if (Either.isLeft(parsed)) throw new HistoryError(`${source}: ${firstIssue(parsed.left)}`);
  const file = parsed.right;
  const decodeCall = Schema.decodeUnknownEither(models[file.family].Call);
  const operations: Operation<AnyCall, Result>[] = file.operations.map((raw, id) => {
    const call = decodeCall(raw.call);
    if (Either.isLeft(call)) throw new HistoryError(`${source}: operation ${id}: not a ${file.family} call (${firstIssue(call.left)})`);
    if ((raw.respond === undefined) !== (raw.result === undefined)) {
      throw new HistoryError(`${source}: operation ${id}: "respond" and "result" must be given together (both absent = pending)`);
    }
    if (raw.interp > file.config.interpreters) {
      throw new HistoryError(`${source}: operation ${id}: interp ${raw.interp} exceeds config.interpreters (${file.config.interpreters})`);
    }
    if ((raw.thread ?? 1) > (file.config.threads ?? 1)) {
      throw new HistoryError(`${source}: operation ${id}: thread ${raw.thread} exceeds config.threads (${file.config.threads ?? 1}); give the run's threads per interpreter in "config"`);
    }
    if (raw.respond !== undefined && raw.respond < raw.invoke) {
      throw new HistoryError(`${source}: operation ${id}: responds (${raw.respond}) before it is invoked (${raw.invoke})`);
    }
    // The checker's acting party is the thread (D18): thread 1 of interpreter i is i.
    const op: Operation<AnyCall, Result> = { id, interp: threadId(raw.interp, raw.thread ?? 1), call: call.right as AnyCall, invoke: raw.invoke };
    if (raw.respond !== undefined && raw.result !== undefined) {
      op.respond = raw.respond;
      op.result = raw.result;
    }
    return op;
  });
  checkOneCallAtATime(operations, source, "operation", "interp");
  const { interpreters, capacity, threads } = file.config;
  return { family: file.family, config: threads === undefined ? { interpreters, capacity } : { interpreters, capacity, threads }, operations };
}

const documentKeys = ["format", "version", "family", "config", "operations"];
const operationKeys = ["interp", "thread", "call", "invoke", "respond", "result"];

/**
 * Rejects keys the format does not define, naming the operation: a misspelt `respond` or `result`
 * would otherwise make a returned operation pending and could turn a violation into "ok".
 */
function rejectUnknownKeys(doc: Record<string, unknown>, source: string): void {
  for (const key of Object.keys(doc)) {
    if (!documentKeys.includes(key)) throw new HistoryError(`${source}: unknown key ${JSON.stringify(key)} in the document; expected only ${documentKeys.join(", ")}`);
  }
  const ops = doc["operations"];
  if (!Array.isArray(ops)) return;
  for (const [id, op] of ops.entries()) {
    if (typeof op !== "object" || op === null) continue;
    for (const key of Object.keys(op)) {
      if (!operationKeys.includes(key)) {
        throw new HistoryError(`${source}: operation ${id}: unknown key ${JSON.stringify(key)}; expected only ${operationKeys.join(", ")} (a misspelt "respond" or "result" would make the operation pending)`);
      }
    }
  }
}

/** Encodes a history as the JSON document above (stable key order, so files are byte-identical). */
export function encodeHistory(h: HistoryFile): string {
  const ops = h.operations.map((o) => {
    // An operation's `interp` is its thread id (D18): written as the interpreter and, past its first thread, the thread.
    const base: Record<string, unknown> =
      threadIndexOf(o.interp) === 1 ? { interp: o.interp, call: o.call, invoke: o.invoke } : { interp: interpOf(o.interp), thread: threadIndexOf(o.interp), call: o.call, invoke: o.invoke };
    if (o.respond !== undefined) {
      base["respond"] = o.respond;
      base["result"] = o.result;
    }
    return base;
  });
  const doc = { format: HISTORY_FORMAT, version: HISTORY_VERSION, family: h.family, config: h.config, operations: ops };
  return JSON.stringify(doc, null, 1) + "\n";
}
