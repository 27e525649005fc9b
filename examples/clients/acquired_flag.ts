/**
 * Safe pattern: a per-instance "acquired" flag and a non-atomic exec. Exec takes its reference on
 * henv under the static mutex, then — after unlocking, as a separate step — records it in its
 * module state. CPython runs m_free even after a failed exec (multi-phase init), so m_free gives
 * the reference back only if this instance took it.
 *
 * The unsafe variant's m_free gives a reference back unconditionally: after the failed first
 * import (init-failure) it drops a reference it never took.
 */
import { defineClient, fail, ok, type ClientApi, type ClientDefinition, type HookResult } from "interlock";
import { load, store, type Code } from "interlock/impl";

function* dropRef(x: ClientApi): Code<HookResult> {
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
}

const shared = {
  family: "static_mutex",
  state: ["acquired"],
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
    x.state.set("acquired", 1);
    return ok();
  },
  *use(x, r) {
    return ok(yield* x.lib.use(r, yield load(x.statics.handle(r))));
  },
} satisfies Omit<ClientDefinition<"static_mutex">, "free">;

export default defineClient({
  ...shared,
  name: "acquired_flag",
  *free(x) {
    if (x.state.get("acquired") === 0) return ok();
    return yield* dropRef(x);
  },
});

export const unsafe = defineClient({ ...shared, name: "acquired_flag_ignored", free: dropRef });
