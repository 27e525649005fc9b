/**
 * The instrumentation pass of the C front end: rewrites clang's LLVM IR (unoptimised, `-O0` with
 * debug info) so that every memory access that may touch shared memory becomes a call of an
 * imported function the runtime turns into a scheduling point — the approach of ThreadSanitizer
 * and CHESS, done on IR text so that it needs nothing but clang itself.
 *
 *   - `load`/`store` of `i32` or `ptr` (atomic or plain), `atomicrmw` (xchg, add, sub, or, and) and
 *     `cmpxchg` on `i32` become `__il_load`, `__il_store`, `__il_rmw`, `__il_cas`;
 *   - the header's futex and loop-checkpoint functions (`il_futex_wait`, …) become `__il_wait`, …;
 *   - any other access (a `char`, a `long long`, a struct copy) gets a guard, `__il_narrow`, that
 *     traps if it touches shared memory: interlock models shared memory as int32 words;
 *   - accesses whose address is a local variable (an `alloca`, or an address computed from one)
 *     are left alone: they cannot be shared, and `-O2` later turns them into registers.
 *
 * Every rewritten access carries a *site*: an index into a table of (file, line, function) read
 * from the access's `!dbg` location, so each step of a report names the C line that made it.
 * Calls keep their order, and the optimiser cannot merge, hoist or drop them (they are opaque), so
 * each source-level access is one step: the accesses are explored sequentially consistent, as the
 * rest of interlock is (impl/README.md, "Memory model").
 */

/** Where a shared access is in the C source. */
export interface Site {
  readonly file: string;
  readonly line: number;
  readonly fn: string;
}

/** A global variable the C file defines: its name and its IR type (sizes come from the linked module). */
export interface GlobalVar {
  readonly name: string;
  readonly constant: boolean;
}

export interface Instrumented {
  readonly ir: string;
  readonly sites: readonly Site[];
  readonly globals: readonly GlobalVar[];
}

/** The operations of `__il_rmw`, in the runtime's numbering. */
export const rmwOps = { xchg: 0, add: 1, sub: 2, or: 3, and: 4 } as const;

/** The header's functions that are accesses themselves, and the import each becomes. */
const intrinsics: Readonly<Record<string, string>> = {
  il_futex_wait: "__il_wait",
  il_futex_wake: "__il_wake",
  il_loop_enter: "__il_loop_enter",
  il_loop_head: "__il_loop_head",
  /* a call of the family's C API from an extension (include/interlock.h il_api): run by the harness's x.call */
  il_api: "__il_api",
};

/** The library functions interlock provides (host calls: TypeScript code the explorer interleaves), by host op. */
export const hostCalls: readonly string[] = [
  "il_library_init",
  "il_library_fini",
  "il_library_use",
  "il_library_call",
  // any resource (include/interlock.h il_library_init_res …): the argument packs handle × 8 + resource
  "il_library_resource_init",
  "il_library_resource_fini",
  "il_library_resource_use",
];

const declarations = [
  "declare i32 @__il_host(i32, i32, i32)",
  "declare i32 @__il_load(ptr, i32)",
  "declare void @__il_store(ptr, i32, i32)",
  "declare i32 @__il_rmw(i32, ptr, i32, i32)",
  "declare i32 @__il_cas(ptr, i32, i32, i32)",
  "declare void @__il_narrow(ptr, i32, i32)",
  "declare void @__il_wait(ptr, i32, i32)",
  "declare i32 @__il_wake(ptr, i32, i32)",
  "declare void @__il_loop_enter(ptr, i32)",
  "declare void @__il_loop_head(ptr, i32, i32)",
  "declare i32 @__il_api(i32, i32, i32, i32, i32, i32, i32)",
];

/** Splits `text` at commas that are not inside brackets or quotes. */
export function splitTop(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') quoted = false;
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === "(" || c === "[" || c === "{" || c === "<") depth++;
    else if (c === ")" || c === "]" || c === "}" || c === ">") depth--;
    else if (c === "," && depth === 0) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts;
}

const orderings = /\s+(syncscope\("[^"]*"\)\s+)?(unordered|monotonic|acquire|release|acq_rel|seq_cst)(\s+(unordered|monotonic|acquire|release|acq_rel|seq_cst))?$/;

/** `ptr @x seq_cst` → `@x`: the operand of a `ptr`-typed part, without its type and ordering. */
function pointerOperand(part: string): string | undefined {
  const m = /^ptr\s+(?:(?:noundef|nonnull|align \d+)\s+)*(.*)$/.exec(part.replace(orderings, ""));
  return m?.[1]?.trim();
}

/** `i32 %v seq_cst` → `%v`. */
function valueOperand(part: string, type: string): string | undefined {
  const stripped = part.replace(orderings, "");
  if (!stripped.startsWith(`${type} `)) return undefined;
  return stripped.slice(type.length + 1).replace(/^(?:noundef\s+)+/, "").trim();
}

/** The byte size of a scalar IR type; undefined for aggregates (treated as 8, the guard only needs "touches"). */
function scalarBytes(type: string): number {
  const m = /^i(\d+)$/.exec(type);
  if (m) return Math.max(1, Math.ceil(Number(m[1]) / 8));
  if (type === "float") return 4;
  if (type === "double") return 8;
  if (type === "ptr") return 4;
  return 8;
}

/** Debug metadata: each `!N = …` line, to resolve a `!dbg` location into a Site. */
function metadataTable(lines: readonly string[]): Map<string, string> {
  const md = new Map<string, string>();
  for (const line of lines) {
    const m = /^(![0-9]+) = (?:distinct )?(.*)$/.exec(line);
    if (m) md.set(m[1] as string, m[2] as string);
  }
  return md;
}

function field(text: string, name: string): string | undefined {
  const m = new RegExp(`\\b${name}: ("(?:[^"\\\\]|\\\\.)*"|![0-9]+|-?[0-9]+)`).exec(text);
  return m?.[1];
}

/** Resolves a DILocation into (file, line, function), following scopes up to the subprogram. */
function siteOf(md: ReadonlyMap<string, string>, loc: string): Site {
  const text = md.get(loc) ?? "";
  const line = Number(field(text, "line") ?? 0);
  let scope = field(text, "scope");
  let file = "?";
  let fn = "?";
  for (let guard = 0; scope !== undefined && guard < 64; guard++) {
    const s = md.get(scope) ?? "";
    const f = field(s, "file");
    if (file === "?" && f !== undefined) {
      const name = field(md.get(f) ?? "", "filename");
      if (name !== undefined) file = JSON.parse(name) as string;
    }
    if (s.startsWith("!DISubprogram")) {
      const n = field(s, "name");
      if (n !== undefined) fn = JSON.parse(n) as string;
      break;
    }
    scope = field(s, "scope");
  }
  return { file: file.replace(/^.*\//, ""), line, fn };
}

/**
 * Rewrites one module's IR. Throws (with the offending line) on an access it cannot model rather
 * than letting it through unseen.
 */
export function instrument(ir: string): Instrumented {
  const lines = ir.split("\n");
  const md = metadataTable(lines);
  const sites: Site[] = [];
  const siteIds = new Map<string, number>();
  const siteFor = (line: string): number => {
    const loc = /!dbg (![0-9]+)/.exec(line)?.[1];
    const site = loc === undefined ? { file: "?", line: 0, fn: "?" } : siteOf(md, loc);
    const key = `${site.file}:${site.line}:${site.fn}`;
    let id = siteIds.get(key);
    if (id === undefined) {
      id = sites.length;
      sites.push(site);
      siteIds.set(key, id);
    }
    return id;
  };
  const dbgOf = (line: string): string => {
    const m = /, (!dbg ![0-9]+)/.exec(line);
    return m ? `, ${m[1]}` : "";
  };

  const globals: GlobalVar[] = [];
  const out: string[] = [];
  /** Values that are addresses of this function's locals. */
  let locals = new Set<string>();
  let tmp = 0;
  const fresh = (): string => `%__il.${tmp++}`;
  const isLocal = (p: string): boolean => locals.has(p);

  for (const raw of lines) {
    const line = raw;
    const g = /^@([A-Za-z_$.][\w$.]*) = (.*)$/.exec(line);
    if (g) {
      const name = g[1] as string;
      const rest = g[2] as string;
      const kind = /\b(global|constant)\b/.exec(rest);
      if (kind && !name.startsWith("llvm.") && !/\b(external|extern_weak)\b/.test(rest.slice(0, kind.index))) {
        globals.push({ name, constant: kind[1] === "constant" });
      }
      out.push(line);
      continue;
    }
    if (line.startsWith("define ")) {
      locals = new Set<string>();
      out.push(line);
      continue;
    }
    const assign = /^(\s+)(%[\w.$-]+) = (.*)$/.exec(line);
    const indent = /^(\s+)/.exec(line)?.[1] ?? "  ";
    const body = assign ? (assign[3] as string) : line.trim();
    const lhs = assign?.[2];

    if (lhs !== undefined && body.startsWith("alloca ")) {
      locals.add(lhs);
      out.push(line);
      continue;
    }
    if (lhs !== undefined && body.startsWith("getelementptr ")) {
      // an address computed from a local is local too
      const base = pointerOperand(splitTop(body.replace(/^getelementptr (?:inbounds |nuw |nusw )*/, ""))[1] ?? "");
      if (base !== undefined && locals.has(base)) locals.add(lhs);
      out.push(line);
      continue;
    }

    // load / store of any type: i32 and ptr become scheduled accesses, anything else is guarded
    const load = lhs !== undefined ? /^load (?:atomic )?(?:volatile )?(.*)$/.exec(body) : null;
    const st = lhs === undefined ? /^store (?:atomic )?(?:volatile )?(.*)$/.exec(body) : null;
    const mem = load ?? st;
    if (mem) {
      const parts = splitTop(mem[1] as string);
      const first = parts[0] as string;
      const sp = first.indexOf(" ");
      const type = load ? first : first.slice(0, sp);
      const value = load ? "" : first.slice(sp + 1).trim();
      const ptr = pointerOperand(parts[1] ?? "");
      if (ptr === undefined) throw new Error(`cannot read the address of: ${line.trim()}`);
      if (isLocal(ptr)) {
        out.push(line);
        continue;
      }
      const site = siteFor(line);
      const dbg = dbgOf(line);
      const emit = (text: string): void => {
        out.push(`${indent}${text}${dbg}`);
      };
      if (type !== "i32" && type !== "ptr") {
        emit(`call void @__il_narrow(ptr ${ptr}, i32 ${scalarBytes(type)}, i32 ${site})`);
        out.push(line);
      } else if (load) {
        const word = type === "i32" ? (lhs as string) : fresh();
        emit(`${word} = call i32 @__il_load(ptr ${ptr}, i32 ${site})`);
        if (type === "ptr") emit(`${lhs} = inttoptr i32 ${word} to ptr`);
      } else {
        let word = value;
        if (type === "ptr") {
          word = fresh();
          emit(`${word} = ptrtoint ptr ${value} to i32`);
        }
        emit(`call void @__il_store(ptr ${ptr}, i32 ${word}, i32 ${site})`);
      }
      continue;
    }

    const rmw = lhs !== undefined ? /^atomicrmw (volatile )?(\w+) (.*)$/.exec(body) : null;
    if (rmw && lhs !== undefined) {
      const parts = splitTop(rmw[3] as string);
      const ptr = pointerOperand(parts[0] ?? "");
      const value = valueOperand(parts[1] ?? "", "i32");
      const op = rmwOps[rmw[2] as keyof typeof rmwOps];
      if (ptr === undefined || value === undefined || op === undefined) {
        throw new Error(`interlock models atomic read-modify-writes of int (xchg, add, sub, or, and); not: ${line.trim()}`);
      }
      out.push(`${indent}${lhs} = call i32 @__il_rmw(i32 ${op}, ptr ${ptr}, i32 ${value}, i32 ${siteFor(line)})${dbgOf(line)}`);
      continue;
    }

    const cx = lhs !== undefined ? /^cmpxchg (weak )?(volatile )?(.*)$/.exec(body) : null;
    if (cx && lhs !== undefined) {
      const parts = splitTop(cx[3] as string);
      const ptr = pointerOperand(parts[0] ?? "");
      const expected = valueOperand(parts[1] ?? "", "i32");
      const desired = valueOperand(parts[2] ?? "", "i32");
      if (ptr === undefined || expected === undefined || desired === undefined) {
        throw new Error(`interlock models compare-exchange of int; not: ${line.trim()}`);
      }
      const dbg = dbgOf(line);
      const old = fresh();
      const okv = fresh();
      const half = fresh();
      out.push(`${indent}${old} = call i32 @__il_cas(ptr ${ptr}, i32 ${expected}, i32 ${desired}, i32 ${siteFor(line)})${dbg}`);
      out.push(`${indent}${okv} = icmp eq i32 ${old}, ${expected}${dbg}`);
      out.push(`${indent}${half} = insertvalue { i32, i1 } poison, i32 ${old}, 0${dbg}`);
      out.push(`${indent}${lhs} = insertvalue { i32, i1 } ${half}, i1 ${okv}, 1${dbg}`);
      continue;
    }

    const host = /\bcall (?:\w+ )*(?:void|i32) @(il_library_\w+)\((.*)\)/.exec(body);
    if (host && hostCalls.includes(host[1] as string)) {
      const args = (host[2] as string).trim() === "" ? [] : splitTop(host[2] as string);
      const arg = args.length === 0 ? "0" : (args[0] as string).split(/\s+/).pop();
      // a void call gets a named result: an unnamed one would take a number the IR's own values count on
      out.push(`${indent}${lhs ?? fresh()} = call i32 @__il_host(i32 ${hostCalls.indexOf(host[1] as string)}, i32 ${arg}, i32 ${siteFor(line)})${dbgOf(line)}`);
      continue;
    }
    if (/\bcall\b/.test(body)) {
      let rewritten = line;
      for (const [name, target] of Object.entries(intrinsics)) {
        const at = rewritten.indexOf(`@${name}(`);
        if (at < 0) continue;
        // find the closing parenthesis of the argument list and add the site
        let depth = 0;
        let close = -1;
        for (let i = at + name.length + 1; i < rewritten.length; i++) {
          const c = rewritten[i];
          if (c === "(") depth++;
          else if (c === ")" && --depth === 0) {
            close = i;
            break;
          }
        }
        if (close < 0) throw new Error(`cannot parse the call: ${line.trim()}`);
        rewritten = `${rewritten.slice(0, at)}@${target}(${rewritten.slice(at + name.length + 2, close)}, i32 ${siteFor(line)})${rewritten.slice(close + 1)}`;
      }
      out.push(rewritten);
      continue;
    }
    out.push(line);
  }
  out.push(...declarations);
  // The addresses of the module's globals, for naming shared words in reports (see runtime.ts).
  const table = globals.map((v) => `ptr @${v.name}`).join(", ");
  out.push(`@__il_symtab = private constant [${globals.length} x ptr] [${table}]`);
  out.push(`define ptr @__il_symbols() "wasm-export-name"="__il_symbols" {\n  ret ptr @__il_symtab\n}`);
  return { ir: out.join("\n"), sites, globals };
}
