/**
 * The shipped baseline, as an extension author writes it today: a `static PyMutex`, a refcount
 * and the ODBC environment handle. The first exec allocates henv, the last m_free frees it, all
 * under the mutex. Safe in every scenario.
 *
 *   npx interlock verify --client examples/clients/static_mutex.ts --family static_mutex
 */
import { defineClient, fail, ok } from "interlock";
import { load, store } from "interlock/impl";

export default defineClient({
  family: "static_mutex",
  name: "static_mutex",
  // Single-phase init: a failed exec leaves no module object, so CPython runs no m_free.
  failedExec: "no-module",
  *exec(x) {
    const count = x.statics.count("henv");
    yield* x.lock();
    if ((yield load(count)) === 0) {
      const h = yield* x.lib.alloc("henv");
      if (h === 0) {
        yield* x.unlock();
        return fail("InitFailed");
      }
      yield store(x.statics.handle("henv"), h);
    }
    yield store(count, (yield load(count)) + 1);
    yield* x.unlock();
    return ok();
  },
  *free(x) {
    const count = x.statics.count("henv");
    yield* x.lock();
    const left = (yield load(count)) - 1;
    yield store(count, left);
    if (left === 0) {
      yield* x.lib.free("henv", yield load(x.statics.handle("henv")));
      yield store(x.statics.handle("henv"), 0);
    }
    yield* x.unlock();
    return ok();
  },
  *use(x, r) {
    return ok(yield* x.lib.use(r, yield load(x.statics.handle(r))));
  },
  *library(x) {
    yield* x.lock();
    yield* x.lib.call();
    yield* x.unlock();
    return ok();
  },
  // The refcount is only touched under the mutex (the explorer checks it).
  *disciplines(s) {
    yield [s.count("henv"), { protectedBy: s.mutex.owner }] as const;
  },
});
