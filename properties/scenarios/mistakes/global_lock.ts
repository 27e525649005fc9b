/**
 * The mistake catalogue of named global locks (columns/global_lock.ts): the runtime owns the lock,
 * its creation and its lifetime; the author still owns the count, the "is henv set?" check, the
 * handle, the set-up and teardown, and the index kept in module state — so every mistake can be
 * written. Each variant changes the correct `globalLock` client in a few lines.
 */
import type { Code } from "../../../impl/memory.js";
import { add, load, store } from "../../../impl/memory.js";
import { glEnsure, glGetOrCreate, glLock, glNaiveGetOrCreate, glUnlock, globalLock, ref } from "../columns/global_lock.js";
import { fail, ok, okValue, type ClientApi, type HookResult, type Resource } from "../contract.js";
import { registryName } from "../library.js";
import { inDrop, inGetOrCreate, mistake, type MistakeEntry } from "./entry.js";

type Api = ClientApi<"global_lock">;

/** Get-or-create under the named lock, with the given slips. */
function* getOrCreate(x: Api, r: Resource, slip: { countAfter?: boolean; noRollback?: boolean; noUnlockOnError?: boolean; flag?: boolean; staleIndex?: boolean }): Code<HookResult> {
  if (slip.staleIndex === true) {
    // the index from the first import, kept in a static and reused by every later import
    let i = yield load(x.statics.word("lock_index"));
    if (i === 0) {
      i = okValue(yield* x.call({ _tag: "PyThread_EnsureGlobalLock", ...registryName[r] }));
      yield store(x.statics.word("lock_index"), i);
    }
    x.state.set(r, i);
  } else yield* glEnsure(x, r);
  yield* glLock(x, r);
  if (slip.flag === true ? (yield load(x.statics.word("initialized"))) === 0 : (yield load(x.statics.count(r))) === 0) {
    const h = yield* x.lib.alloc(r);
    if (h === 0) {
      if (slip.noUnlockOnError !== true) yield* glUnlock(x, r);
      if (slip.noRollback !== true) yield* x.call({ _tag: "PyThread_ReleaseGlobalLock", ...ref(x, r) });
      return fail("InitFailed");
    }
    yield store(x.statics.handle(r), h);
    if (slip.flag === true) yield store(x.statics.word("initialized"), 1);
  }
  if (slip.countAfter !== true) yield store(x.statics.count(r), (yield load(x.statics.count(r))) + 1);
  yield* glUnlock(x, r);
  if (slip.countAfter === true) yield add(x.statics.count(r), 1);
  return ok();
}

/** Drop under the named lock, with the given slips. */
function* drop(x: Api, r: Resource, slip: { freeFirst?: boolean; freeAfterUnlock?: boolean; neverFree?: boolean }): Code<HookResult> {
  if (slip.freeFirst === true) yield* x.lib.free(r, yield load(x.statics.handle(r)));
  yield* glLock(x, r);
  const left = (yield load(x.statics.count(r))) - 1;
  yield store(x.statics.count(r), left);
  const h = yield load(x.statics.handle(r));
  const inside = slip.freeFirst !== true && slip.freeAfterUnlock !== true && slip.neverFree !== true;
  if (left === 0 && inside) {
    yield* x.lib.free(r, h);
    yield store(x.statics.handle(r), 0);
  }
  yield* glUnlock(x, r);
  if (left === 0 && slip.freeAfterUnlock === true) {
    yield* x.lib.free(r, h);
    yield store(x.statics.handle(r), 0);
  }
  yield* x.call({ _tag: "PyThread_ReleaseGlobalLock", ...ref(x, r) });
  return ok();
}

const gl = globalLock;
export const globalLockMistakes: readonly MistakeEntry[] = [
  mistake("check-outside-lock", gl, "Tests `henv == NULL` and allocates before `PyThread_acquire_lock`; only the count is locked (the naive column).", {
    exec: (x) => glNaiveGetOrCreate(x, "henv"),
    acquire: glNaiveGetOrCreate,
  }),
  mistake("count-outside-lock", gl, "`count++` after `PyThread_release_lock`.", inGetOrCreate(getOrCreate, { countAfter: true })),
  mistake("free-before-release", gl, "m_free frees the handle, then locks and decrements the count.", inDrop(drop, { freeFirst: true })),
  mistake("teardown-outside-lock", gl, "The last user decrements under the named lock and frees the handle after releasing it.", inDrop(drop, { freeAfterUnlock: true })),
  mistake(
    "no-rollback-on-failed-init",
    gl,
    "When SQLAllocHandle fails the exec unlocks and returns the error without `PyThread_ReleaseGlobalLock`: the registry keeps its reference.",
    inGetOrCreate(getOrCreate, { noRollback: true }),
    { "init-failure": "the registry records one reference bit per module instance (impl/registry.ts REFS), so the retry's ensure in the same interpreter re-registers the same user and its unload gives the one reference back: the API itself absorbs the missing rollback", "*": "only the init-failure scenario refuses an allocation" },
  ),
  mistake("stale-index", gl, "The lock index from the first import is kept in `static Py_ssize_t lock_index` and used by every later import, after the last `PyThread_ReleaseGlobalLock` freed it.", {
    statics: ["lock_index"],
    exec: (x) => getOrCreate(x, "henv", { staleIndex: true }),
  }),
  mistake("double-release", gl, "The exec undoes its own failed set-up, and the module is multi-phase, so CPython's m_free after the failed exec decrements the count and releases the lock again.", {
    failedExec: "m_free",
  }),
  mistake(
    "static-flag-across-reinit",
    gl,
    "Set-up is guarded by `static int initialized`, set once and never cleared, so after the last user freed henv the next first user skips SQLAllocHandle.",
    { statics: ["initialized"], exec: (x) => getOrCreate(x, "henv", { flag: true }) },
    { "*": "only scenarios where the count goes back to 0 and a later import follows (churn, runtime-reinit) reuse the flag" },
  ),
  mistake(
    "lock-order-inversion",
    gl,
    "The exec makes the library's set-up call under the extension's static mutex then the named lock; the module function takes the named lock then the static mutex.",
    {
      *exec(x) {
        const r = yield* glGetOrCreate(x, "henv");
        yield* x.lock();
        yield* glLock(x, "henv");
        yield* x.lib.call();
        yield* glUnlock(x, "henv");
        yield* x.unlock();
        return r;
      },
      *library(x) {
        yield* glLock(x, "henv");
        yield* x.lock();
        yield* x.lib.call();
        yield* x.unlock();
        yield* glUnlock(x, "henv");
        return ok();
      },
    },
    { "*": "only the library scenario runs the library call against an import" },
  ),
  mistake("skip-global-exit", gl, "The last user decrements the count and releases the lock but never frees the handle.", inDrop(drop, { neverFree: true })),
  mistake("library-without-lock", gl, "The module function calls the thread-unsafe library without `PyThread_acquire_lock`.", {
    *library(x) {
      yield* x.lib.call();
      return ok();
    },
  }),
  mistake(
    "unlock-missing-on-error",
    gl,
    "When SQLAllocHandle fails the exec releases its reference to the named lock but returns with the lock still held.",
    inGetOrCreate(getOrCreate, { noUnlockOnError: true }),
    { "init-failure": "PyThread_acquire_lock by the interpreter already holding the lock returns an error (\"Reentrant\", impl/global_lock.ts) instead of blocking, and the import's retry in the same interpreter then releases it: the API absorbs the missing unlock", "*": "only the init-failure scenario refuses an allocation" },
  ),
];

