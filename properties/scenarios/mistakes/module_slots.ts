/**
 * The mistake catalogue of `Py_mod_global_init` / `Py_mod_global_exit` (columns/module_slots.ts):
 * the runtime counts the module, calls global_init on 0→1 and global_exit on 1→0 under its own
 * lock and undoes a failed global_init — the author writes no lock, count or check for the one
 * global handle. Several resources still need the author's own refcounts under a static PyMutex
 * (the static-mutex code), where the count mistakes come back. Each variant changes the correct
 * `moduleSlots` client.
 */
import { load } from "../../../impl/memory.js";
import { moduleSlots } from "../columns/module_slots.js";
import { fromApi } from "../columns/shared.js";
import { ok } from "../contract.js";
import { impossible, mistake, type MistakeEntry } from "./entry.js";
import { henvInitOnce } from "./refcounted_lock.js";
import { smDropWith, smGetOrCreateWith } from "./static_mutex.js";

const ms = moduleSlots;
export const moduleSlotsMistakes: readonly MistakeEntry[] = [
  mistake("check-outside-lock", ms, "For an extra resource: tests its count before `PyMutex_Lock`, and allocates there.", { acquire: (x, r) => smGetOrCreateWith(x, r, { checkFirst: true }) }),
  mistake("count-outside-lock", ms, "For an extra resource: `count++` after `PyMutex_Unlock`.", { acquire: (x, r) => smGetOrCreateWith(x, r, { countAfter: true }) }),
  mistake("free-before-release", ms, "m_free frees henv itself, then calls `unload_module` (whose global_exit frees it again when last).", {
    *free(x) {
      yield* x.lib.free("henv", yield load(x.statics.handle("henv")));
      return fromApi(yield* x.call({ _tag: "unload_module", def: "odbc" }));
    },
  }),
  mistake("teardown-outside-lock", ms, "For an extra resource: the last user frees it after `PyMutex_Unlock`.", { release: (x, r) => smDropWith(x, r, { freeAfterUnlock: true }) }),
  impossible("module_slots", "no-rollback-on-failed-init", "The runtime counts the module and undoes a failed global_init itself: the author's global_init only returns false."),
  impossible("module_slots", "stale-index", "No index or key: the runtime counts the module def; the author holds nothing that can go stale."),
  mistake("double-release", ms, "The module is multi-phase, so CPython runs m_free — `unload_module` — on the module whose exec failed.", { failedExec: "m_free" }, { "init-failure": "the runtime refuses `unload_module` of an instance that holds no reference (\"NotImported\", impl/lifecycle.ts unloadModule): the API absorbs the double release" }),
  mistake(
    "static-flag-across-reinit",
    ms,
    "Py_mod_global_init is guarded by `static int initialized`, set once and never cleared, so after global_exit freed henv the next global_init allocates nothing.",
    { statics: ["initialized"], globalInit: henvInitOnce },
    { "*": "only scenarios where the last user leaves and a later import follows (churn, runtime-reinit) run global_init twice" },
  ),
  impossible(
    "module_slots",
    "lock-order-inversion",
    "The author's only lock is the static mutex of the extra resources, and the runtime holds its lock only around global_init/global_exit, which run when no other instance exists to hold that mutex across a runtime call. The one inversion left — m_free holding the mutex across `unload_module` while global_exit takes it — is not expressible in the client contract (a limitation of interlock, not of the API): global_exit runs with no interpreter id, so it cannot take the mutex.",
  ),
  mistake("skip-global-exit", ms, "No Py_mod_global_exit: henv is never freed.", { globalExit: undefined }),
  mistake("library-without-lock", ms, "The module function calls the thread-unsafe library without the static mutex.", {
    *library(x) {
      yield* x.lib.call();
      return ok();
    },
  }),
  impossible("module_slots", "unlock-missing-on-error", "The author takes no lock around set-up: global_init only returns false, under the runtime's lock."),
];
