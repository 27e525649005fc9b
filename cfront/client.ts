/**
 * Way (a): an extension's own code in C — its module exec, m_free, global init/exit and module
 * functions — run in the scenarios of properties/scenarios through the client contract's harness
 * (cfront/client-column.ts makes the C file a `ClientDefinition`), judged by the same judge
 * (cell-judge.ts: P1, P2, P5, P6, P7, P9 over the wrapped library's monitor and the runtime) plus C
 * traps.
 *
 * The family: `--family` (the caller's `family`), else the file's IL_FAMILY(name) declaration,
 * else the guess older C clients relied on (module_slots when the file exports Py_mod_global_init,
 * static_mutex otherwise: the profiles marked `undeclaredCClient`).
 *
 * Memory: the family's words, then the scenario's client words (the library's monitor), then the
 * C file's globals (the client's statics), then one word that records a C trap (so a crash is
 * judged at the state it happened in).
 */
import { defaultConfig, familyNames, profiles, type FamilyName, type ModelConfig } from "../model/index.js";
import type { Program, Subject } from "../impl/subject.js";
import type { Hooks, StateView, Violation } from "../properties/explorer/index.js";
import { wordNames as wordsOf } from "../properties/judge/counterexample.js";
import { columnOf } from "../properties/scenarios/harness.js";
import { cellSubject } from "../properties/scenarios/cell.js";
import { resources, type ExtCall, type ExtResult } from "../properties/scenarios/library.js";
import type { Scenario } from "../properties/scenarios/scenarios.js";
import type { CompiledC } from "./compile.js";
import { cClient, cHooks, declaredFamily, TRAP_WORD, type CClient } from "./client-column.js";

/** The hooks an extension in C exports (the entry names are the C function names; see client-column.ts). */
export const clientHooks = cHooks;

export interface CClientCell {
  /** The family the extension runs against. */
  readonly family: FamilyName;
  readonly config: ModelConfig;
  readonly subject: Subject<ExtCall, ExtResult>;
  readonly programs: readonly Program<ExtCall>[];
  readonly hooks: Hooks<ExtCall, ExtResult>;
  /** A name per word of memory, for reports: the runtime's, the library's, then the C globals. */
  readonly wordNames: readonly string[];
}

/** The family a C client is checked against: the one asked for, else the one it declares, else the guess from its exports. */
export function cClientFamily(compiled: CompiledC, asked?: FamilyName): FamilyName {
  const declared = declaredFamily(compiled);
  if (asked !== undefined && declared !== undefined && asked !== declared) {
    throw new Error(`${compiled.file} declares IL_FAMILY(${declared}), not ${asked}: drop --family or pass --family ${declared}`);
  }
  if (asked !== undefined) return asked;
  if (declared !== undefined) return declared;
  const exported = new Set(WebAssembly.Module.exports(new WebAssembly.Module(compiled.wasm)).map((e) => e.name));
  const callbacks = exported.has(cHooks.globalInit);
  const guess = familyNames.find((f) => profiles[f].undeclaredCClient === true && (profiles[f].extensionCallbacks !== undefined) === callbacks);
  if (guess === undefined) throw new Error(`${compiled.file} declares no family: add IL_FAMILY(name) or pass --family`);
  return guess;
}

const clients = new WeakMap<CompiledC, Map<FamilyName, CClient>>();
/** One C client (one instance) per compiled file and family: a search resets memory, it does not re-instantiate. */
export function cClientOf(compiled: CompiledC, family: FamilyName): CClient {
  let byFamily = clients.get(compiled);
  if (byFamily === undefined) clients.set(compiled, (byFamily = new Map()));
  let c = byFamily.get(family);
  if (c === undefined) byFamily.set(family, (c = cClient(compiled, family)));
  return c;
}

/** A scenario run against an extension written in C, with the scenario's judge plus C traps. */
export function cClientCell(compiled: CompiledC, scenario: Scenario, config: ModelConfig = defaultConfig, family?: FamilyName): CClientCell {
  const f = cClientFamily(compiled, family);
  const client = cClientOf(compiled, f);
  const column = columnOf(client.definition);
  for (const p of scenario.programs) {
    for (const c of p) {
      if (c._tag !== "end" && c._tag !== "finalize" && c._tag !== "initialize" && column.provides?.(c._tag) === false) {
        throw new Error(`scenario ${scenario.id} calls ${c._tag}, which ${compiled.file} does not export (${exportFor(c._tag)})`);
      }
    }
  }
  const cell = cellSubject(column, scenario, config);
  const cBase = cell.w.named.get(client.cStatics[0] ?? TRAP_WORD) as number;
  const trapWord = cell.w.named.get(TRAP_WORD) as number;
  const initial = client.instance.initialMemory();
  const subject: Subject<ExtCall, ExtResult> = {
    ...cell.subject,
    name: `c:${compiled.file}/${scenario.id}`,
    init: (mem) => {
      cell.subject.init?.(mem);
      mem.set(initial, cBase);
    },
  };
  const judged = cell.hooks;
  const monitor = (s: StateView<ExtCall>): Violation | undefined => {
    const trap = s.mem[trapWord] ?? 0;
    if (trap !== 0) return { property: "crash", message: `the extension crashed: ${client.traps[trap - 1] ?? "a C trap"}` };
    return judged.monitor?.(s);
  };
  return { family: f, config, subject, programs: cell.programs, hooks: { ...judged, monitor }, wordNames: namesOf(cell, client, cBase, trapWord, subject.words) };
}

function exportFor(op: string): string {
  switch (op) {
    case "use":
      return `${cHooks.use}(interp, r) or ${cHooks.useHenv}(interp)`;
    case "acquire":
      return `${cHooks.acquire}(interp, r)`;
    case "release":
      return `${cHooks.release}(interp, r)`;
    case "library":
      return `${cHooks.library}(interp)`;
    default:
      return op;
  }
}

/** A name per word: the runtime's as it decodes them, the library's, the C globals, the trap word. */
function namesOf(cell: ReturnType<typeof cellSubject>, client: CClient, cBase: number, trapWord: number, words: number): string[] {
  const w = cell.w;
  const impl = cell.impl;
  const out: string[] = Array.from({ length: words }, (_, i) => `runtime word ${i}`);
  wordsOf({ words: impl.words, wordNames: () => impl.wordNames() }).forEach((n, i) => {
    if (!n.startsWith("word ")) out[i] = n;
  });
  resources.forEach((r, k) => {
    out[w.cur[k] as number] = `library.${r}`;
    out[w.allocs[k] as number] = `library.${r}.allocations`;
  });
  out[w.inside] = "library.inside";
  out[w.bad] = "library.misuse";
  out[w.failsLeft] = "library.refusals";
  for (const [name, at] of w.named) out[at] = `static ${name}`;
  client.instance.wordNames.forEach((n, i) => {
    out[cBase + i] = n;
  });
  out[trapWord] = "c.trap";
  return out;
}
