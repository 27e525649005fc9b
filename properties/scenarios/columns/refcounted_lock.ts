/**
 * refcounted_lock — Petr's lock with setup/teardown: mod_init / mod_free and the lock they share;
 * setup allocates henv, teardown frees it (shared.ts), extra resources are refcounted under the lock.
 */
import { defineClient, ok } from "../contract.js";
import { countedDrop, countedGetOrCreate, fromApi, henvExit, henvInit, useStaticHandle, type ExtLock } from "./shared.js";

const refcountedLockOps: ExtLock = {
  take: (x) => x.call({ _tag: "PyThread_acquire_lock", def: "odbc" }),
  give: (x) => x.call({ _tag: "PyThread_release_lock", def: "odbc" }),
};

export const refcountedLock = defineClient({
  family: "refcounted_lock",
  name: "refcounted_lock",
  failedExec: "no-module",
  // client refcounted_lock:import
  *exec(x) {
    return fromApi(yield* x.call({ _tag: "mod_init", def: "odbc", setupFails: false }));
  },
  // end client
  // client refcounted_lock:unload
  *free(x) {
    return fromApi(yield* x.call({ _tag: "mod_free", def: "odbc" }));
  },
  // end client
  globalInit: henvInit,
  globalExit: henvExit,
  use: useStaticHandle,
  acquire: (x, r) => countedGetOrCreate(x, r, refcountedLockOps),
  release: (x, r) => countedDrop(x, r, refcountedLockOps),
  // client refcounted_lock:library
  *library(x) {
    yield* x.call({ _tag: "PyThread_acquire_lock", def: "odbc" });
    yield* x.lib.call();
    yield* x.call({ _tag: "PyThread_release_lock", def: "odbc" });
    return ok();
  },
  // end client
});
