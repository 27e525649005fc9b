/**
 * The one list of mistake KINDS the catalogue uses for every API family, so the matrix can compare
 * families on the same mistake: each family's file (mistakes/<family>.ts) writes the kind as a
 * small change to its correct column client, or says why the API makes it impossible.
 *
 * Each kind says where it comes from: a line of the thread (/work/shared/reference/thread.txt,
 * quoted) or the hazard list of properties.md it is an instance of.
 */

export interface MistakeKind {
  readonly id: string;
  /** A short title for tables. */
  readonly title: string;
  /** What the author does wrong, in one sentence. */
  readonly what: string;
  /** The thread line (or hazard) it comes from. */
  readonly source: string;
}

export const mistakeKinds = [
  {
    id: "check-outside-lock",
    title: "\"is it set up?\" checked outside the lock",
    what: "The test for an existing handle is made before taking the lock, so two first users both set it up.",
    source: "thread l.114 \"the init function now has to check whether henv is set, to avoid a second ODBC env init\"; l.137 \"there may be a race on creating that shared lock\"",
  },
  {
    id: "count-outside-lock",
    title: "count changed outside the lock",
    what: "The refcount is incremented after the lock is released, so two increments can lose one.",
    source: "thread l.195 \"When loading an extension, you'd add it to that structure (or incref), with the lock held\"",
  },
  {
    id: "free-before-release",
    title: "handle freed before giving back the reference",
    what: "m_free frees the shared handle first and only then gives back its reference, before knowing it was the last user.",
    source: "thread l.122 \"this cleanup function would need to free the ODBC SQLHENV henv, if it were the last interpreter to use it, but B is still using it\"",
  },
  {
    id: "teardown-outside-lock",
    title: "teardown after unlocking",
    what: "The last user is decided under the lock but the handle is freed after unlocking, racing a new first user through 1→0→1.",
    source: "thread l.85 \"it needs more locking … to ensure setup_global_state and teardown_global_state are still protected by the lock\"",
  },
  {
    id: "no-rollback-on-failed-init",
    title: "failed init not rolled back",
    what: "When set-up fails the import returns an error but leaves its count, reference or registration behind.",
    source: "properties.md P5 (atomic failure); thread l.158 \"Pseudo-code without error checking\"",
  },
  {
    id: "stale-index",
    title: "stale index or key",
    what: "The index or key is kept in a process-wide static from the first import and reused after the last release gave it back.",
    source: "thread l.14 \"Return the identified lock, verifying the matching module and lock name\" (properties.md: stale handles, P8)",
  },
  {
    id: "double-release",
    title: "reference released twice",
    what: "The exec undoes its own work on failure, and the module is multi-phase so CPython also runs m_free on it, which releases again.",
    source: "thread l.196 \"When unloading an extension (in m_clear at the latest), remove/decref with the lock held\"; PEP 489: m_free runs on a module whose exec failed",
  },
  {
    id: "static-flag-across-reinit",
    title: "static \"initialised\" flag",
    what: "Set-up is guarded by a static flag that teardown (and Py_FinalizeEx) never clears, so the next first user skips set-up.",
    source: "thread l.69 \"If you really have process-global state, it's the one time to use statics, isn't it?\" (properties.md P7)",
  },
  {
    id: "lock-order-inversion",
    title: "two locks in opposite orders",
    what: "One path takes the API's lock then the extension's own mutex, another path the other way round.",
    source: "thread l.217 \"figure out a way to do thread locking in a portable way to protect shared resources\" (properties.md P6)",
  },
  {
    id: "skip-global-exit",
    title: "no teardown",
    what: "The handle is never freed (global_exit / teardown left out, or the last user does not free): a leak at finalisation, a double init after re-initialisation.",
    source: "thread l.62 \"let the runtime manage lifetime\"; l.185 \"they can simply provide functions for setup and tear-down of global state\"",
  },
  {
    id: "library-without-lock",
    title: "library called without the lock",
    what: "A module function calls into the thread-unsafe library without holding the lock.",
    source: "thread l.220 \"think about extensions which currently rely on the GIL to protect them against threading issues\"",
  },
  {
    id: "unlock-missing-on-error",
    title: "no unlock on the error path",
    what: "The failed set-up path returns its error without unlocking.",
    source: "thread l.158 \"Pseudo-code without error checking\"",
  },
] as const satisfies readonly MistakeKind[];

export type MistakeKindId = (typeof mistakeKinds)[number]["id"];

export const kindOf = (id: string): MistakeKind | undefined => mistakeKinds.find((k) => k.id === id);
