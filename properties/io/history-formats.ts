/**
 * Readers for the history formats users of other checkers already have, so `interlock
 * check-history --model m.ts` can judge them without a conversion step:
 *
 * - `jsonl`: JSON lines, one event a line, in real-time order. Either a plain call/return log
 *   (`{"type":"call","process":1,"call":…}` / `{"type":"return","process":1,"result":…}`) or
 *   Jepsen-style operations (`{"type":"invoke"|"ok"|"fail"|"info","process":1,"f":…,"value":…}`).
 * - `edn`: a Jepsen history in EDN (`history.edn`: one op map a line, or one vector of them).
 * - `porcupine-ops`: a JSON array of Porcupine `Operation`s (`ClientId`, `Input`, `Call`, `Output`,
 *   `Return`).
 * - `porcupine-events`: a JSON array of Porcupine `Event`s (`ClientId`, `Kind` 0 = call / 1 = return,
 *   `Value`, `Id`), in real-time order.
 *
 * Every reader gives `Operation<unknown, unknown>`s numbered in file order (the number an error
 * names), with the call and result exactly as the file holds them; the user's model interprets
 * them. Jepsen semantics: `:ok` returned with its `:value`; `:info` is pending (it may or may not
 * have happened); `:fail` definitely did not happen and is dropped, as Knossos does; ops of the
 * `:nemesis` process are not client operations and are skipped. In line-ordered formats the line
 * order is the real-time order (a `time` field is allowed and ignored).
 *
 * Ill-formed input is a `HistoryError` naming the operation and the fix: unknown keys (a misspelt
 * `respond` must not make an operation pending), a process with two calls in flight or calling
 * again after its own pending call (Jepsen gives a crashed process a new id), a completion with no
 * call. `readHistoryText` refuses what is not a regular file (`/dev/zero`, a FIFO), files over a size
 * limit, and nesting deeper than `maxNesting` (256), before parsing anything.
 */
import { InputFileError, readBoundedText } from "./input-file.js";
import { scanNesting } from "./json-nesting.js";
import type { Operation } from "../checker/index.js";

/** The formats `check-history` reads besides its own `interlock-history` document. */
export const historyFormats = ["interlock", "jsonl", "edn", "porcupine-ops", "porcupine-events"] as const;
export type HistoryFormat = (typeof historyFormats)[number];

/** A history file could not be used; the message is one line naming the problem and the fix. */
export class HistoryError extends Error {
  override readonly name = "HistoryError";
}

/** A history file's default size limit: far above any history a checker can judge, far below the heap. */
export const defaultMaxBytes = 256 * 2 ** 20;

/** Deepest nesting of brackets a history file may have (real ones need fewer than 10; the same limit as reports/io.ts). */
export const maxNesting = 256;

/**
 * The text of a history file, read with a limit: refuses a non-regular file (device, FIFO,
 * socket, directory), a file larger than `maxBytes`, and a file not valid UTF-8 text is read as is.
 * Opens without blocking, so a FIFO with no writer cannot hang the reader.
 */
export function readHistoryText(path: string, maxBytes = defaultMaxBytes): string {
  const shown = JSON.stringify(path);
  try {
    return readBoundedText(path, maxBytes);
  } catch (e) {
    if (!(e instanceof InputFileError)) throw e;
    const p = e.problem;
    switch (p.kind) {
      case "missing":
        throw new HistoryError(`cannot read history file ${shown}: no such file`);
      case "directory":
        throw new HistoryError(`cannot read history file ${shown}: it is a directory`);
      case "unreadable":
        throw new HistoryError(`cannot read history file ${shown}: ${p.code === "EACCES" ? "permission denied" : (p.code ?? "unreadable")}`);
      case "not-regular":
        throw new HistoryError(`history file ${shown} is not a regular file (a device, FIFO or socket); save the history to a file and pass that`);
      case "too-large":
        throw new HistoryError(`history file ${shown} is ${p.size} bytes, over the ${maxBytes}-byte limit; raise --max-bytes if it really is one history`);
      case "grew":
        throw new HistoryError(`history file ${shown} grew past the ${maxBytes}-byte limit while being read`);
    }
  }
}

/**
 * Rejects nesting deeper than `maxNesting` (256) without recursion (a 100 k-deep document would overflow
 * the stack of any recursive reader or validator downstream). Brackets inside strings do not count;
 * `edn` also skips `;` comments and `\c` character literals, and requires the brackets to balance
 * (the EDN parser would return nothing for an unterminated form instead of failing).
 */
export function checkNesting(text: string, source: string, edn = false): void {
  const n = scanNesting(text, maxNesting, edn);
  if (n.tooDeepAt >= 0) throw new HistoryError(`${source} nests arrays or objects more than ${maxNesting} deep (at character ${n.tooDeepAt}); it is not a history`);
  if (n.unmatchedAt >= 0) throw new HistoryError(`${source}: a closing bracket with no opening one at character ${n.unmatchedAt}`);
  if (edn && (n.open !== 0 || n.openString)) throw new HistoryError(`${source}: ${n.openString ? "a string" : `${n.open} bracket(s)`} left open at the end; is the file truncated?`);
}

/**
 * Guesses a file's format from its name and first characters: `.edn` and EDN maps (`{:type …`) are
 * EDN, `.jsonl`/`.ndjson` and one JSON object a line are JSON lines, a JSON array of objects with
 * "ClientId" is Porcupine's (events when they have a "Kind"), and anything else is taken for interlock's own document, whose
 * reader gives the most precise error when it is not one.
 */
export function detectFormat(path: string, text: string): HistoryFormat {
  if (/\.edn$/i.test(path)) return "edn";
  if (/\.jsonl$|\.ndjson$/i.test(path)) return "jsonl";
  const start = text.trimStart();
  if (/^\[?\s*\{\s*:/.test(start)) return "edn";
  if (start.startsWith("[") && /"ClientId"\s*:/.test(start.slice(0, 4096))) {
    return /"Kind"\s*:/.test(start.slice(0, 4096)) ? "porcupine-events" : "porcupine-ops";
  }
  if (start.startsWith("{")) {
    // interlock's document has a "format" key; JSON lines have one complete object on the first line.
    const firstLine = start.split("\n", 1)[0]!.trim();
    if (/"format"\s*:\s*"interlock-history"/.test(start.slice(0, 4096))) return "interlock";
    if (firstLine.endsWith("}") && /"type"\s*:/.test(firstLine)) return "jsonl";
  }
  return "interlock";
}

/** A history read from a generic format: operations for a user's model. */
export interface GenericHistory {
  readonly format: Exclude<HistoryFormat, "interlock">;
  readonly operations: Operation<unknown, unknown>[];
  /** Distinct processes (clients) that made a call. */
  readonly processes: number;
  /** Operations dropped as Jepsen `:fail` (did not happen) or made by the nemesis. */
  readonly dropped: number;
}

/** Reads the text of a history in one of the generic formats. */
export async function parseGenericHistory(text: string, format: GenericHistory["format"], source: string): Promise<GenericHistory> {
  checkNesting(text, source, format === "edn");
  const builder = new HistoryBuilder(source, format);
  switch (format) {
    case "jsonl": {
      const lines = text.split("\n");
      for (const [k, line] of lines.entries()) {
        if (line.trim() === "") continue;
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch (e) {
          throw new HistoryError(`${source}: line ${k + 1} is not valid JSON (${(e as Error).message.split("\n")[0]}); a JSON-lines history holds one JSON object a line`);
        }
        builder.jsonlEvent(value, `line ${k + 1}`);
      }
      break;
    }
    case "edn": {
      const { parseEDNString } = await import("edn-data");
      let value: unknown;
      try {
        // Jepsen's history.edn holds one map a line; a vector of maps is read the same way. The
        // parser returns null for an unterminated form and ignores what follows a complete one, so
        // everything is wrapped in one vector and the brackets were checked to balance.
        value = parseEDNString(`[${text}\n]`, { mapAs: "object", keywordAs: "string", listAs: "array", setAs: "array" });
      } catch (e) {
        throw new HistoryError(`${source}: not valid EDN (${(e as Error).message.split("\n")[0]}); expected Jepsen op maps such as {:type :invoke, :f :read, :process 0}`);
      }
      if (!Array.isArray(value)) throw new HistoryError(`${source}: not valid EDN; expected Jepsen op maps such as {:type :invoke, :f :read, :process 0}`);
      let ops: unknown[] = value;
      if (Array.isArray(ops[0])) {
        // One vector of maps, which must be all there is.
        if (ops.length > 1) throw new HistoryError(`${source}: more data follows the vector of ops (${JSON.stringify(ops[1])?.slice(0, 40)}); a history is one vector or one map a line`);
        ops = ops[0] as unknown[];
      }
      for (const [k, op] of ops.entries()) builder.jepsenEvent(op, `op ${k}`);
      break;
    }
    case "porcupine-ops":
    case "porcupine-events": {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (e) {
        throw new HistoryError(`${source}: not valid JSON (${(e as Error).message.split("\n")[0]})`);
      }
      if (!Array.isArray(value)) throw new HistoryError(`${source}: a Porcupine history is a JSON array of ${format === "porcupine-ops" ? "Operations" : "Events"}`);
      if (format === "porcupine-ops") for (const [k, op] of value.entries()) builder.porcupineOperation(op, k);
      else for (const [k, event] of value.entries()) builder.porcupineEvent(event, k);
      break;
    }
  }
  return builder.finish();
}

type Raw = Record<string, unknown>;

/** Builds operations from events, enforcing one call in flight per process. */
class HistoryBuilder {
  private readonly operations: Operation<unknown, unknown>[] = [];
  /** Each process's call in flight, and where it was made. */
  private readonly open = new Map<number, { op: Operation<unknown, unknown>; where: string; f?: unknown; eventId?: unknown }>();
  /** Processes whose last call never returned (Jepsen :info): they may not call again. */
  private readonly crashed = new Map<number, string>();
  /** Porcupine event ids of calls, to match returns. */
  private readonly byEventId = new Map<string, number>();
  private readonly processes = new Set<number>();
  /** Operations that did not happen (Jepsen :fail), removed when the history is finished. */
  private readonly failed = new Set<number>();
  private dropped = 0;
  private time = 0;

  constructor(
    private readonly source: string,
    private readonly format: GenericHistory["format"],
  ) {}

  private fail(where: string, what: string): never {
    throw new HistoryError(`${this.source}: ${where}: ${what}`);
  }

  private object(value: unknown, where: string, allowed: readonly string[], required: readonly string[]): Raw {
    if (typeof value !== "object" || value === null || Array.isArray(value)) this.fail(where, `expected an object, got ${JSON.stringify(value)?.slice(0, 40)}`);
    const raw = value as Raw;
    for (const key of Object.keys(raw)) {
      if (!allowed.includes(key)) {
        this.fail(where, `unknown key ${JSON.stringify(key)}; expected only ${allowed.join(", ")} (a misspelt key would change what the operation means)`);
      }
    }
    for (const key of required) if (!(key in raw)) this.fail(where, `missing ${JSON.stringify(key)}`);
    return raw;
  }

  private process(value: unknown, where: string): number {
    if (typeof value !== "number" || !Number.isSafeInteger(value)) this.fail(where, `process ${JSON.stringify(value)} is not an integer`);
    return value;
  }

  /** A call by `process` at the current time. */
  private call(process: number, call: unknown, where: string, extra: { f?: unknown; eventId?: unknown } = {}): Operation<unknown, unknown> {
    const inFlight = this.open.get(process);
    if (inFlight !== undefined) this.fail(where, `process ${process} calls again while its call at ${inFlight.where} is still in flight; one process makes one call at a time`);
    const crashedAt = this.crashed.get(process);
    if (crashedAt !== undefined) {
      this.fail(where, `process ${process} calls again after its call at ${crashedAt} never returned; a crashed process must not call again (Jepsen gives it a new process id)`);
    }
    const op: Operation<unknown, unknown> = { id: this.operations.length, interp: process, call, invoke: this.time++ };
    this.operations.push(op);
    this.processes.add(process);
    this.open.set(process, { op, where, ...extra });
    return op;
  }

  /** The completion of `process`'s call in flight: returned with `result`, pending, or did not happen. */
  private complete(process: number, how: "ok" | "info" | "fail", result: unknown, where: string): Operation<unknown, unknown> {
    const inFlight = this.open.get(process);
    if (inFlight === undefined) this.fail(where, `process ${process} completes a call it never made (no call in flight)`);
    this.open.delete(process);
    const op = inFlight.op;
    if (how === "ok") {
      op.respond = this.time++;
      op.result = result;
    } else if (how === "info") {
      this.crashed.set(process, inFlight.where);
    } else {
      this.failed.add(op.id);
      this.dropped++;
    }
    return op;
  }

  jsonlEvent(value: unknown, where: string): void {
    const type = typeof value === "object" && value !== null ? (value as Raw)["type"] : undefined;
    if (type === "call" || type === "return") {
      const raw = this.object(value, where, type === "call" ? ["type", "process", "call", "time"] : ["type", "process", "result", "time"], ["process", type === "call" ? "call" : "result"]);
      const process = this.process(raw["process"], where);
      if (type === "call") this.call(process, raw["call"], where);
      else this.complete(process, "ok", raw["result"], where);
      return;
    }
    this.jepsenEvent(value, where);
  }

  jepsenEvent(value: unknown, where: string): void {
    const raw = this.object(value, where, ["type", "f", "value", "process", "time", "index", "error", "node"], ["type", "f", "process"]);
    if (raw["process"] === "nemesis") {
      if (raw["type"] === "invoke") this.dropped++;
      return;
    }
    const process = this.process(raw["process"], where);
    switch (raw["type"]) {
      case "invoke":
        this.call(process, { f: raw["f"], value: raw["value"] ?? null }, where, { f: raw["f"] });
        return;
      case "ok":
      case "info":
      case "fail": {
        const inFlight = this.open.get(process);
        if (inFlight !== undefined && inFlight.f !== raw["f"]) {
          this.fail(where, `process ${process} completes :${String(raw["f"])} but its call in flight (${inFlight.where}) is :${String(inFlight.f)}`);
        }
        this.complete(process, raw["type"], raw["value"] ?? null, where);
        return;
      }
      default:
        this.fail(where, `unknown type ${JSON.stringify(raw["type"])}; expected invoke, ok, fail or info${this.format === "jsonl" ? " (or call / return)" : ""}`);
    }
  }

  porcupineOperation(value: unknown, k: number): void {
    const where = `operation ${k}`;
    const raw = this.object(value, where, ["ClientId", "Input", "Call", "Output", "Return"], ["ClientId", "Input", "Call"]);
    const process = this.process(raw["ClientId"], where);
    const invoke = raw["Call"];
    const ret = raw["Return"];
    if (typeof invoke !== "number" || !Number.isFinite(invoke)) this.fail(where, `"Call" must be a number (a timestamp)`);
    const pending = ret === undefined || ret === null || (typeof ret === "number" && ret >= 2 ** 53);
    if (!pending && (typeof ret !== "number" || !Number.isFinite(ret))) this.fail(where, `"Return" must be a number (a timestamp), or absent for an operation that never returned`);
    if (!pending && (ret as number) < invoke) this.fail(where, `returns (${String(ret)}) before it is called (${invoke})`);
    if (!pending && !("Output" in raw)) this.fail(where, `returned without an "Output"`);
    const op: Operation<unknown, unknown> = { id: this.operations.length, interp: process, call: raw["Input"], invoke };
    if (!pending) {
      op.respond = ret as number;
      op.result = raw["Output"];
    }
    this.operations.push(op);
    this.processes.add(process);
  }

  porcupineEvent(value: unknown, k: number): void {
    const where = `event ${k}`;
    const raw = this.object(value, where, ["ClientId", "Kind", "Value", "Id"], ["ClientId", "Kind", "Id"]);
    const process = this.process(raw["ClientId"], where);
    const kind = raw["Kind"] === 0 || raw["Kind"] === "call" ? "call" : raw["Kind"] === 1 || raw["Kind"] === "return" ? "return" : undefined;
    if (kind === undefined) this.fail(where, `"Kind" must be 0 (call) or 1 (return), got ${JSON.stringify(raw["Kind"])}`);
    const id = JSON.stringify(raw["Id"]);
    if (kind === "call") {
      if (this.byEventId.has(id)) this.fail(where, `a second call with Id ${id}; each operation's call and return share one Id`);
      this.byEventId.set(id, process);
      this.call(process, raw["Value"], where, { eventId: id });
      return;
    }
    const caller = this.byEventId.get(id);
    if (caller === undefined) this.fail(where, `a return with Id ${id} that no earlier call has`);
    if (caller !== process) this.fail(where, `the return with Id ${id} names client ${process}, its call client ${caller}`);
    const inFlight = this.open.get(process);
    if (inFlight?.eventId !== id) this.fail(where, `the return with Id ${id} is not client ${process}'s call in flight`);
    this.complete(process, "ok", raw["Value"], where);
  }

  finish(): GenericHistory {
    // Calls still in flight at the end are pending; :fail operations are dropped and renumbered.
    const operations = this.failed.size === 0 ? this.operations : this.operations.filter((op) => !this.failed.has(op.id));
    if (this.format === "porcupine-ops") checkOneCallAtATime(operations, this.source);
    return { format: this.format, operations, processes: this.processes.size, dropped: this.dropped };
  }
}

/**
 * Writes a history in one of the generic formats (the inverse of `parseGenericHistory`): for tests,
 * benchmarks, and converting histories. Line-ordered formats put events in timestamp order (ties:
 * see below), and pending operations' `:info` completions (Jepsen formats) at the end. The Jepsen formats need
 * calls of the shape `{ f, value }`.
 */
export function writeGenericHistory(ops: readonly Operation<unknown, unknown>[], format: GenericHistory["format"] | "jsonl-calls"): string {
  if (format === "porcupine-ops") {
    return JSON.stringify(
      ops.map((op) => (op.respond === undefined ? { ClientId: op.interp, Input: op.call, Call: op.invoke } : { ClientId: op.interp, Input: op.call, Call: op.invoke, Output: op.result, Return: op.respond })),
    ) + "\n";
  }
  type Event = { op: Operation<unknown, unknown>; kind: "call" | "return" | "info"; time: number };
  const events: Event[] = [];
  for (const op of ops) {
    events.push({ op, kind: "call", time: op.invoke });
    if (op.respond !== undefined) events.push({ op, kind: "return", time: op.respond });
    else if (format === "jsonl" || format === "edn") events.push({ op, kind: "info", time: Infinity });
  }
  // At one timestamp calls go before returns (closed intervals that touch are concurrent), but a
  // process cannot call before its previous call returned: such a call waits for that return. Lines
  // cannot say "concurrent" otherwise, so a few touching intervals become ordered.
  const rank = { call: 0, return: 1, info: 2 };
  events.sort((a, b) => a.time - b.time || rank[a.kind] - rank[b.kind] || a.op.id - b.op.id);
  const ordered: Event[] = [];
  const inFlight = new Set<number>();
  const waiting = new Map<number, Event[]>();
  const emit = (e: Event): void => {
    ordered.push(e);
    if (e.kind === "call") inFlight.add(e.op.interp);
    else if (e.kind === "return") {
      inFlight.delete(e.op.interp);
      const next = waiting.get(e.op.interp)?.shift();
      if (next !== undefined) emit(next);
    }
  };
  for (const e of events) {
    if (e.kind === "call" && inFlight.has(e.op.interp)) {
      const queue = waiting.get(e.op.interp) ?? [];
      waiting.set(e.op.interp, queue);
      queue.push(e);
    } else emit(e);
  }
  const jepsen = (e: Event): { type: string; f: unknown; value: unknown; process: number } => {
    const call = e.op.call as { f?: unknown; value?: unknown };
    if (typeof call !== "object" || call === null || !("f" in call)) throw new TypeError(`operation ${e.op.id}: a Jepsen history needs calls of the shape { f, value }`);
    const type = e.kind === "call" ? "invoke" : e.kind === "return" ? "ok" : "info";
    return { type, f: call.f, value: e.kind === "return" ? e.op.result : (call.value ?? null), process: e.op.interp };
  };
  switch (format) {
    case "jsonl-calls":
      return ordered.map((e) => JSON.stringify(e.kind === "call" ? { type: "call", process: e.op.interp, call: e.op.call } : { type: "return", process: e.op.interp, result: e.op.result }) + "\n").join("");
    case "jsonl":
      return ordered.map((e) => JSON.stringify(jepsen(e)) + "\n").join("");
    case "edn":
      return ordered.map((e) => {
        const j = jepsen(e);
        return `{:type :${j.type}, :f :${String(j.f)}, :value ${toEdn(j.value)}, :process ${j.process}}\n`;
      }).join("");
    case "porcupine-events":
      return JSON.stringify(ordered.map((e) => ({ ClientId: e.op.interp, Kind: e.kind === "call" ? 0 : 1, Value: e.kind === "call" ? e.op.call : e.op.result, Id: e.op.id }))) + "\n";
  }
}

/** A JSON-like value in EDN (numbers, strings, nil, booleans, vectors, maps with keyword keys). */
function toEdn(value: unknown): string {
  if (value === null || value === undefined) return "nil";
  if (Array.isArray(value)) return `[${value.map(toEdn).join(" ")}]`;
  if (typeof value === "object") return `{${Object.entries(value).map(([k, v]) => `:${k} ${toEdn(v)}`).join(", ")}}`;
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

/**
 * Rejects a history in which a process has two calls in flight at once, or calls again after its
 * own call that never returned: one thread cannot do either, so the file is wrong, and judging it
 * would mean judging something that did not happen. Intervals are closed, so a call at the very
 * timestamp the same process's previous call returned is allowed.
 */
export function checkOneCallAtATime(ops: readonly Operation<unknown, unknown>[], source: string, name = "operation", who = "process"): void {
  const byProcess = new Map<number, Operation<unknown, unknown>[]>();
  for (const op of ops) {
    let list = byProcess.get(op.interp);
    if (list === undefined) byProcess.set(op.interp, (list = []));
    list.push(op);
  }
  for (const [process, list] of byProcess) {
    list.sort((a, b) => a.invoke - b.invoke || a.id - b.id);
    for (let k = 1; k < list.length; k++) {
      const before = list[k - 1]!;
      const op = list[k]!;
      if (before.respond === undefined) {
        throw new HistoryError(`${source}: ${name} ${op.id}: ${who} ${process} calls again after its ${name} ${before.id} never returned; a crashed ${who} must not call again (give it a new id)`);
      }
      if (op.invoke < before.respond) {
        throw new HistoryError(`${source}: ${name} ${op.id}: ${who} ${process} calls while its ${name} ${before.id} is still in flight (invoked ${op.invoke}, before ${before.respond}); one ${who} makes one call at a time`);
      }
    }
  }
}
