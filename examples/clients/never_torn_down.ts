/**
 * Safe pattern: state set up once under the extension's static mutex and never torn down — no
 * refcount at all, m_free does nothing. Nobody can use a freed handle because nobody frees it;
 * the handle is a leak only if the runtime is finalised (P7 in runtime-reinit).
 *
 * The unsafe variant "cleans up" in every m_free without a count: the first interpreter to
 * unload frees henv under the feet of the others (P2).
 */
import { defineClient, fail, ok, type ClientDefinition } from "interlock";
import { load, store } from "interlock/impl";

const shared = {
  family: "static_mutex",
  *exec(x) {
    yield* x.lock();
    if ((yield load(x.statics.handle("henv"))) === 0) {
      const h = yield* x.lib.alloc("henv");
      if (h === 0) {
        yield* x.unlock();
        return fail("InitFailed");
      }
      yield store(x.statics.handle("henv"), h);
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
} satisfies Omit<ClientDefinition<"static_mutex">, "free">;

export default defineClient({
  ...shared,
  name: "never_torn_down",
  *free() {
    return ok();
  },
});

export const unsafe = defineClient({
  ...shared,
  name: "torn_down_by_every_instance",
  *free(x) {
    yield* x.lock();
    const h = yield load(x.statics.handle("henv"));
    if (h !== 0) {
      yield* x.lib.free("henv", h);
      yield store(x.statics.handle("henv"), 0);
    }
    yield* x.unlock();
    return ok();
  },
});
