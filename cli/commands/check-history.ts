import type { Model, Operation } from "../../properties/checker/index.js";
import { defaultMaxBytes, detectFormat, HistoryError, historyFormats, readHistoryText, type HistoryFormat } from "../../properties/io/history-formats.js";
import { intFlag } from "../args.js";
import { ExitCode, UsageError } from "../errors.js";
import { existsSync, statSync } from "node:fs";
import { firstLine, packOperations, verdictOutput, type CheckRequest, type ShareAnswer } from "../model-module.js";
import { register } from "../command.js";

register({
  name: "check-history",
  summary: "judge a recorded history (interlock, JSON lines, Jepsen EDN, Porcupine) for linearizability",
  help: [
    "Usage: interlock check-history <file> [--model m.ts | --family f] [--format f] [--max-nodes n]",
    "                               [--max-memo n] [--time-ms n] [--max-bytes n] [--jobs n] [--json]",
    "",
    "Checks that the history in <file> is linearizable with respect to a sequential model: some",
    "order of the operations, consistent with real time, that the model accepts with the same",
    "results. Pending operations (Jepsen :info, calls that never returned) may or may not have",
    "taken effect; Jepsen :fail operations did not happen and are dropped.",
    "",
    "  --model m.ts   your own model (export default Model, or porcupineModel); needed for every",
    "                 format but interlock's own. Examples to copy: properties/checker/examples/",
    "  --family f     for an interlock-history file: expect this family (a mismatch is an error)",
    `  --format f     ${historyFormats.join(" | ")} (default: from the file name and content)`,
    "  --max-nodes n  work budget in search nodes (default 500000000); running out gives exit 3",
    "  --max-memo n   memo entries held at once (default 2000000); running out gives exit 3",
    "  --time-ms n    wall-clock safety net (default 300000); running out gives exit 3",
    `  --max-bytes n  refuse a file larger than this (default ${defaultMaxBytes})`,
    "  --json         print the verdict as JSON",
    "  --jobs n       with --model: worker threads the partitions are spread over (default 1;",
    "                 2 uses both cores); when every share is linearizable that is the verdict,",
    "                 otherwise one thread checks the whole history and decides",
    "",
    "The --model module runs in a worker thread with a heap limit, like --impl code: a model that",
    "throws, never returns from a call or runs out of memory is the module's failure (exit 4).",
    "",
    "Exit codes: 0 linearizable, 1 not linearizable, 2 unreadable or ill-formed input (or a module",
    "that exports no usable model), 3 a budget ran out (the message says which partitions were",
    "decided), 4 the module under test failed.",
  ].join("\n"),
  options: {
    family: { type: "string" },
    model: { type: "string" },
    format: { type: "string" },
    "time-ms": { type: "string" },
    "max-nodes": { type: "string" },
    "max-memo": { type: "string" },
    "max-bytes": { type: "string" },
    json: { type: "boolean" },
    jobs: { type: "string" },
  },
  positionals: { min: 1, max: 1, name: "history file" },
  async run(args, out) {
    const path = args.positionals[0]!;
    const timeMs = intFlag(args.values["time-ms"], "time-ms", 1, 86_400_000, 300_000);
    const maxNodes = intFlag(args.values["max-nodes"], "max-nodes", 1, Number.MAX_SAFE_INTEGER, 500_000_000);
    const maxMemoEntries = intFlag(args.values["max-memo"], "max-memo", 1, 15_000_000, 2_000_000);
    const maxBytes = intFlag(args.values["max-bytes"], "max-bytes", 1, 2 ** 29, defaultMaxBytes);
    const formatFlag = args.values["format"];
    if (formatFlag !== undefined && !historyFormats.includes(formatFlag as HistoryFormat)) {
      throw new UsageError(`--format must be one of ${historyFormats.join(", ")}, got ${JSON.stringify(formatFlag)}`);
    }
    const modelPath = typeof args.values["model"] === "string" ? args.values["model"] : undefined;
    if (modelPath !== undefined && args.values["family"] !== undefined) throw new UsageError(`--model and --family cannot be combined: --model replaces the family's model`);
    const budget = { timeMs, maxNodes, maxMemoEntries };
    const jobs = intFlag(args.values["jobs"], "jobs", 1, 64, 1);
    if (modelPath !== undefined) {
      // The user's model is code under test: it is loaded and run in a sandboxed worker.
      const { operations, name } = await readOtherFormat(path, formatFlag as HistoryFormat | undefined, maxBytes, modelPath, args.values["family"]);
      const { runModelCheck, loadTimeoutMs, ModuleFailure } = await import("../impl-sandbox.js");
      // Serialized once, for every worker (the shares and, if they do not decide, the single one).
      const request: CheckRequest = { modelPath, operations: packOperations(operations), budget, name, json: args.values["json"] === true };
      const loadMs = loadTimeoutMs(modelPath);
      try {
        const linearization = jobs > 1 ? await inShares(request, operations, jobs, loadMs) : undefined;
        const { lines, code } =
          linearization !== undefined
            ? verdictOutput({ kind: "ok", linearization }, name, operations.length, request.json, String, String)
            : await runModelCheck<{ lines: string[]; code: 0 | 1 | 3 }>(request, loadMs);
        for (const line of lines) out.out(line);
        return code;
      } catch (e) {
        if (!(e instanceof ModuleFailure)) throw e;
        out.err(`interlock: the module under test failed: ${e.message}`);
        return ExitCode.moduleFailed;
      }
    }
    const subject = await familySubjectOf(path, formatFlag as HistoryFormat | undefined, maxBytes, args.values["family"]);
    const { checkHistory } = await import("../../properties/checker/index.js");
    const verdict = checkHistory(subject.model, subject.operations, budget);
    const { lines, code } = verdictOutput(verdict, subject.name, subject.operations.length, args.values["json"] === true, subject.describeCall, subject.describeResult);
    for (const line of lines) out.out(line);
    return code;
  },
});

/**
 * Checks the history's partitions on `jobs` workers at once. The history goes to them serialized
 * once into shared memory; each worker takes the next unchecked partition (largest first) from a
 * shared counter whenever it is free, so a slow partition does not leave the other core idle, and
 * checks it alone with its share of the work and memo budgets. When every partition is
 * linearizable, the linearization is theirs put together in partition order — the one a single
 * thread gives. As soon as any is not (a violation, a budget, a failure), the others are stopped
 * and `undefined` returned: the check is then run on one thread with the whole budget, and that
 * decides. Either way the answer does not depend on which worker finishes first.
 */
async function inShares(request: CheckRequest, operations: readonly Operation<unknown, unknown>[], jobs: number, loadMs: number): Promise<Operation<unknown, unknown>[] | undefined> {
  const { runModelCheck } = await import("../impl-sandbox.js");
  const stop = new AbortController();
  const budget = { ...request.budget, maxNodes: Math.max(1, Math.floor(request.budget.maxNodes / jobs)), maxMemoEntries: Math.max(1, Math.floor(request.budget.maxMemoEntries / jobs)) };
  const share = { of: jobs, claim: new SharedArrayBuffer(4) };
  const shares = Array.from({ length: jobs }, () =>
    runModelCheck<ShareAnswer>({ ...request, budget, share }, loadMs, stop.signal).then(
      (answer) => {
        if (answer === undefined) stop.abort(new Error("a share is not linearizable"));
        return answer;
      },
      () => {
        stop.abort(new Error("a share failed"));
        return undefined;
      },
    ),
  );
  const answers = await Promise.all(shares);
  if (answers.some((a) => a === undefined)) return undefined;
  const byId = new Map(operations.map((op) => [op.id, op]));
  const parts = answers.flatMap((a) => a!).sort((x, y) => x[0] - y[0]);
  return parts.flatMap(([, ids]) => ids.map((id) => byId.get(id)!));
}

/** What is checked: the operations, the model, and how to name them in the output. */
interface Subject {
  name: string;
  model: Model<unknown, unknown, unknown>;
  operations: Operation<unknown, unknown>[];
  describeCall(o: Operation<unknown, unknown>): string;
  describeResult(o: Operation<unknown, unknown>): string;
}

/** Reads and decodes an interlock-history file; every problem is a one-line UsageError (exit 2). */
async function familySubjectOf(path: string, formatFlag: HistoryFormat | undefined, maxBytes: number, familyFlag: unknown): Promise<Subject> {
  return readingHistory(path, async () => {
    const text = readHistoryText(path, maxBytes);
    const format = formatFlag ?? detectFormat(path, text);
    if (format !== "interlock") {
      throw new UsageError(`${path} is a ${format} history, which does not say what its calls mean: pass --model path/to/model.ts (examples to copy: properties/checker/examples/)`);
    }
    return familySubject(path, text, familyFlag);
  });
}

/** Reads a history of another tool's format, for `--model`; every problem is a one-line UsageError. */
async function readOtherFormat(
  path: string,
  formatFlag: HistoryFormat | undefined,
  maxBytes: number,
  modelPath: string,
  familyFlag: unknown,
): Promise<{ operations: Operation<unknown, unknown>[]; name: string }> {
  if (familyFlag !== undefined) throw new UsageError(`--model and --family cannot be combined: --model replaces the family's model`);
  if (!existsSync(modelPath) || !statSync(modelPath).isFile()) throw new UsageError(`--model ${modelPath}: no such file`);
  return readingHistory(path, async () => {
    const text = readHistoryText(path, maxBytes);
    const format = formatFlag ?? detectFormat(path, text);
    if (format === "interlock") throw new UsageError(`--model is for histories in other formats; ${path} is an interlock history of a built-in family (drop --model)`);
    const { parseGenericHistory } = await import("../../properties/io/history-formats.js");
    const history = await parseGenericHistory(text, format, path);
    const name = `${path} (${format}, ${history.processes} processes${history.dropped ? `, ${history.dropped} failed or nemesis operations dropped` : ""})`;
    return { operations: history.operations, name };
  });
}

/** Runs a history reader, turning whatever it throws into a one-line UsageError. */
async function readingHistory<T>(path: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (e) {
    if (e instanceof HistoryError) throw new UsageError(e.message);
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${path}: cannot be read as a history (${firstLine(e)})`);
  }
}

/** An interlock-history file: a built-in family's model and calls. */
async function familySubject(path: string, text: string, familyFlag: unknown): Promise<Subject> {
  const [{ checkNesting }, { decodeHistory }, { describeResult, models }, { checkerModel }, { familiesFlag }] = await Promise.all([
    import("../../properties/io/history-formats.js"),
    import("../../properties/io/history-file.js"),
    import("../../model/index.js"),
    import("../../properties/judge/checker-model.js"),
    import("../args.js"),
  ]);
  const expected = familyFlag === undefined ? undefined : familiesFlag(familyFlag)[0];
  checkNesting(text, path);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`history file "${path}" is not valid JSON (${firstLine(e)}); is it truncated?`);
  }
  const history = decodeHistory(doc, path);
  if (expected && expected !== history.family) {
    throw new UsageError(`${path} holds a ${history.family} history, not ${expected}; drop --family or pick the right file`);
  }
  const family = models[history.family];
  return {
    name: history.family,
    model: checkerModel(family, history.config) as unknown as Model<unknown, unknown, unknown>,
    operations: history.operations as Operation<unknown, unknown>[],
    describeCall: (o) => family.describeCall(o.interp, o.call as never),
    describeResult: (o) => describeResult(o.result as never),
  };
}
