/**
 * The thread's use cases as scenarios: what each interpreter running the extension does. Every
 * scenario runs in 3 interpreters (interpreter 1 is the main one); the matrix runs each scenario
 * against every column's client code (clients.ts) and judges it with cell-judge.ts.
 */
import type { ExtCall, Res } from "./library.js";

export interface Scenario {
  readonly id: string;
  readonly title: string;
  /** What the scenario stands for in the thread, in one sentence. */
  readonly story: string;
  /** One program per interpreter; interpreter i runs programs[i-1]. */
  readonly programs: readonly (readonly ExtCall[])[];
  /** The library refuses the first allocation (SQLAllocHandle fails once); imports are retried once. */
  readonly failFirstInit?: boolean;
}

const imp: ExtCall = { _tag: "import" };
const unload: ExtCall = { _tag: "unload" };
const use = (res: Res = "henv"): ExtCall => ({ _tag: "use", res });
const acquire = (res: Res): ExtCall => ({ _tag: "acquire", res });
const release = (res: Res): ExtCall => ({ _tag: "release", res });
const end: ExtCall = { _tag: "end" };

export const scenarios: readonly Scenario[] = [
  {
    id: "henv",
    title: "one process-global handle (ODBC henv)",
    story: "MAL's ODBC case: every interpreter imports, uses henv, unloads; henv is set up once and freed by the last user.",
    programs: [
      [imp, use(), unload],
      [imp, use(), unload],
      [imp, use(), unload],
    ],
  },
  {
    id: "resources",
    title: "several resources per extension",
    story: "MAL: interpreter A uses library extension 1, B extension 2; each is set up and freed on its own count.",
    programs: [
      [imp, acquire("ext1"), use("ext1"), release("ext1"), unload],
      [imp, acquire("ext2"), release("ext2"), unload],
      [imp, acquire("ext1"), release("ext1"), unload],
    ],
  },
  {
    id: "cache",
    title: "a process-global cache shared by interpreters",
    story: "A loaded ML model shared by instances: get-or-create hands every interpreter the same object, freed by the last.",
    programs: [
      [imp, acquire("cache"), use("cache"), release("cache"), unload],
      [imp, acquire("cache"), release("cache"), unload],
      [imp, acquire("cache"), release("cache"), unload],
    ],
  },
  {
    id: "library",
    title: "a lock around a thread-unsafe C library",
    story: "Extensions that relied on the GIL: calls into the library must not overlap across interpreters.",
    programs: [
      [imp, { _tag: "library" }, unload],
      [imp, { _tag: "library" }, unload],
      [imp, unload],
    ],
  },
  {
    id: "churn",
    title: "import/unload churn through 1→0→1",
    story: "The count drops to zero and comes back: teardown and a fresh set-up must not overlap or be skipped.",
    programs: [
      [imp, unload, imp, use(), unload],
      [imp, use(), unload],
      [imp, unload],
    ],
  },
  {
    id: "init-failure",
    title: "init failure and retry",
    story: "The first set-up fails (SQLAllocHandle returns an error); nothing may be left counted, and the next import retries.",
    failFirstInit: true,
    programs: [
      [imp, use(), unload],
      [imp, use(), unload],
      [imp, unload],
    ],
  },
  {
    id: "interp-end",
    title: "an interpreter finalised while another still uses the state",
    story: "Py_EndInterpreter runs the instance's m_free; it must not free henv under the feet of the others.",
    programs: [
      [imp, use(), use(), unload],
      [imp, end],
      [imp, use(), end],
    ],
  },
  {
    id: "runtime-reinit",
    title: "runtime finalise and re-initialise",
    story: "The application joins its subinterpreters' threads (they end themselves) and calls Py_FinalizeEx, then Py_Initialize and a fresh import: nothing leaks, nothing stale survives.",
    programs: [
      [{ _tag: "finalize" }, { _tag: "initialize" }, imp, use(), unload],
      [imp, end],
      [imp, end],
    ],
  },
];

/** Calls that end this instance's use of resources (the rest of their run no longer holds them). */
const releasing = new Set<ExtCall["_tag"]>(["release", "unload", "end", "finalize"]);
export const isReleasing = (c: ExtCall): boolean => releasing.has(c._tag);

/**
 * What an interpreter holds before each of its calls (index k: before call k; the last entry is
 * after the program), assuming each call does what it says: every import succeeds, after one
 * retry where the scenario's library fails once (cell-judge.ts checks that it does).
 */
export function heldBefore(program: readonly ExtCall[]): ReadonlySet<Res>[] {
  const out: ReadonlySet<Res>[] = [];
  let held = new Set<Res>();
  out.push(held);
  for (const c of program) {
    held = new Set(held);
    switch (c._tag) {
      case "import":
        held.add("henv");
        break;
      case "acquire":
        held.add(c.res);
        break;
      case "release":
        held.delete(c.res);
        break;
      case "unload":
        held.delete("henv");
        break;
      case "end":
      case "finalize":
        held.clear();
        break;
      default:
        break;
    }
    out.push(held);
  }
  return out;
}

/** The operations a scenario performs (for line counting): `end` and `finalize` also run `unload`. */
export function opsUsed(s: Scenario): ReadonlySet<string> {
  const ops = new Set<string>();
  for (const p of s.programs) {
    for (const c of p) {
      ops.add(c._tag);
      if (c._tag === "end" || c._tag === "finalize") ops.add("unload");
    }
  }
  return ops;
}
