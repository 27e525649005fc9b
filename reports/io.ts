import { randomBytes } from "node:crypto";
import { mkdirSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Either, ParseResult, Schema, SchemaAST } from "effect";
import { InputFileError, readBoundedText } from "../properties/io/input-file.js";
import { scanNesting } from "../properties/io/json-nesting.js";
import { renderHtml } from "./render/html.js";
import { renderJunit } from "./render/junit.js";
import { renderMarkdown } from "./render/markdown.js";
import { Report, ReportV1, REPORT_FORMAT, REPORT_VERSION } from "./schema.js";

/**
 * Reading and writing reports. JSON is the source of truth (reports/schema.ts); this file gives it
 * one canonical text, decodes it back with one-line errors, and writes every rendering atomically.
 */

/**
 * A ReportError is a report that cannot be read or written: its message is one line naming the
 * file, the problem and the fix, so the CLI can print it as is (no stack trace) and exit with the
 * usage code.
 */
export class ReportError extends Error {
  override readonly name = "ReportError";
}

// ---- canonical JSON ------------------------------------------------------------------------

/**
 * Puts a value's keys in canonical order by walking the report schema beside it: a struct's fields
 * come in the order the schema declares them (so `format` and `version` open every file), a
 * record's keys and everything inside an `Unknown` (the raw calls) come sorted. The order is a
 * function of the schema and the data alone, never of how the object was built, which is what
 * makes `encodeReport` byte-identical for equal reports.
 */
function canonical(ast: SchemaAST.AST, value: unknown, path: string): unknown {
  switch (ast._tag) {
    case "TypeLiteral": {
      if (typeof value !== "object" || value === null || Array.isArray(value)) return canonicalUnknown(value, path);
      const obj = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      const declared = new Set<PropertyKey>();
      for (const ps of ast.propertySignatures) {
        declared.add(ps.name);
        const key = String(ps.name);
        const v = obj[key];
        if (v !== undefined) out[key] = canonical(ps.type, v, `${path}.${key}`);
      }
      const rest = Object.keys(obj).filter((k) => !declared.has(k)).sort();
      const index = ast.indexSignatures[0];
      for (const k of rest) {
        const v = obj[k];
        if (v !== undefined) out[k] = index ? canonical(index.type, v, `${path}[${JSON.stringify(k)}]`) : canonicalUnknown(v, path);
      }
      return out;
    }
    case "TupleType": {
      if (!Array.isArray(value)) return canonicalUnknown(value, path);
      const element = ast.rest[0]?.type;
      return value.map((v, i) => {
        const at = ast.elements[i]?.type ?? element;
        return at ? canonical(at, v, `${path}[${i}]`) : canonicalUnknown(v, `${path}[${i}]`);
      });
    }
    case "Union": {
      // The report's unions hold scalars and null (NullOr, optional, the options' values); an
      // object inside one is given the member it matches, or sorted keys if none claims it.
      if (typeof value === "object" && value !== null) {
        for (const member of ast.types) {
          if ((member._tag === "TypeLiteral" || member._tag === "TupleType") && Schema.is(Schema.make(member))(value)) {
            return canonical(member, value, path);
          }
        }
      }
      return canonicalUnknown(value, path);
    }
    case "Refinement":
      return canonical(ast.from, value, path);
    case "Suspend":
      return canonical(ast.f(), value, path);
    case "Transformation":
      return canonical(ast.to, value, path);
    default:
      return canonicalUnknown(value, path);
  }
}

/** Sorted keys all the way down, and numbers JSON can hold. */
function canonicalUnknown(value: unknown, path: string): unknown {
  if (typeof value === "number" && !Number.isFinite(value)) {
    throw new ReportError(`cannot encode the report: ${path} is ${value}, which JSON cannot hold; record a finite number`);
  }
  if (Array.isArray(value)) return value.map((v, i) => canonicalUnknown(v, `${path}[${i}]`));
  if (typeof value === "object" && value !== null) {
    const obj = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(obj).sort()) {
      if (obj[k] !== undefined) out[k] = canonicalUnknown(obj[k], `${path}[${JSON.stringify(k)}]`);
    }
    return out;
  }
  return value;
}

/**
 * The canonical text of a report: schema field order (records and raw calls sorted), 2-space
 * indent, a trailing newline. The same report always gives the same bytes, so reports can be
 * diffed, hashed and committed as golden files. Throws ReportError for a value that is not a valid
 * report (it would not read back) or holds a number JSON cannot represent.
 */
export function encodeReport(report: Report): string {
  const checked = Schema.validateEither(Report)(report, { errors: "first", onExcessProperty: "error" });
  if (Either.isLeft(checked)) {
    throw new ReportError(`cannot encode the report: ${describeIssue(checked.left)}; fix the code that built it`);
  }
  return `${JSON.stringify(canonical(Report.ast, report, "report"), null, 2)}\n`;
}

// ---- decoding with one-line errors -----------------------------------------------------------

const HINT_REGENERATE = "regenerate it with `interlock verify`";

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `a string (${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)})`;
  return `a ${typeof value} (${String(value)})`;
}

/** `steps[3].interp`, `memory["odbc.lock"]`: a schema path as a reader would write it. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else if (typeof p === "string" && /^[A-Za-z_$][\w$]*$/.test(p)) out += out ? `.${p}` : p;
    else out += `[${JSON.stringify(String(p))}]`;
  }
  return out || "the top level";
}

/**
 * The first schema issue as one clause. effect reports a literal union (an unknown family, a
 * verdict) or an optional field as one issue per member; those at the first issue's path are merged
 * into one "expected A | B, got X".
 */
function describeIssue(error: ParseResult.ParseError): string {
  const issues = ParseResult.ArrayFormatter.formatErrorSync(error);
  const first = issues[0];
  if (!first) return "it does not match the report format";
  const at = formatPath(first.path);
  const key = JSON.stringify(first.path);
  const same = issues.filter((i) => JSON.stringify(i.path) === key && i._tag === first._tag);
  switch (first._tag) {
    case "Missing":
      return `field ${at} is missing`;
    case "Unexpected":
      return `field ${at} is not part of the report format`;
    default: {
      const expected: string[] = [];
      let actual: string | undefined;
      for (const i of same) {
        const m = /^Expected (.*), actual (.*)$/s.exec(i.message);
        if (!m) return `${at}: ${first.message.split("\n")[0]}`;
        const e = m[1] as string;
        if (e !== "undefined") expected.push(e);
        actual = m[2];
      }
      return `${at} should be ${expectedWords(expected.flatMap((x) => x.split(" | ")))}, got ${actual ?? "something else"}`;
    }
  }
}

/**
 * effect's expected types in words: `number` → "a number"; two or more literals (a family, a
 * verdict) → `one of "a", "b"`; other alternatives joined with "or".
 */
function expectedWords(expected: readonly string[]): string {
  const article: Record<string, string> = { number: "a number", string: "a string", boolean: "a boolean", object: "an object" };
  if (expected.length > 1 && expected.every((x) => x.startsWith('"') || /^-?\d/.test(x))) return `one of ${expected.join(", ")}`;
  return expected.map((x) => article[x] ?? x).join(" or ");
}

/**
 * Reads a report from its JSON text. `source` names where the text came from (a path, "stdin")
 * and opens every error message. Throws ReportError, one line, for: an empty or truncated file,
 * something that is not a JSON object, another format, another version, and the first place the
 * content does not match the report schema.
 */
export function decodeReport(text: string, source: string): Report {
  if (text.trim() === "") {
    throw new ReportError(`${source} is empty; expected an interlock report (JSON) — was it written completely?`);
  }
  if (jsonDepth(text) > MAX_JSON_DEPTH) {
    throw new ReportError(`${source} nests arrays or objects more than ${MAX_JSON_DEPTH} deep; it is not an interlock report`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const detail = (e as Error).message.split("\n")[0];
    throw new ReportError(`${source} is not valid JSON (${detail}); is it truncated?`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ReportError(`${source} is not an interlock report: expected a JSON object, got ${kindOf(value)}`);
  }
  const obj = value as Record<string, unknown>;
  if (!("format" in obj)) {
    throw new ReportError(`${source} is not an interlock report: it has no "format" field (expected "${REPORT_FORMAT}")`);
  }
  if (obj["format"] !== REPORT_FORMAT) {
    throw new ReportError(
      `${source} is not an interlock report: its format is ${JSON.stringify(obj["format"])}, expected "${REPORT_FORMAT}"`,
    );
  }
  const version = obj["version"];
  if (version === 1) return decodeVersion1(obj, source);
  if (version !== REPORT_VERSION) {
    if (typeof version === "number" && Number.isInteger(version)) {
      const fix =
        version > REPORT_VERSION
          ? "read it with the newer interlock that wrote it"
          : `re-run the verification with this interlock to get a version ${REPORT_VERSION} report`;
      throw new ReportError(`${source}: this report is version ${version}; this interlock reads version ${REPORT_VERSION} — ${fix}`);
    }
    throw new ReportError(
      `${source}: the report's "version" is ${version === undefined ? "missing" : kindOf(version)}; this interlock reads version ${REPORT_VERSION} — ${HINT_REGENERATE}`,
    );
  }
  const decoded = Schema.decodeUnknownEither(Report)(value, { errors: "all", onExcessProperty: "error" });
  if (Either.isLeft(decoded)) {
    throw new ReportError(`${source} is not a valid version ${REPORT_VERSION} report: ${describeIssue(decoded.left)}; ${HINT_REGENERATE}`);
  }
  return decoded.right;
}

/**
 * A version 1 report, read and upgraded to the current version. Version 1 did not record the
 * configuration its run used: its runs padded every configuration to at least 3 interpreters, so
 * that is what the upgrade assumes; it recorded no limits, no --impl path and no evidence beyond
 * the model states and the stuck call's line.
 */
function decodeVersion1(obj: Record<string, unknown>, source: string): Report {
  const decoded = Schema.decodeUnknownEither(ReportV1)(obj, { errors: "all", onExcessProperty: "error" });
  if (Either.isLeft(decoded)) {
    throw new ReportError(`${source} is not a valid version 1 report: ${describeIssue(decoded.left)}; ${HINT_REGENERATE}`);
  }
  const v1 = decoded.right;
  const verdicts = { agreement: "ok", counterexample: "violation", budget: "unknown" } as const;
  return {
    ...v1,
    version: REPORT_VERSION,
    verdict: verdicts[v1.verdict],
    config: { ...v1.config, interpreters: Math.max(v1.config.interpreters, 3), impl: null, limits: {} },
    coverage: { ...v1.coverage, elapsedMs: v1.coverage.elapsedMs === 0 ? null : v1.coverage.elapsedMs, blockedByDesign: null },
    violation:
      v1.violation === null
        ? null
        : { ...v1.violation, kind: "check", stuck: null, prefix: [], ghost: null },
  };
}

/** The largest input file interlock reads (reports, histories): 256 MiB. */
export const MAX_INPUT_BYTES = 256 * 1024 * 1024;
/** The deepest nesting of arrays and objects an input file may have (reports nest about 5 deep). */
export const MAX_JSON_DEPTH = 256;

/** A path as it may appear inside a one-line message: as it is, or JSON-escaped when it holds control characters. */
export function showPath(path: string): string {
  return /[\u0000-\u001f\u007f]/.test(path) ? JSON.stringify(path) : path;
}

/** A path in double quotes for a one-line message (control characters escaped). */
export function quotePath(path: string): string {
  return /[\u0000-\u001f\u007f]/.test(path) ? JSON.stringify(path) : `"${path}"`;
}

/**
 * Reads an input file as text with properties/io/input-file.ts (no device, FIFO or directory, at most
 * `MAX_INPUT_BYTES`, a byte-order mark dropped); failures are ReportErrors, one line.
 */
export function readInputFile(path: string, what: string, hint: string): string {
  const shown = quotePath(path);
  try {
    return readBoundedText(path, MAX_INPUT_BYTES);
  } catch (e) {
    if (!(e instanceof InputFileError)) throw e;
    const p = e.problem;
    const why =
      p.kind === "missing"
        ? "no such file"
        : p.kind === "directory"
          ? "it is a directory"
          : p.kind === "not-regular"
            ? "it is not a regular file (a device, a pipe or a socket)"
            : p.kind === "too-large"
              ? `it is ${p.size} bytes, more than the ${MAX_INPUT_BYTES} interlock reads`
              : p.kind === "grew"
                ? `it grew past the ${MAX_INPUT_BYTES} bytes interlock reads while being read`
                : (p.code ?? "unreadable");
    throw new ReportError(`cannot read ${what} ${shown}: ${why}; ${hint}`);
  }
}

/** The deepest nesting of arrays and objects in a JSON text, up to just past `MAX_JSON_DEPTH` (properties/io/json-nesting.ts). */
export function jsonDepth(text: string): number {
  return scanNesting(text, MAX_JSON_DEPTH).max;
}

/** Reads and decodes a report file; a missing, unreadable or unsuitable file is a ReportError naming it. */
export function readReportFile(path: string): Report {
  return decodeReport(readInputFile(path, "report", "pass the .json file a verification run wrote"), showPath(path));
}

// ---- writing ---------------------------------------------------------------------------------

/** The renderings a report can be written as. `junit` is written as `<base>.junit.xml`. */
export const reportFormats = ["json", "md", "html", "junit"] as const;
export type ReportFileFormat = (typeof reportFormats)[number];

const extension: Record<ReportFileFormat, string> = { json: ".json", md: ".md", html: ".html", junit: ".junit.xml" };

/** The text of one rendering. */
export function renderReport(report: Report, format: ReportFileFormat): string {
  switch (format) {
    case "json":
      return encodeReport(report);
    case "md":
      return renderMarkdown(report);
    case "html":
      return renderHtml(report);
    case "junit":
      return renderJunit(report);
  }
}

/**
 * Writes `report` into `dir` as `<baseName>.json`, `.md`, `.html` and/or `.junit.xml`, in the order
 * given (duplicates once), and returns the paths written. Every rendering is produced before the
 * first file is touched, and each file is written to a temporary file in the same directory and
 * then renamed over its target — a rename within one directory is atomic, so a crash leaves either
 * the old file or the new one, never half of one. Creates `dir` (and its parents) if needed; a
 * `dir` that is a file, a base name with a path separator, or an unknown format is a ReportError.
 */
export function writeReportFiles(dir: string, baseName: string, report: Report, formats: readonly ReportFileFormat[]): string[] {
  if (baseName === "" || /[\\/]/.test(baseName) || baseName === "." || baseName === "..") {
    throw new ReportError(`report base name "${baseName}" must be a plain file name (no "/" or "\\"); put the folder in the directory argument`);
  }
  const wanted: ReportFileFormat[] = [];
  for (const f of formats) {
    if (!(reportFormats as readonly string[]).includes(f)) {
      throw new ReportError(`unknown report format "${String(f)}"; expected one of ${reportFormats.join(", ")}`);
    }
    if (!wanted.includes(f)) wanted.push(f);
  }
  const texts = wanted.map((f) => ({ path: join(dir, baseName + extension[f]), text: renderReport(report, f) }));

  prepareDirectory(dir);

  for (const { path, text } of texts) writeAtomically(path, text);
  return texts.map((t) => t.path);
}

/**
 * Checks before any work that reports can be written into `dir`: creates it (and its parents) and
 * writes and removes a probe file. An empty path, a file in the way or a folder without write
 * permission is a ReportError, found before the first job runs rather than after the last.
 */
export function checkReportDirectory(dir: string): void {
  if (dir.trim() === "") throw new ReportError("the report directory is empty; pass a folder with --report-dir");
  prepareDirectory(dir);
  writeAtomically(join(dir, ".interlock-write-check"), "");
  try {
    unlinkSync(join(dir, ".interlock-write-check"));
  } catch (e) {
    throw ioError(dir, e);
  }
}

/** Creates `dir` (and its parents) if needed; a `dir` that is a file is a ReportError. */
function prepareDirectory(dir: string): void {
  let isFile = false;
  try {
    isFile = !statSync(dir).isDirectory();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw ioError(dir, e);
  }
  if (isFile) throw new ReportError(`cannot write reports into "${dir}": it is a file, not a directory; pass a directory`);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw ioError(dir, e);
  }
}

function ioError(path: string, e: unknown): ReportError {
  const code = (e as NodeJS.ErrnoException).code;
  const why =
    code === "ENOTDIR" ? "a part of the path is a file" : code === "EACCES" || code === "EPERM" ? "permission denied" : (code ?? String(e));
  return new ReportError(`cannot write reports into "${path}": ${why}; pass a writable directory`);
}

/** Write to `.<name>.<random>.tmp` beside the target, then rename over it; clean up on failure. */
function writeAtomically(path: string, text: string): void {
  const slash = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  const tmp = `${path.slice(0, slash + 1)}.${path.slice(slash + 1)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    writeFileSync(tmp, text, { encoding: "utf8", flag: "wx" });
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // The temporary file was never created, or is already gone: nothing to clean up.
    }
    throw ioError(path, e);
  }
}

/**
 * Writes one text file (e.g. a combined junit.xml) into `dir` atomically, creating `dir` if needed;
 * returns its path. The same guarantees and errors as `writeReportFiles`.
 */
export function writeTextFile(dir: string, fileName: string, text: string): string {
  if (fileName === "" || /[\\/]/.test(fileName)) throw new ReportError(`file name "${fileName}" must be a plain file name`);
  prepareDirectory(dir);
  const path = join(dir, fileName);
  writeAtomically(path, text);
  return path;
}
