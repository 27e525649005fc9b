/**
 * Safe pattern: types readied once, process-wide, and never torn down (CPython's static types).
 * A once-flag — 0 not ready, 1 being readied, 2 ready — claimed with compare-and-swap: exactly
 * one exec readies, the others wait until it is done. m_free does nothing: the state lives until
 * the process ends, so it is a leak only if the runtime is finalised (P7 in runtime-reinit).
 *
 * The unsafe variant checks the flag with a plain load, so two first imports both ready: P1.
 */
import { defineClient, fail, ok, type ClientApi, type ClientDefinition, type HookResult } from "interlock";
import { cas, load, notify, store, wait, type Code } from "interlock/impl";

const READY = 2;

function* readyOnce(x: ClientApi): Code<HookResult> {
  const flag = x.statics.word("ready");
  for (;;) {
    const was = yield cas(flag, 0, 1);
    if (was === READY) return ok();
    if (was === 1) {
      yield wait(flag, 1);
      continue;
    }
    const h = yield* x.lib.alloc("henv");
    if (h === 0) {
      yield store(flag, 0);
      yield notify(flag, 8);
      return fail("InitFailed");
    }
    yield store(x.statics.handle("henv"), h);
    yield store(flag, READY);
    yield notify(flag, 8);
    return ok();
  }
}

const shared = {
  family: "static_mutex",
  statics: ["ready"],
  *free() {
    return ok();
  },
  *use(x, r) {
    return ok(yield* x.lib.use(r, yield load(x.statics.handle(r))));
  },
} satisfies Omit<ClientDefinition<"static_mutex">, "exec">;

export default defineClient({ ...shared, name: "ready_once", exec: readyOnce });

export const unsafe = defineClient({
  ...shared,
  name: "ready_once_unlocked",
  *exec(x) {
    const flag = x.statics.word("ready");
    if ((yield load(flag)) !== READY) {
      const h = yield* x.lib.alloc("henv");
      if (h === 0) return fail("InitFailed");
      yield store(x.statics.handle("henv"), h);
      yield store(flag, READY);
    }
    return ok();
  },
});
