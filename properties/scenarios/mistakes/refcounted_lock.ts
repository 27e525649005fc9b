/**
 * The mistake catalogue of Petr's refcounted lock (columns/refcounted_lock.ts): the runtime counts
 * the module, runs setup on the first reference and teardown on the last, under the lock, and
 * undoes a failed setup — so for the one global handle the author writes only setup and teardown.
 * Several resources still need the author's own refcounts under the lock, where the count
 * mistakes come back. Each variant changes the correct `refcountedLock` client.
 */
import type { Code } from "../../../impl/memory.js";
import { add, load, store } from "../../../impl/memory.js";
import { refcountedLock } from "../columns/refcounted_lock.js";
import { henvInit, type Api, type ExtLock } from "../columns/shared.js";
import { ok, type HookResult, type Resource } from "../contract.js";
import { impossible, mistake, type MistakeEntry } from "./entry.js";

/** The refcounted lock, as the column takes it around its own refcounts. */
export const odbcLock: ExtLock = {
  take: (x) => x.call({ _tag: "PyThread_acquire_lock", def: "odbc" } as never),
  give: (x) => x.call({ _tag: "PyThread_release_lock", def: "odbc" } as never),
};

/** The column's extra-resource get-or-create (shared.ts `countedGetOrCreate`) with the given slips. */
export function* countedGetOrCreateWith(x: Api, r: Resource, l: ExtLock, slip: { checkFirst?: boolean; countAfter?: boolean }): Code<HookResult> {
  if (slip.checkFirst === true && (yield load(x.statics.count(r))) === 0) yield store(x.statics.handle(r), yield* x.lib.alloc(r));
  yield* l.take(x);
  if (slip.checkFirst !== true && (yield load(x.statics.count(r))) === 0) yield store(x.statics.handle(r), yield* x.lib.alloc(r));
  if (slip.countAfter !== true) yield store(x.statics.count(r), (yield load(x.statics.count(r))) + 1);
  yield* l.give(x);
  if (slip.countAfter === true) yield add(x.statics.count(r), 1);
  return ok();
}
/** The column's extra-resource drop with the last user's free after unlocking. */
export function* countedDropAfterUnlock(x: Api, r: Resource, l: ExtLock): Code<HookResult> {
  yield* l.take(x);
  const left = (yield load(x.statics.count(r))) - 1;
  yield store(x.statics.count(r), left);
  const h = yield load(x.statics.handle(r));
  yield* l.give(x);
  if (left === 0) yield* x.lib.free(r, h);
  return ok();
}
/** Setup guarded by a static flag that teardown never clears. */
export function* henvInitOnce(x: Api): Code<boolean> {
  if ((yield load(x.statics.word("initialized"))) !== 0) return true;
  if (!(yield* henvInit(x))) return false;
  yield store(x.statics.word("initialized"), 1);
  return true;
}

const rl = refcountedLock;
export const refcountedLockMistakes: readonly MistakeEntry[] = [
  mistake("check-outside-lock", rl, "For an extra resource: tests its count before taking the refcounted lock, and allocates there.", { acquire: (x, r) => countedGetOrCreateWith(x, r, odbcLock, { checkFirst: true }) }),
  mistake("count-outside-lock", rl, "For an extra resource: `count++` after `PyThread_release_lock`.", { acquire: (x, r) => countedGetOrCreateWith(x, r, odbcLock, { countAfter: true }) }),
  mistake("free-before-release", rl, "m_free frees henv itself, then calls `mod_free` (whose teardown frees it again when last).", {
    *free(x) {
      yield* x.lib.free("henv", yield load(x.statics.handle("henv")));
      const r = yield* x.call({ _tag: "mod_free", def: "odbc" });
      return r._tag === "Ok" ? ok(r.value) : { _tag: "Err", error: r.error };
    },
  }),
  mistake("teardown-outside-lock", rl, "For an extra resource: the last user frees it after `PyThread_release_lock`.", { release: (x, r) => countedDropAfterUnlock(x, r, odbcLock) }),
  impossible("refcounted_lock", "no-rollback-on-failed-init", "The runtime counts the module and undoes the reference of a failed setup itself: the author's setup only returns false."),
  impossible("refcounted_lock", "stale-index", "No index or key: the lock is named by the module def, and the runtime writes the extension's static `my_lock` itself (D10b)."),
  mistake("double-release", rl, "The module is multi-phase, so CPython runs m_free — `mod_free` — on the module whose `mod_init` failed.", { failedExec: "m_free" }, { "init-failure": "the runtime refuses `mod_free` of an instance that holds no reference (\"NotImported\", impl/lifecycle.ts unloadModule): the API absorbs the double release" }),
  mistake(
    "static-flag-across-reinit",
    rl,
    "Setup is guarded by `static int initialized`, set once and never cleared, so after teardown freed henv the next setup allocates nothing.",
    { statics: ["initialized"], globalInit: henvInitOnce },
    { "*": "only scenarios where the last user leaves and a later import follows (churn, runtime-reinit) run setup twice" },
  ),
  mistake(
    "lock-order-inversion",
    rl,
    "The exec holds the extension's static mutex across `mod_init` (which takes the refcounted lock); the module function takes the refcounted lock then the static mutex.",
    {
      *exec(x) {
        yield* x.lock();
        const r = yield* x.call({ _tag: "mod_init", def: "odbc", setupFails: false });
        yield* x.unlock();
        return r._tag === "Ok" ? ok(r.value) : { _tag: "Err", error: r.error };
      },
      *library(x) {
        yield* x.call({ _tag: "PyThread_acquire_lock", def: "odbc" });
        yield* x.lock();
        yield* x.lib.call();
        yield* x.unlock();
        yield* x.call({ _tag: "PyThread_release_lock", def: "odbc" });
        return ok();
      },
    },
    { "*": "only the library scenario runs the library call against an import" },
  ),
  mistake("skip-global-exit", rl, "No teardown: the last `mod_free` frees the lock but henv is never freed.", { globalExit: undefined }),
  mistake("library-without-lock", rl, "The module function calls the thread-unsafe library without `PyThread_acquire_lock`.", {
    *library(x) {
      yield* x.lib.call();
      return ok();
    },
  }),
  impossible("refcounted_lock", "unlock-missing-on-error", "The author's setup only returns false on failure: the runtime takes and releases the lock around it."),
];
