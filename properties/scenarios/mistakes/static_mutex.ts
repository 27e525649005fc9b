/**
 * The mistake catalogue of the shipped static `PyMutex` (columns/static_mutex.ts): the author owns
 * the mutex, the count, the handle, the check, set-up and teardown — so nearly every mistake can be
 * written. Each variant changes the correct `staticMutex` client in a few lines.
 */
import type { Code } from "../../../impl/memory.js";
import { add, load, store } from "../../../impl/memory.js";
import { smGetOrCreate, staticMutex } from "../columns/static_mutex.js";
import type { Api } from "../columns/shared.js";
import { fail, ok, type HookResult, type Resource } from "../contract.js";
import { impossible, inDrop, inGetOrCreate, mistake, type MistakeEntry } from "./entry.js";
import { libraryCallLibFirst, libraryCallMutexFirst } from "./second-mutex.js";

/** Get-or-create with the mutex taken by `lock` (default: held all along) and the given slips. */
export function* smGetOrCreateWith(x: Api, r: Resource, slip: { checkFirst?: boolean; countAfter?: boolean; keepCount?: boolean; noUnlockOnError?: boolean; flag?: boolean }): Code<HookResult> {
  if (slip.checkFirst === true) {
    // the test before the lock: two first users both allocate
    if ((yield load(x.statics.handle(r))) === 0) yield store(x.statics.handle(r), yield* x.lib.alloc(r));
    yield* x.lock();
  } else {
    yield* x.lock();
    if (slip.keepCount === true) yield add(x.statics.count(r), 1);
    const fresh = slip.flag === true ? (yield load(x.statics.word("initialized"))) === 0 : (yield load(x.statics.count(r))) === (slip.keepCount === true ? 1 : 0);
    if (fresh) {
      const h = yield* x.lib.alloc(r);
      if (h === 0) {
        if (slip.noUnlockOnError !== true) yield* x.unlock();
        return fail("InitFailed");
      }
      yield store(x.statics.handle(r), h);
      if (slip.flag === true) yield store(x.statics.word("initialized"), 1);
    }
  }
  if (slip.keepCount !== true && slip.countAfter !== true) yield store(x.statics.count(r), (yield load(x.statics.count(r))) + 1);
  yield* x.unlock();
  if (slip.countAfter === true) yield add(x.statics.count(r), 1);
  return ok();
}

/** Drop with the given slips: free first, free after unlocking, never free. */
export function* smDropWith(x: Api, r: Resource, slip: { freeFirst?: boolean; freeAfterUnlock?: boolean; neverFree?: boolean }): Code<HookResult> {
  if (slip.freeFirst === true) yield* x.lib.free(r, yield load(x.statics.handle(r)));
  yield* x.lock();
  const left = (yield load(x.statics.count(r))) - 1;
  yield store(x.statics.count(r), left);
  const h = yield load(x.statics.handle(r));
  if (left === 0 && slip.freeFirst !== true && slip.freeAfterUnlock !== true && slip.neverFree !== true) {
    yield* x.lib.free(r, h);
    yield store(x.statics.handle(r), 0);
  }
  yield* x.unlock();
  if (left === 0 && slip.freeAfterUnlock === true) {
    yield* x.lib.free(r, h);
    yield store(x.statics.handle(r), 0);
  }
  return ok();
}

const sm = staticMutex;
export const staticMutexMistakes: readonly MistakeEntry[] = [
  mistake("check-outside-lock", sm, "Tests `henv == NULL` and allocates before `PyMutex_Lock`; only the count is locked.", inGetOrCreate(smGetOrCreateWith, { checkFirst: true })),
  mistake("count-outside-lock", sm, "`count++` after `PyMutex_Unlock`.", inGetOrCreate(smGetOrCreateWith, { countAfter: true })),
  mistake("free-before-release", sm, "m_free frees the handle, then locks and decrements the count.", inDrop(smDropWith, { freeFirst: true })),
  mistake("teardown-outside-lock", sm, "The last user decrements under the mutex and frees the handle after unlocking.", inDrop(smDropWith, { freeAfterUnlock: true })),
  mistake(
    "no-rollback-on-failed-init",
    sm,
    "`count++` before set-up; when SQLAllocHandle fails the import returns the error with the count still raised.",
    inGetOrCreate(smGetOrCreateWith, { keepCount: true }),
    { "*": "only the init-failure scenario refuses an allocation" },
  ),
  impossible("static_mutex", "stale-index", "The static mutex hands out no index or key: the author's handle is a static that stays live while its count is above 0."),
  mistake(
    "double-release",
    sm,
    "The exec undoes its own failed set-up, and the module is multi-phase, so CPython's m_free after the failed exec decrements the count again.",
    { failedExec: "m_free" },
  ),
  mistake(
    "static-flag-across-reinit",
    sm,
    "Set-up is guarded by `static int initialized`, set once and never cleared, so after the last user freed henv the next first user skips SQLAllocHandle.",
    { statics: ["initialized"], exec: (x) => smGetOrCreateWith(x, "henv", { flag: true }) },
    { "*": "only scenarios where the count goes back to 0 and a later import follows (churn, runtime-reinit) reuse the flag" },
  ),
  mistake(
    "lock-order-inversion",
    sm,
    "A second static mutex for the library: the exec makes the library's set-up call under the count mutex then the library mutex, the module function takes the library mutex then the count mutex.",
    {
      statics: ["lib_mutex", "lib_mutex_owner"],
      *exec(x) {
        // the library's own set-up call, under both locks
        yield* libraryCallMutexFirst(x);
        return yield* smGetOrCreate(x, "henv");
      },
      library: libraryCallLibFirst,
    },
    { "*": "only the library scenario runs the library call against an import" },
  ),
  mistake("skip-global-exit", sm, "The last user decrements the count but never frees the handle (\"the process is exiting anyway\").", inDrop(smDropWith, { neverFree: true })),
  mistake(
    "library-without-lock",
    sm,
    "The module function calls the thread-unsafe library without `PyMutex_Lock`.",
    {
      *library(x) {
        yield* x.lib.call();
        return ok();
      },
    },
  ),
  mistake(
    "unlock-missing-on-error",
    sm,
    "When SQLAllocHandle fails the exec returns the error with the mutex still locked.",
    inGetOrCreate(smGetOrCreateWith, { noUnlockOnError: true }),
    { "*": "only the init-failure scenario refuses an allocation" },
  ),
];
