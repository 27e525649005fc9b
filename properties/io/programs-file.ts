import { Either, ParseResult, Schema } from "effect";
import {
  defs,
  familyNames,
  isFamilyName,
  MAX_THREADS_PER_INTERP,
  models,
  names,
  refTo,
  sizeOfThreads,
  threadId,
  threadsOfSet,
  withThreads,
  type AnyCall,
  type Def,
  type FamilyName,
  type Name,
  type Threaded,
} from "../../model/index.js";
import { InputFileError, readBoundedText } from "./input-file.js";
import { callExamples } from "../workload/program-arbitraries.js";
import { typicalProgram } from "../workload/typical-programs.js";

/**
 * Chosen workloads: a programs file (`interlock verify --programs file.json`) gives, per family,
 * one program per interpreter, used by every strategy in place of the typical program. One JSON
 * object, families as keys:
 *
 *   { "module_slots": [
 *       [ { "_tag": "PyModule_ExecDef", "def": "odbc", "initFails": false, "execFails": false, "initImportsSelf": false },
 *         { "_tag": "Py_FinalizeEx" } ],
 *       [ { "_tag": "use_global_state", "def": "odbc" } ] ] }
 *
 * Every call is decoded with the family's own Call schema (model/), excess keys refused. An index
 * or key argument is a number (a negative one is a reference, as in a report's raw calls) or
 * `"received"` — the index this interpreter last received for the call's own (def, name) — or
 * `"received:<def>/<name>"` for a store key, which names no (def, name) of its own.
 *
 * Threads (model D18): a program may instead be an object naming the thread that runs it,
 * `{ "interp": 1, "thread": 2, "calls": [ … ] }` (`thread` 1..4, absent: 1) — then several programs
 * may run in one interpreter, each on its own thread. A plain array at position i is thread 1 of
 * interpreter i + 1, as before.
 */
export type ChosenPrograms = Readonly<Partial<Record<FamilyName, Threaded<AnyCall[][]>>>>;

/** A program written as an object: the thread that runs it and its calls (D18). */
const ThreadProgram = Schema.Struct({
  interp: Schema.Int.pipe(Schema.between(1, 8)),
  thread: Schema.optional(Schema.Int.pipe(Schema.between(1, MAX_THREADS_PER_INTERP))),
  calls: Schema.Array(Schema.Unknown),
});

/** A programs file that cannot be used: `message` is one line naming the problem and the fix. */
export class ProgramsFileError extends Error {
  override readonly name = "ProgramsFileError";
}

/** Programs files are hand-written: far below this. */
export const MAX_PROGRAMS_BYTES = 4 * 2 ** 20;
/** The runtime's most interpreters (verify's --interpreters bound). */
const MAX_INTERPRETERS = 8;

/** Reads and decodes a programs file; throws ProgramsFileError with a one-line message. */
export function readProgramsFile(path: string): ChosenPrograms {
  const shown = JSON.stringify(path);
  let text: string;
  try {
    text = readBoundedText(path, MAX_PROGRAMS_BYTES);
  } catch (e) {
    if (!(e instanceof InputFileError)) throw e;
    const p = e.problem;
    const why =
      p.kind === "missing" ? "no such file"
      : p.kind === "directory" ? "it is a directory"
      : p.kind === "not-regular" ? "not a regular file (a device, FIFO or socket)"
      : p.kind === "too-large" ? `${p.size} bytes, over the ${MAX_PROGRAMS_BYTES}-byte limit of a programs file`
      : p.kind === "grew" ? "it grew while being read"
      : p.code === "EACCES" ? "permission denied" : (p.code ?? "unreadable");
    throw new ProgramsFileError(`--programs ${shown}: ${why}; pass a JSON file of programs (README, "The command line")`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new ProgramsFileError(`--programs ${shown}: not valid JSON (${(e as Error).message}); write one object mapping each family to its programs`);
  }
  return decodePrograms(doc, `--programs ${shown}`);
}

/** Decodes a parsed programs document (see the file comment); `source` starts every message. */
export function decodePrograms(doc: unknown, source: string): ChosenPrograms {
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new ProgramsFileError(`${source}: not a JSON object; write { "<family>": [[calls of interpreter 1], [calls of interpreter 2], …] }`);
  }
  const entries = Object.entries(doc as Record<string, unknown>);
  if (entries.length === 0) throw new ProgramsFileError(`${source}: names no family; add one, e.g. "module_slots": [[…], […]]`);
  const out: Partial<Record<FamilyName, AnyCall[][]>> = {};
  for (const [family, sets] of entries) {
    if (!isFamilyName(family)) throw new ProgramsFileError(`${source}: unknown family ${JSON.stringify(family)}; expected one of ${familyNames.join(", ")}`);
    out[family] = decodeFamilyPrograms(family, sets, source);
  }
  return out;
}

function decodeFamilyPrograms(family: FamilyName, sets: unknown, source: string): Threaded<AnyCall[][]> {
  const most = MAX_INTERPRETERS * MAX_THREADS_PER_INTERP;
  if (!Array.isArray(sets) || sets.length < 1 || sets.length > most) {
    throw new ProgramsFileError(`${source}: ${family} must be an array of 1 to ${most} programs, one per interpreter (or thread), each an array of calls`);
  }
  const threads: number[] = [];
  const programs = sets.map((program: unknown, i) => {
    const { thread, calls, who } = threadProgram(program, i, `${source}: ${family}`);
    threads.push(thread);
    return calls.map((raw: unknown, c) => decodeCall(family, raw, `${source}: ${family}, ${who}, call ${c + 1}`));
  });
  if (threads.every((t, i) => t === i + 1)) return programs;
  const seen = new Set<number>();
  for (const t of threads) {
    if (seen.has(t)) throw new ProgramsFileError(`${source}: ${family} gives two programs to interp ${((t - 1) % 8) + 1} thread ${Math.floor((t - 1) / 8) + 1}; give each thread one program`);
    seen.add(t);
  }
  return withThreads(programs, threads);
}

/** One program: an array of calls (thread 1 of interpreter i + 1) or `{ interp, thread, calls }` (D18). */
function threadProgram(program: unknown, i: number, where: string): { thread: number; calls: readonly unknown[]; who: string } {
  if (Array.isArray(program)) return { thread: i + 1, calls: program, who: `interpreter ${i + 1}` };
  const decoded = Schema.decodeUnknownEither(ThreadProgram)(program, { errors: "first", onExcessProperty: "error" });
  if (Either.isLeft(decoded)) {
    throw new ProgramsFileError(
      `${where}, program ${i + 1}: ${firstIssue(decoded.left)}; write an array of calls ([] for an interpreter that makes no call) or { "interp": 1, "thread": 2, "calls": [ … ] }`,
    );
  }
  const { interp, thread = 1, calls } = decoded.right;
  return { thread: threadId(interp, thread), calls, who: thread === 1 ? `interpreter ${interp}` : `interpreter ${interp} thread ${thread}` };
}

/** One call: its `_tag` named first (the clearest message), references resolved, then the family's Schema. */
function decodeCall(family: FamilyName, raw: unknown, where: string): AnyCall {
  const examples = examplesOf(family);
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new ProgramsFileError(`${where}: not a call object; write e.g. ${exampleOf(examples.values().next().value as AnyCall)}`);
  const tag = (raw as Record<string, unknown>)["_tag"];
  const example = typeof tag === "string" ? examples.get(tag) : undefined;
  if (example === undefined) {
    throw new ProgramsFileError(`${where}: ${tag === undefined ? "no \"_tag\"" : `${JSON.stringify(tag)} is not a ${family} call`}; the family's calls are ${[...examples.keys()].join(", ")}`);
  }
  const call = withReferences(raw as Record<string, unknown>, where);
  const decoded = Schema.decodeUnknownEither(models[family].Call)(call, { errors: "first", onExcessProperty: "error" });
  if (Either.isLeft(decoded)) throw new ProgramsFileError(`${where}: ${firstIssue(decoded.left)}; write it as ${exampleOf(example)}`);
  return decoded.right as AnyCall;
}

/** One example per call of the family: the typical program's own where it has the call, else one drawn from the Schema. */
function examplesOf(family: FamilyName): ReadonlyMap<string, AnyCall> {
  const typical = new Map<string, AnyCall>(typicalProgram(family).map((c) => [c._tag, c]));
  return new Map([...callExamples(family)].map(([tag, drawn]) => [tag, typical.get(tag) ?? drawn]));
}

/** `"received"` / `"received:<def>/<name>"` in an index or key, as the reference the model resolves. */
function withReferences(raw: Record<string, unknown>, where: string): Record<string, unknown> {
  const next = { ...raw };
  for (const field of ["index", "key"] as const) {
    const v = next[field];
    if (typeof v !== "string") continue;
    const named = /^received(?::([^/]+)\/(.+))?$/.exec(v);
    const def = (named?.[1] ?? raw["def"]) as Def | undefined;
    const name = (named?.[2] ?? raw["name"]) as Name | undefined;
    if (named === null || def === undefined || name === undefined || !defs.includes(def) || !names.includes(name)) {
      throw new ProgramsFileError(
        `${where}: ${field} ${JSON.stringify(v)} is not a reference; write a number, "received" (the index received for this call's def and name) or "received:<def>/<name>" with def one of ${defs.join(", ")} and name one of ${names.join(", ")}`,
      );
    }
    next[field] = refTo(def, name);
  }
  return next;
}

function firstIssue(e: ParseResult.ParseError): string {
  const i = ParseResult.ArrayFormatter.formatErrorSync(e)[0];
  if (i === undefined) return "does not match the family's Call schema";
  return `${i.path.length > 0 ? `"${i.path.map(String).join(".")}" ` : ""}${i.message.split("\n")[0]}`;
}

/** A call as the user would write it: index and key as "received" references. */
function exampleOf(call: AnyCall): string {
  const shown: Record<string, unknown> = { ...call };
  if ("index" in shown) shown["index"] = "received";
  if ("key" in shown) shown["key"] = "received:odbc/henv";
  if ("value" in shown) shown["value"] = 7;
  return JSON.stringify(shown);
}

/**
 * The families and interpreter count a run with chosen programs has: the families asked for (each
 * must have programs in the file) or else every family the file names; as many interpreters as
 * programs, the same for every family, and equal to `--interpreters` when that was given.
 */
export function programsRun(
  chosen: ChosenPrograms,
  source: string,
  asked: readonly FamilyName[] | undefined,
  interpreters: number | undefined,
): { families: FamilyName[]; interpreters: number; threads?: number } {
  const inFile = familyNames.filter((f) => chosen[f] !== undefined);
  const families = asked !== undefined ? [...asked] : inFile;
  for (const f of families) {
    if (chosen[f] === undefined) throw new ProgramsFileError(`${source} has no programs for ${f}; add a "${f}" entry or leave ${f} out of --family (the file has ${inFile.join(", ")})`);
  }
  // With threads (D18) a family runs in the interpreters its threads name, not one per program.
  const threaded = families.map((f) => (chosen[f] as Threaded<AnyCall[][]>).threads).filter((t) => t !== undefined);
  if (threaded.length > 0) {
    const size = sizeOfThreads(families.flatMap((f) => threadsOfSet(chosen[f] as Threaded<AnyCall[][]>)));
    if (interpreters !== undefined && interpreters < size.interpreters) {
      throw new ProgramsFileError(`${source}: its threads run in ${size.interpreters} interpreters but --interpreters is ${interpreters}; pass --interpreters ${size.interpreters} or more`);
    }
    return { families, interpreters: interpreters ?? size.interpreters, threads: size.threads };
  }
  const counts = new Map(families.map((f) => [f, (chosen[f] as AnyCall[][]).length]));
  const first = families[0] as FamilyName;
  const n = interpreters ?? (counts.get(first) as number);
  for (const [f, count] of counts) {
    if (count !== n) {
      const why = interpreters !== undefined ? `--interpreters is ${n}` : `${first} has ${n}`;
      throw new ProgramsFileError(`${source}: ${f} has ${count} program(s) but ${why}; give every family one program per interpreter${interpreters !== undefined ? ` (or pass --interpreters ${count})` : ""}`);
    }
  }
  return { families, interpreters: n };
}
