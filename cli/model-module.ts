import { existsSync, statSync } from "node:fs";
import { deserialize, serialize } from "node:v8";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Model, Operation, Verdict } from "../properties/checker/index.js";
import { fromPorcupine, type PorcupineModel } from "../properties/checker/porcupine.js";
import { UsageError } from "./errors.js";

/**
 * `check-history --model path/to/model`: a user's own sequential model, as `--impl` is a user's own
 * implementation. The module (.js, .mjs, or .ts — TypeScript is loaded through tsx) exports an
 * interlock `Model` as `default` or `model`, or a Porcupine-style model (`step(state, input, output)
 * → [ok, next]`) as `porcupineModel`. Examples to copy: properties/checker/examples/. Anything else
 * is a usage error naming what is wrong.
 */
export async function loadModelModule(path: string): Promise<Model<unknown, unknown, unknown>> {
  const file = resolve(path);
  if (!existsSync(file) || !statSync(file).isFile()) throw new UsageError(`--model ${path}: no such file`);
  let mod: Record<string, unknown>;
  try {
    mod = await importUserModule(file);
  } catch (e) {
    throw new UsageError(`--model ${path}: the module failed to load (${firstLine(e)})`);
  }
  const fail = (what: string): never => {
    throw new UsageError(`--model ${path}: ${what} (see properties/checker/README.md, "Your own model")`);
  };
  if (mod["porcupineModel"] !== undefined) {
    const m = mod["porcupineModel"] as Partial<PorcupineModel<unknown, unknown, unknown>> | null;
    if (typeof m !== "object" || m === null || typeof m.init !== "function" || typeof m.step !== "function") {
      fail(`export "porcupineModel" must be an object with init() and step(state, input, output)`);
    }
    return fromPorcupine(m as PorcupineModel<unknown, unknown, unknown>);
  }
  const model = (mod["model"] ?? mod["default"]) as Partial<Model<unknown, unknown, unknown>> | null | undefined;
  if (model === undefined) fail(`exports no model; export an interlock Model as "default" or "model", or a Porcupine-style one as "porcupineModel"`);
  if (typeof model !== "object" || model === null) fail(`the exported model is a ${model === null ? "null" : typeof model}, not an object`);
  if (typeof model!.init !== "function" || typeof model!.step !== "function") fail(`the exported model needs init() and step(state, process, call, observed)`);
  for (const optional of ["equalResult", "equal", "hash", "partition", "describeCall", "describeResult", "describeState"] as const) {
    if (model![optional] !== undefined && typeof model![optional] !== "function") fail(`"${optional}" must be a function when present`);
  }
  return model as Model<unknown, unknown, unknown>;
}

/** Imports a user's module by absolute path: .js/.mjs natively, .ts/.mts/.cts through tsx. */
export async function importUserModule(file: string): Promise<Record<string, unknown>> {
  if (/\.[cm]?ts$/.test(file)) {
    const { tsImport } = await import("tsx/esm/api");
    return (await tsImport(pathToFileURL(file).href, import.meta.url)) as Record<string, unknown>;
  }
  return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
}

/** The first line of an error's message (never a stack). */
export function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0]!.slice(0, 300);
}

/** What the `check-history --model` worker is given (model-check-worker.ts). */
export interface CheckRequest {
  modelPath: string;
  /** The history; to a worker it goes once serialized (`packOperations`), not cloned per worker. */
  operations: Operation<unknown, unknown>[] | SharedArrayBuffer;
  budget: { timeMs: number; maxNodes: number; maxMemoEntries: number };
  /**
   * Check partitions claimed one at a time from `claim` (an Int32Array counter shared by `of`
   * workers: largest partitions first, each to whichever worker is free), each on its own; the
   * answer is then a `ShareAnswer`.
   */
  share?: { of: number; claim: SharedArrayBuffer };
  /** How the history is named in the output. */
  name: string;
  json: boolean;
}

/** What `check-history` prints for a verdict, and its exit code (0 ok, 1 violation, 3 unknown). */
export function verdictOutput(
  verdict: Verdict<unknown, unknown>,
  name: string,
  ops: number,
  json: boolean,
  describeCall: (o: Operation<unknown, unknown>) => string,
  describeResult: (o: Operation<unknown, unknown>) => string,
): { lines: string[]; code: 0 | 1 | 3 } {
  const code = verdict.kind === "ok" ? 0 : verdict.kind === "violation" ? 1 : 3;
  const describe = (o: Operation<unknown, unknown>) => ({ id: o.id, call: describeCall(o), result: o.respond === undefined ? "pending" : describeResult(o) });
  if (json) {
    const body =
      verdict.kind === "ok"
        ? { verdict: "ok", operations: ops, linearization: verdict.linearization.map((o) => o.id) }
        : verdict.kind === "violation"
          ? { verdict: "violation", operations: ops, partition: verdict.partition, prefix: verdict.prefix.map(describe), stuck: verdict.stuck.map(describe), explanation: verdict.explanation }
          : { verdict: "unknown", operations: ops, reason: verdict.reason, detail: verdict.detail, decided: verdict.decided, undecided: verdict.undecided };
    return { lines: [JSON.stringify(body, null, 2)], code };
  }
  if (verdict.kind === "ok") return { lines: [`ok: ${ops} operations of ${name} are linearizable with respect to the model`], code };
  if (verdict.kind === "violation") return { lines: [`violation: ${name} history is not linearizable (${verdict.prefix.length} of ${ops} operations placed)`, verdict.explanation], code };
  return { lines: [`unknown: ${verdict.detail}`], code };
}

/**
 * A share worker's answer: the ids of each partition it showed linearizable, by partition index,
 * or `undefined` when its share is not all linearizable within its budget (the whole check is then
 * run on one thread, which decides).
 */
export type ShareAnswer = [number, number[]][] | undefined;

/**
 * The history serialized once (V8's structured serialization, so whatever a reader produced —
 * Maps, keywords — survives) into shared memory: each worker deserializes it in parallel, instead
 * of the main thread cloning it once per worker before any starts.
 */
export function packOperations(operations: readonly Operation<unknown, unknown>[]): SharedArrayBuffer {
  const bytes = serialize(operations);
  const shared = new SharedArrayBuffer(bytes.length);
  new Uint8Array(shared).set(bytes);
  return shared;
}

/** The history `packOperations` packed (an array passed as is). */
export function unpackOperations(operations: Operation<unknown, unknown>[] | SharedArrayBuffer): Operation<unknown, unknown>[] {
  if (Array.isArray(operations)) return operations;
  return deserialize(Buffer.from(new Uint8Array(operations as SharedArrayBuffer))) as Operation<unknown, unknown>[];
}
