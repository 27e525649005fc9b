/**
 * Compiling C for the explorer, from npm packages only: `@yowasp/clang` (Clang/LLD built to
 * WebAssembly) and `binaryen` (its `asyncify` pass). No system compiler is involved.
 *
 *   1. clang: C → LLVM IR at -O0 with line tables only (a line and a function per access is all
 *      reports need; full debug info costs about a tenth more compile time), `-Xclang
 *      -disable-O0-optnone` so stage 3 may still optimise;
 *   2. instrument.ts: every possibly-shared access → a call of an imported `__il_*` function, with
 *      its C file and line;
 *   3. clang + wasm-ld: IR → freestanding wasm32 at -O2 (`-nostdlib`, imported memory, stack first);
 *   4. binaryen: exports to read and set the C stack pointer, then `asyncify` with the `__il_*`
 *      imports as suspension points, so a C call can stop at each shared access and resume later.
 *
 * The result is cached on disk by a content hash of the source, the header and this pipeline, so
 * only the first run pays for it (loading the compiler alone takes seconds).
 */
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync, existsSync } from "node:fs";
import { basename, dirname, extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { instrument, type GlobalVar, type Site } from "./instrument.js";

/** The imports that suspend a C thread (asyncify's `asyncify-imports`). */
export const suspendingImports = ["__il_host", "__il_load", "__il_store", "__il_rmw", "__il_cas", "__il_wait", "__il_wake", "__il_loop_enter", "__il_loop_head", "__il_api"];

/**
 * What else decides the output: the pipeline's own code (this file and the instrumenter, as they
 * are on disk, .ts or .js), so a changed pipeline never reuses a stale cache entry.
 */
const PIPELINE_VERSION = ((): string => {
  const own = fileURLToPath(import.meta.url);
  const ext = extname(own);
  let text = "cfront";
  for (const file of [own, join(dirname(own), `instrument${ext}`)]) {
    try {
      text += readFileSync(file, "utf8");
    } catch {
      text += file;
    }
  }
  return createHash("sha256").update(text).digest("hex");
})();

/** Bytes of C stack each thread may use; the asyncify buffer of a suspended thread gets as much again. */
export const STACK_BYTES = 16384;

export interface CompiledC {
  /** The file name the C source was given as (reports show it). */
  readonly file: string;
  /** The asyncified module. */
  readonly wasm: Uint8Array;
  readonly sites: readonly Site[];
  readonly globals: readonly GlobalVar[];
  /** Content hash of the inputs (the cache key). */
  readonly hash: string;
}

/** A C file that does not compile: clang's own message. */
export class CCompileError extends Error {
  /**
   * The message in one line, as the CLI prints usage errors: clang's first error
   * (`file.c:3:12: error: …`) and how many more there are; `message` keeps every diagnostic.
   */
  get summary(): string {
    const lines = this.message.split("\n");
    const errors = lines.filter((l) => /:\d+:\d+: (fatal )?error: /.test(l));
    const first = errors[0] ?? lines[0] ?? "";
    return errors.length > 1 ? `${first} (and ${errors.length - 1} more error${errors.length > 2 ? "s" : ""})` : first;
  }
}

/** The repository root (this file is cfront/compile.ts, or dist/cfront/compile.js). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "include", "interlock.h"))) return dir;
    dir = dirname(dir);
  }
  throw new Error("cannot find interlock's include/interlock.h next to its package.json");
}

/** include/interlock.h, as C code compiles against it. */
export function headerText(): string {
  return readFileSync(join(packageRoot(), "include", "interlock.h"), "utf8");
}

/** Where compiled modules are cached: $INTERLOCK_CACHE_DIR, else node_modules/.cache/interlock-c. */
function cacheDir(): string {
  const env = process.env["INTERLOCK_CACHE_DIR"];
  return env !== undefined && env !== "" ? resolve(env) : join(packageRoot(), "node_modules", ".cache", "interlock-c");
}

type Tree = { [name: string]: Tree | string | Uint8Array };
type ClangCommand = (args: string[], files: Tree, options: object) => Promise<Tree | undefined> | Tree | undefined;

let clangPromise: Promise<ClangCommand> | null = null;
/** Loads the compiler once per process. */
function clang(): Promise<ClangCommand> {
  clangPromise ??= import("@yowasp/clang").then(async (m) => {
    const yowasp = m as unknown as { commands: { clang: ClangCommand }; runLLVM: (args: null, files: Tree, options: object) => Promise<unknown> };
    // load the compiler's resources now, silently (its own first run would print progress)
    await yowasp.runLLVM(null, {}, { fetchProgress: () => {} });
    return yowasp.commands.clang;
  });
  return clangPromise;
}

/** Runs clang; a failure becomes a CCompileError carrying clang's diagnostics. */
async function runClang(args: string[], files: Tree): Promise<Tree> {
  const run = await clang();
  const chunks: Uint8Array[] = [];
  const collect = (bytes: Uint8Array | null): void => {
    if (bytes !== null) chunks.push(bytes.slice());
  };
  try {
    const out = await run(args, files, { stdout: collect, stderr: collect, fetchProgress: () => {} });
    if (out === undefined) throw new CCompileError("clang produced no output");
    return out;
  } catch (e) {
    // clang names the file by its place in the virtual tree (src/…): show the file's own name
    const text = Buffer.concat(chunks).toString("utf8").trim().replace(/(^|\n)src\//g, "$1");
    if (e instanceof CCompileError) throw e;
    throw new CCompileError(text !== "" ? text : `clang failed (${(e as Error).message})`);
  }
}

/** Adds the stack-pointer accessors and makes the `__il_*` imports suspension points. */
async function asyncify(wasm: Uint8Array): Promise<Uint8Array> {
  const { default: binaryen } = await import("binaryen");
  const m = binaryen.readBinary(wasm);
  try {
    let sp: string | undefined;
    for (let i = 0; i < m.getNumGlobals(); i++) {
      const info = binaryen.getGlobalInfo(m.getGlobalByIndex(i));
      if (info.name === "__stack_pointer" || (sp === undefined && i === 0 && info.mutable && info.type === binaryen.i32)) sp = info.name;
    }
    if (sp === undefined) throw new Error("the linked module has no __stack_pointer");
    m.addFunction("__il_get_sp", binaryen.none, binaryen.i32, [], m.global.get(sp, binaryen.i32));
    m.addFunctionExport("__il_get_sp", "__il_get_sp");
    m.addFunction("__il_set_sp", binaryen.createType([binaryen.i32]), binaryen.none, [], m.global.set(sp, m.local.get(0, binaryen.i32)));
    m.addFunctionExport("__il_set_sp", "__il_set_sp");
    binaryen.setOptimizeLevel(2);
    binaryen.setShrinkLevel(0);
    binaryen.setPassArgument("asyncify-imports", suspendingImports.map((n) => `env.${n}`).join(","));
    m.runPasses(["asyncify"]);
    binaryen.setPassArgument("asyncify-imports", null);
    if (!m.validate()) throw new Error("binaryen produced an invalid module");
    return m.emitBinary();
  } finally {
    m.dispose();
  }
}

/** The cache key: this pipeline, the header, and every source file the compile can see. */
function hashOf(header: string, sources: Readonly<Record<string, string>>, main: string): string {
  const h = createHash("sha256").update(PIPELINE_VERSION).update("\0").update(header).update("\0").update(main);
  for (const name of Object.keys(sources).sort()) h.update("\0").update(name).update("\0").update(sources[name] as string);
  return h.digest("hex");
}

/** The C file and its siblings (.c and .h in the same folder, so `#include "other.c"` works). */
function sourcesOf(file: string, source: string): Record<string, string> {
  const out: Record<string, string> = { [basename(file)]: source };
  const dir = dirname(resolve(file));
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((n) => /\.[ch]$/.test(n)).sort().slice(0, 64);
  } catch {
    // an unreadable folder: the file alone
  }
  for (const n of names) {
    if (n in out) continue;
    try {
      out[n] = readFileSync(join(dir, n), "utf8");
    } catch {
      // skip what cannot be read
    }
  }
  return out;
}

/**
 * Compiles without the cache (the bench measures this). `sources` holds the file (by base name)
 * and any file it includes with `#include "…"`.
 */
export async function compileUncached(
  main: string,
  sources: Readonly<Record<string, string>>,
  header = headerText(),
  /** Told how long each phase took (the bench's breakdown). */
  onPhase?: (phase: "C → IR" | "instrument" | "IR → wasm" | "asyncify", ms: number) => void,
): Promise<CompiledC> {
  const name = basename(main);
  let t = performance.now();
  const phase = (p: Parameters<NonNullable<typeof onPhase>>[0]): void => {
    const now = performance.now();
    onPhase?.(p, now - t);
    t = now;
  };
  const hash = hashOf(header, sources, name);
  const files: Tree = { src: { ...sources }, include: { "interlock.h": header } };
  const irOut = await runClang(
    ["--target=wasm32", "-O0", "-Xclang", "-disable-O0-optnone", "-gline-tables-only", "-std=c11", "-Wall", "-Werror=implicit-function-declaration", "-Werror=return-type", "-Iinclude", "-S", "-emit-llvm", `src/${name}`, "-o", "out.ll"],
    files,
  );
  phase("C → IR");
  const ir = irOut["out.ll"];
  if (typeof ir !== "string" && !(ir instanceof Uint8Array)) throw new CCompileError("clang wrote no LLVM IR");
  let inst;
  try {
    inst = instrument(typeof ir === "string" ? ir : Buffer.from(ir).toString("utf8"));
  } catch (e) {
    throw new CCompileError(`${name}: ${(e as Error).message}`);
  }
  phase("instrument");
  const linked = await runClang(
    [
      "--target=wasm32",
      "-O2",
      "-nostdlib",
      "-Wno-override-module",
      "-Wl,--no-entry",
      "-Wl,--import-memory",
      "-Wl,--allow-undefined",
      "-Wl,--stack-first",
      `-Wl,-z,stack-size=${STACK_BYTES}`,
      "-Wl,--export=__data_end",
      "-Wl,--export=__heap_base",
      "-Wl,--strip-debug",
      "in.ll",
      "-o",
      "out.wasm",
    ],
    { "in.ll": inst.ir },
  );
  const wasm = linked["out.wasm"];
  if (!(wasm instanceof Uint8Array)) throw new CCompileError("wasm-ld wrote no module");
  phase("IR → wasm");
  try {
    // V8 names what is wrong (binaryen only says it cannot parse): two functions exported under one name, say
    new WebAssembly.Module(wasm);
  } catch (e) {
    throw new CCompileError(`${name}: the linked module is not valid WebAssembly: ${(e as Error).message.replace(/^WebAssembly\.Module\(\): /, "")}`);
  }
  const asyncified = await asyncify(wasm);
  phase("asyncify");
  return { file: name, wasm: asyncified, sites: inst.sites, globals: inst.globals, hash };
}

/** Compiles a C file for the explorer, through the on-disk cache. */
export async function compileC(file: string, source: string = readFileSync(file, "utf8")): Promise<CompiledC> {
  const header = headerText();
  const name = basename(file);
  const sources = sourcesOf(file, source);
  const hash = hashOf(header, sources, name);
  const dir = cacheDir();
  const wasmPath = join(dir, `${hash}.wasm`);
  const metaPath = join(dir, `${hash}.json`);
  if (existsSync(wasmPath) && existsSync(metaPath)) {
    const meta = JSON.parse(readFileSync(metaPath, "utf8")) as { sites: Site[]; globals: GlobalVar[] };
    return { file: name, wasm: new Uint8Array(readFileSync(wasmPath)), sites: meta.sites, globals: meta.globals, hash };
  }
  const compiled = await compileUncached(name, sources, header);
  try {
    mkdirSync(dir, { recursive: true });
    // write-then-rename: a concurrent reader never sees half a file
    const tmp = `.${process.pid}.tmp`;
    writeFileSync(wasmPath + tmp, compiled.wasm);
    writeFileSync(metaPath + tmp, JSON.stringify({ sites: compiled.sites, globals: compiled.globals }));
    renameSync(wasmPath + tmp, wasmPath);
    renameSync(metaPath + tmp, metaPath);
  } catch {
    // an unwritable cache only costs time
  }
  return compiled;
}
