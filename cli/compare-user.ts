/**
 * `interlock compare --impl <module>` and `--client <file>`: a user's implementation of a family
 * judged in the whole scenario row, and a user's client as one more column of the matrix. Kept
 * apart from compare's own rendering (properties/scenarios/compare.ts): this file only makes the
 * user's code into matrix columns and decides their cells.
 *
 * An implementation is loaded as `verify --impl` loads it (cli/impl-module.ts: a TS/JS module or a
 * C file exporting a Subject factory per family; the load is probed first in a worker with the same
 * time and heap limits, cli/impl-sandbox.ts, and every call of it is guarded). Its Subject takes the
 * place of interlock's implementation under every built-in column of its family. The scenario judge
 * reads the runtime's words by name, so the Subject must name `runtime.alive` and
 * `runtime.finalized` (`Subject.wordNames`); the ghost counters (`ghost.abandoned`, `ghost.leaks`,
 * `ghost.dangling`, `ghost.dropped`) are read where it names them. A client is loaded as
 * `verify --client` loads it (cli/client-module.ts for TS/JS, cfront for C).
 */
import { existsSync } from "node:fs";
import { defaultConfig, familyNames, profiles, type AnyCall, type FamilyName, type ModelConfig, type Result } from "../model/index.js";
import type { Code } from "../impl/memory.js";
import type { MutexAt, RuntimeLayout, WordNames } from "../impl/layout.js";
import { Runtime } from "../impl/runtime.js";
import type { Discipline, Subject } from "../impl/subject.js";
import { clients, type Client } from "../properties/scenarios/clients.js";
import { columnOf } from "../properties/scenarios/harness.js";
import type { ClientDefinition } from "../properties/scenarios/contract.js";
import { decideCell, type Cell, type Matrix } from "../properties/scenarios/compare.js";
import { linesFor } from "../properties/scenarios/lines.js";
import { opsUsed, scenarios } from "../properties/scenarios/scenarios.js";
import type { SubjectFactory } from "../properties/verify/jobs.js";
import { loadClientModule } from "./client-module.js";
import { UsageError } from "./errors.js";
import { loadImplModule } from "./impl-module.js";
import { guardFactories, loadTimeoutMs, oneLine, probeImplModule } from "./impl-sandbox.js";

/**
 * The runtime words the scenario judge and the cell read, by the names a Subject gives them (a C
 * implementation names its words after its globals: `alive` and `finalized` there).
 */
const required = { "runtime.alive": ["runtime.alive", "alive"], "runtime.finalized": ["runtime.finalized", "finalized"] } as const;

/** The address of a required runtime word, under any of its names. */
const runtimeWord = (named: WordNames, name: keyof typeof required): number | undefined => required[name].map((n) => named[n]).find((a) => a !== undefined);
const ghosts = ["ghost.abandoned", "ghost.leaks", "ghost.dangling", "ghost.dropped"] as const;

const unreachable = (what: string): never => {
  throw new Error(`${what}: a user Subject runs whole calls; the runtime's own steps are never reached`);
};

/**
 * A user's Subject as the runtime a scenario cell drives: every call (the runtime's included) is
 * the Subject's own code; the runtime words come from the Subject's word names. Ghost counters it
 * does not name read from one extra word that stays 0.
 */
export class SubjectRuntime extends Runtime<AnyCall> {
  readonly words: number;
  private readonly rules: ReadonlyMap<number, Discipline>;

  constructor(
    config: ModelConfig,
    private readonly subject: Subject<AnyCall, Result>,
    private readonly userNames: WordNames,
  ) {
    const zero = subject.words; // the spare word for unnamed ghost counters
    const at = (name: string): number => (name in required ? runtimeWord(userNames, name as keyof typeof required) : userNames[name]) ?? zero;
    const noMutex: MutexAt = { lock: zero, owner: zero };
    const rt: RuntimeLayout = {
      lock: noMutex,
      alive: at("runtime.alive"),
      finalized: at("runtime.finalized"),
      abandoned: at("ghost.abandoned"),
      leaks: at("ghost.leaks"),
      dangling: at("ghost.dangling"),
      dropped: at("ghost.dropped"),
      busy: zero,
    };
    super(config, rt);
    this.words = subject.words + 1;
    const rules = new Map<number, Discipline>();
    for (let a = 0; a < subject.words; a++) {
      const d = subject.discipline?.(a);
      if (d !== undefined) rules.set(a, d);
    }
    this.rules = rules;
  }

  override *call(interp: number, call: AnyCall): Code<Result> {
    const resolved = this.subject.resolve?.(interp, call, []) ?? call;
    return yield* this.subject.start(interp, resolved, []);
  }
  override disciplines(): ReadonlyMap<number, Discipline> {
    return this.rules;
  }
  override initMemory(mem: Int32Array): void {
    this.subject.init?.(mem);
  }
  override wordNames(): WordNames {
    return this.userNames;
  }
  protected familyCall(): Code<Result> {
    return unreachable("familyCall");
  }
  protected lockWorld(): Code<void> {
    return unreachable("lockWorld");
  }
  protected unlockWorld(): Code<void> {
    return unreachable("unlockWorld");
  }
  protected endEffects(): Code<void> {
    return unreachable("endEffects");
  }
  protected finalizeEffects(): Code<void> {
    return unreachable("finalizeEffects");
  }
}

/** Why a family's Subject cannot take part in the scenario matrix, or undefined when it can. */
export function subjectProblem(family: FamilyName, subject: Subject<AnyCall, Result>): string | undefined {
  if (profiles[family].extensionCallbacks !== undefined) {
    return `${family}'s runtime calls the extension's Py_mod_global_init/exit, which a Subject cannot take; compare --impl runs families without callbacks (${familyNames.filter((f) => profiles[f].extensionCallbacks === undefined).join(", ")})`;
  }
  const named = subject.wordNames?.() ?? {};
  const missing = (Object.keys(required) as (keyof typeof required)[]).filter((n) => runtimeWord(named, n) === undefined);
  if (missing.length > 0) return `${family}'s Subject names no ${missing.map((n) => `"${n}"`).join(" or ")} word (Subject.wordNames: name → address); the scenario judge reads the runtime's words by name`;
  for (const n of ghosts) if (named[n] !== undefined && (named[n] < 0 || named[n] >= subject.words)) return `${family}'s Subject names "${n}" at ${named[n]}, outside its ${subject.words} words`;
  return undefined;
}

/** The built-in columns of each family the module implements, with the user's implementation in place of interlock's. */
export async function implColumns(path: string, config: ModelConfig): Promise<UserColumn[]> {
  if (!existsSync(path.replace(/#.*$/, ""))) throw new UsageError(`--impl ${path}: no such file`);
  const provided = await probeImplModule(path, config, loadTimeoutMs(path));
  const factories: Partial<Record<FamilyName, SubjectFactory>> = guardFactories(path, await loadImplModule(path));
  const out = implColumnsOf(path, factories, provided, config);
  if (out.length === 0) throw new UsageError(`--impl ${path}: implements no family the matrix has a column of`);
  return out;
}

/**
 * The built-in columns of each family in `factories` (those `provided`), each on the user's
 * Subject instead of interlock's implementation, named `<column>@<file>`. Throws a UsageError when
 * a Subject cannot run in the matrix (subjectProblem).
 */
export function implColumnsOf(path: string, factories: Partial<Record<FamilyName, SubjectFactory>>, provided: readonly FamilyName[], config: ModelConfig): UserColumn[] {
  const out: UserColumn[] = [];
  const tag = path.replace(/^.*\//, "");
  for (const family of provided) {
    const factory = factories[family];
    if (factory === undefined) continue;
    const problem = subjectProblem(family, factory(config));
    if (problem !== undefined) throw new UsageError(`--impl ${path}: ${problem}`);
    for (const c of clients.filter((k) => k.family === family)) {
      out.push({
        ...c,
        column: `${c.column}@${tag}`,
        makeImpl: (cfg) => {
          const subject = factory(cfg);
          return new SubjectRuntime(cfg, subject, subject.wordNames?.() ?? {});
        },
        linesOf: c.column,
      });
    }
  }
  return out;
}

/** A column a user's code makes; `linesOf` is the built-in column whose client lines it shares (none for a user's own client). */
export type UserColumn = Client & { readonly linesOf?: string };

/** A user's client (TS/JS module, or a C file) as one more column. */
export async function clientColumn(path: string, family: FamilyName | undefined): Promise<UserColumn> {
  let d: ClientDefinition;
  if (/\.c$/i.test(path)) {
    if (!existsSync(path)) throw new UsageError(`--client ${path}: no such file`);
    const { compileForCli } = await import("./c-impl.js");
    const { cClientFamily, cClientOf } = await import("../cfront/client.js");
    const compiled = await compileForCli(path);
    try {
      d = cClientOf(compiled, cClientFamily(compiled, family)).definition;
    } catch (e) {
      throw new UsageError(`--client ${path}: ${oneLine((e as Error).message)}`);
    }
  } else d = await loadClientModule(path);
  if (family !== undefined && family !== d.family) throw new UsageError(`--client ${path} is written against ${d.family}, not ${family}; pass --family ${d.family}`);
  const name = d.name ?? path.replace(/^.*\//, "");
  return columnOf(d, { column: name, naive: false, mistake: "" });
}

/** The cells of extra columns in every scenario of the matrix `m`, appended to it as columns. */
export function withColumns(m: Matrix, extra: readonly UserColumn[], maxExhaustiveStates?: number, onCell?: (c: Cell) => void): Matrix {
  const taken = new Set(m.columns.map((c) => c.column));
  const clash = extra.find((c) => taken.has(c.column));
  if (clash !== undefined) throw new UsageError(`a user column is named ${clash.column}, like a built-in one; give the client another name`);
  const rows = scenarios.filter((s) => m.scenarios.some((r) => r.id === s.id));
  const cells: Cell[] = [];
  for (const s of rows) {
    for (const c of extra) {
      let cell: Cell;
      try {
        const decided = decideCell(c, s, maxExhaustiveStates);
        cell = c.linesOf === undefined ? decided : { ...decided, lines: linesFor(c.linesOf, opsUsed(s)) };
      } catch (e) {
        cell = { scenario: s.id, column: c.column, verdict: "unknown", lines: 0, strategy: "exhaustive", coverage: "not run", states: 0, ms: 0, message: `the code under test failed: ${oneLine(String((e as Error).message ?? e))}` };
      }
      cells.push(cell);
      onCell?.(cell);
    }
  }
  return { ...m, columns: [...m.columns, ...extra.map((c) => ({ column: c.column, family: c.family, naive: c.naive, mistake: c.mistake }))], cells: [...m.cells, ...cells] };
}

/** The columns `--impl` and `--client` (with `--family`) ask for, loaded; none without them. */
export async function userColumns(values: Readonly<Record<string, unknown>>): Promise<UserColumn[]> {
  const str = (k: string): string | undefined => {
    const v = values[k];
    if (v === undefined) return undefined;
    if (typeof v !== "string" || v.trim() === "") throw new UsageError(`--${k} needs a value`);
    return v;
  };
  const impl = str("impl");
  const client = str("client");
  const family = str("family");
  if (family !== undefined && !familyNames.includes(family as FamilyName)) throw new UsageError(`--family ${family}: choose one of ${familyNames.join(", ")}`);
  if (family !== undefined && client === undefined) throw new UsageError("--family goes with --client (the family of a C client)");
  const out: UserColumn[] = [];
  if (impl !== undefined) out.push(...(await implColumns(impl, defaultConfig)));
  if (client !== undefined) out.push(await clientColumn(client, family as FamilyName | undefined));
  return out;
}
