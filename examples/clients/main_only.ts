/**
 * Safe pattern: the extension works in the main interpreter only. It says so with
 * Py_mod_multiple_interpreters = Py_MOD_MULTIPLE_INTERPRETERS_NOT_SUPPORTED, so CPython refuses
 * the import in every subinterpreter; with one instance at a time, plain set-up in exec and
 * teardown in m_free need no lock and no count.
 *
 * The unsafe variant is the same code claiming subinterpreter support: with several instances, one
 * instance's m_free clears henv while another still uses it, and two first imports race to set it
 * up (P1: the first hazard found is a use of the cleared handle).
 */
import { defineClient, fail, ok, type ClientDefinition } from "interlock";
import { load, store } from "interlock/impl";

const shared = {
  family: "static_mutex",
  *exec(x) {
    const h = yield* x.lib.alloc("henv");
    if (h === 0) return fail("InitFailed");
    yield store(x.statics.handle("henv"), h);
    return ok();
  },
  *free(x) {
    const h = yield load(x.statics.handle("henv"));
    if (h !== 0) yield* x.lib.free("henv", h);
    yield store(x.statics.handle("henv"), 0);
    return ok();
  },
  *use(x, r) {
    return ok(yield* x.lib.use(r, yield load(x.statics.handle(r))));
  },
  *library(x) {
    yield* x.lib.call();
    return ok();
  },
} satisfies ClientDefinition<"static_mutex">;

export default defineClient({ ...shared, name: "main_only", multipleInterpreters: "not-supported" });

export const unsafe = defineClient({ ...shared, name: "main_only_claiming_subinterpreters", multipleInterpreters: "supported" });
