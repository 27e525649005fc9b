/**
 * `--impl file.c`: a family implemented in C, loaded as Subject factories for every family whose
 * entry (`il_<family>`) the file exports. A compile error is a usage error carrying clang's
 * message (exit 2).
 */
import { existsSync, readFileSync } from "node:fs";
import type { FamilyName } from "../model/index.js";
import type { SubjectFactory } from "../properties/verify/jobs.js";
import { UsageError } from "./errors.js";
import { CCompileError, compileC, type CompiledC } from "../cfront/compile.js";
import { cFamilies, cFamilyFactory, entryOf } from "../cfront/family.js";

export async function loadCImplementation(path: string): Promise<Partial<Record<FamilyName, SubjectFactory>>> {
  if (!existsSync(path)) throw new UsageError(`--impl ${path}: no such file`);
  const compiled = await compileForCli(path, "--impl ");
  const exported = new Set(WebAssembly.Module.exports(new WebAssembly.Module(compiled.wasm)).map((x) => x.name));
  const out: Partial<Record<FamilyName, SubjectFactory>> = {};
  for (const family of cFamilies) if (exported.has(entryOf(family))) out[family] = cFamilyFactory(compiled, family);
  if (Object.keys(out).length === 0) {
    throw new UsageError(`--impl ${path}: exports no family entry; define int IL_EXPORT(${cFamilies.map(entryOf).join(" or ")})(interp, tag, def, flags, interpreters, name, index, value) (include/interlock.h)`);
  }
  return out;
}

/**
 * Compiles a C file for a command: a compile error is a usage error (exit 2) whose one line is
 * `<flag><file> does not compile: <clang's first error>`; `diagnostics`, if given, first receives
 * clang's whole message (source line and caret) line by line.
 */
export async function compileForCli(file: string, flag = "", diagnostics?: (line: string) => void): Promise<CompiledC> {
  try {
    return await compileC(file, readFileSync(file, "utf8"));
  } catch (e) {
    if (!(e instanceof CCompileError)) throw e;
    if (diagnostics !== undefined && e.message.includes("\n")) for (const line of e.message.split("\n")) diagnostics(line);
    throw new UsageError(`${flag}${file} does not compile: ${e.summary}`);
  }
}
