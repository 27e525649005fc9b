/**
 * The world a scenario's client code lives in: the extension's vocabulary of operations, the
 * thread-unsafe C library it manages (ODBC-like: a process-global handle per resource), and the
 * extension's own statics — all as int32 words appended after the API family's own memory.
 *
 * The library is not client code (it is the C library the extension wraps), so its lines are not
 * counted; it is also where misuse becomes observable: `alloc` while a handle is live, `free` of a
 * handle that is not the live one, a `use` of a handle that is not live, two callers inside the
 * library at once. Each of those writes a code into BAD, which the monitor (cell-judge.ts) reports —
 * a word of memory, so the stateful explorer judges it in every reachable state.
 */
import { exchange, add, store, sub, testEquals, type Code } from "../../impl/memory.js";
import type { Def, Name } from "../../model/index.js";

/** The resources an extension manages: the ODBC environment, two library extensions, a shared cache. */
export const resources = ["henv", "ext1", "ext2", "cache"] as const;
export type Res = (typeof resources)[number];
export const resIndex = (r: Res): number => resources.indexOf(r);

/** The registry entry (def, name) a registry family keys each resource by (model names are henv/ext1/ext2 only). */
export const registryName: Readonly<Record<Res, { readonly def: Def; readonly name: Name }>> = {
  henv: { def: "odbc", name: "henv" },
  ext1: { def: "odbc", name: "ext1" },
  ext2: { def: "odbc", name: "ext2" },
  cache: { def: "mylib", name: "henv" },
};

/**
 * An extension operation: what one interpreter running the extension does. `import` is the
 * module's exec (it sets up henv on the first import), `unload` its m_free; `acquire`/`release`
 * start and stop this instance's use of an extra resource (get-or-create, refcounted); `use` is a
 * module function using a handle; `library` a call into the thread-unsafe library under the
 * extension's lock; `end`, `finalize`, `initialize` are Py_EndInterpreter, Py_FinalizeEx and
 * Py_Initialize (the runtime runs the instance's m_free in the first two).
 */
export type ExtCall =
  | { readonly _tag: "import" }
  | { readonly _tag: "use"; readonly res: Res }
  | { readonly _tag: "acquire"; readonly res: Res }
  | { readonly _tag: "release"; readonly res: Res }
  | { readonly _tag: "library" }
  | { readonly _tag: "unload" }
  | { readonly _tag: "end" }
  | { readonly _tag: "finalize" }
  | { readonly _tag: "initialize" };

/** What an extension operation returns; `carry` is the interpreter's new module state (see Carry). */
export type ExtResult =
  | { readonly _tag: "Ok"; readonly value: number; readonly carry?: readonly number[] }
  | { readonly _tag: "Err"; readonly error: string };

export const extOk = (value = 0, carry?: readonly number[]): ExtResult => (carry === undefined ? { _tag: "Ok", value } : { _tag: "Ok", value, carry });
export const extErr = (error: string): ExtResult => ({ _tag: "Err", error });

/**
 * The interpreter's module state (thread-local: one thread per interpreter, D1): per resource the
 * registry index or key it received, then whether its module instance is live.
 */
export const CARRY_IMPORTED = resources.length;
export const emptyExtCarry: readonly number[] = new Array<number>(resources.length + 1).fill(0);

export function describeExtCall(c: ExtCall): string {
  switch (c._tag) {
    case "use":
    case "acquire":
    case "release":
      return `${c._tag}(${c.res})`;
    default:
      return c._tag;
  }
}

/**
 * Why BAD was written: its value is `property * 16 + reason`. Property numbers are P1–P9.
 */
export const badReasons = {
  doubleInit: 1 * 16 + 1,
  useUnset: 1 * 16 + 2,
  useFreed: 2 * 16 + 1,
  badFree: 2 * 16 + 2,
  twoInside: 9 * 16 + 1,
  destroyedLock: 9 * 16 + 2,
} as const;

export const badText: Readonly<Record<number, string>> = {
  [badReasons.doubleInit]: "the library was initialised again while a handle was live (double init)",
  [badReasons.useUnset]: "a module function used the handle before it was set up (NULL or half-initialised)",
  [badReasons.useFreed]: "a module function used a handle that had already been freed",
  [badReasons.badFree]: "a handle was freed twice, or a stale handle was freed",
  [badReasons.twoInside]: "two interpreters were inside the thread-unsafe library at once",
  [badReasons.destroyedLock]: "the extension locked a lock that global_exit had destroyed (or global_init not yet allocated)",
};

/**
 * The extra words: the library's (per resource: CUR, the live handle or 0; ALLOCS, how many
 * handles it ever made — the source of fresh handle values), INSIDE and BAD; then the extension's
 * statics (a static PyMutex; per resource a refcount and a handle). Absolute addresses, from `base`.
 */
export interface ClientWords {
  readonly words: number;
  readonly cur: readonly number[];
  readonly allocs: readonly number[];
  readonly inside: number;
  readonly bad: number;
  /** How many more allocations the library refuses (the init-failure scenario starts it at 1). */
  readonly failsLeft: number;
  /** 1 while the lock the extension allocates in global_init exists (module_slots_lock). */
  readonly lockLive: number;
  /** The extension's `static PyMutex` (lock word, owner word). */
  readonly mutex: { readonly lock: number; readonly owner: number };
  readonly count: readonly number[];
  readonly handle: readonly number[];
  /** The words a client definition names in `statics` (contract.ts), by name. */
  readonly named: ReadonlyMap<string, number>;
  /** One past the last client word: the size of the cell's whole memory. */
  readonly end: number;
}

/**
 * Which extension count words a cell's client code keeps. The judge names a hazard P3 — "the
 * extension's own count is below the interpreters holding the resource" — only for a count the
 * client keeps: a client that never touches its count word has none to get wrong. It is decided
 * once per cell, before the search, by a few executions during which the contract's harness
 * reports every access a hook makes (`noteClientAccess`), so the judge's rule is a fixed
 * property of the cell, not of the order the search happens to visit paths in. Code that does not
 * run through the harness (C clients) is not recorded: the judge then takes its counts as kept.
 */
let recording: { readonly w: ClientWords; readonly seen: Set<number> } | null = null;

/** Called by the harness at every access a hook makes: notes a count word while a recording is on (a null check otherwise). */
export function noteClientAccess(w: ClientWords, addr: number): void {
  if (recording !== null && recording.w === w && w.count.includes(addr)) recording.seen.add(addr);
}

/** The count words of `w` touched while `run` executes the cell's code (what it throws is the search's to meet and report). */
export function countWordsKept(w: ClientWords, run: () => void): ReadonlySet<number> {
  const seen = new Set<number>();
  recording = { w, seen };
  try {
    run();
  } catch {
    // The pre-pass only observes: a failing client is reported by the search proper.
  } finally {
    recording = null;
  }
  return seen;
}

export function clientWords(base: number, statics: readonly string[] = []): ClientWords {
  let next = base;
  const take = (): number => next++;
  const per = (): number[] => resources.map(() => take());
  const cur = per();
  const allocs = per();
  const inside = take();
  const bad = take();
  const failsLeft = take();
  const lockLive = take();
  const mutex = { lock: take(), owner: take() };
  const count = per();
  const handle = per();
  const named = new Map(statics.map((n) => [n, take()] as const));
  return { words: next - base, cur, allocs, inside, bad, failsLeft, lockLive, mutex, count, handle, named, end: next };
}

/** The C library over the client words: SQLAllocHandle / SQLFreeHandle / a call / a thread-unsafe call. */
export class Library {
  /** `failing`: the library may refuse allocations (FAILS_LEFT is consulted); otherwise it never does. */
  constructor(
    readonly w: ClientWords,
    readonly failing = false,
  ) {}

  private cur(r: Res): number {
    return this.w.cur[resIndex(r)] as number;
  }

  /** Allocates resource r's handle (a fresh value), or returns 0 when the library refuses. A live handle there is a double init. */
  *alloc(r: Res): Code<number> {
    if (this.failing && (yield sub(this.w.failsLeft, 1)) > 0) return 0;
    const h = (yield add(this.w.allocs[resIndex(r)] as number, 1)) + 1;
    if ((yield exchange(this.cur(r), h)) !== 0) yield store(this.w.bad, badReasons.doubleInit);
    return h;
  }

  /** Frees handle h of resource r; it must be the live one. */
  *free(r: Res, h: number): Code<void> {
    if ((yield exchange(this.cur(r), 0)) !== h || h === 0) yield store(this.w.bad, badReasons.badFree);
  }

  /** Uses handle h of resource r; it must be set and live. Returns h. */
  *use(r: Res, h: number): Code<number> {
    if (h === 0) yield store(this.w.bad, badReasons.useUnset);
    else if ((yield testEquals(this.cur(r), h)) === 0) yield store(this.w.bad, badReasons.useFreed);
    return h;
  }

  /** PyThread_allocate_lock: the extension's lock comes into existence (unlocked). */
  *allocLock(): Code<void> {
    if ((yield exchange(this.w.lockLive, 1)) !== 0) yield store(this.w.bad, badReasons.doubleInit);
  }

  /** PyThread_free_lock. */
  *destroyLock(): Code<void> {
    if ((yield exchange(this.w.lockLive, 0)) !== 1) yield store(this.w.bad, badReasons.badFree);
  }

  /** A use of the allocated lock: it must exist. */
  *useLock(): Code<void> {
    if ((yield testEquals(this.w.lockLive, 1)) === 0) yield store(this.w.bad, badReasons.destroyedLock);
  }

  /** The thread-unsafe call: nobody else may be inside. */
  *call(): Code<void> {
    if ((yield exchange(this.w.inside, 1)) !== 0) yield store(this.w.bad, badReasons.twoInside);
    yield store(this.w.inside, 0);
  }
}
