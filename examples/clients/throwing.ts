/**
 * A client that fails itself: its exec throws in a subinterpreter (a bug in the extension's own
 * code, or in how it was transliterated). interlock reports "the module under test failed" with
 * the hook, the interpreter and the scenario — not a property counterexample (exit code 4).
 * `malformed` returns something that is not ok(…)/fail(…): the same verdict.
 */
import { defineClient, ok } from "interlock";
import { load } from "interlock/impl";

export default defineClient({
  family: "static_mutex",
  name: "throwing",
  *exec(x) {
    yield load(x.statics.handle("henv"));
    if (!x.isMain) throw new Error("PyErr_SetString: subinterpreters are not handled yet");
    return ok();
  },
  *free() {
    return ok();
  },
  *use() {
    return ok();
  },
});

export const malformed = defineClient({
  family: "static_mutex",
  name: "malformed",
  *exec() {
    return { status: "fine" } as unknown as ReturnType<typeof ok>;
  },
  *free() {
    return ok();
  },
  *use() {
    return ok();
  },
});
