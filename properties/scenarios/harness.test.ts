import { describe, expect, it } from "vitest";
import { load, store, type Code } from "../../impl/memory.js";
import { checkClient } from "./check-client.js";
import { defineClient, ok, type ClientApi, type ClientDefinition, type HookResult } from "./contract.js";

/**
 * The harness around a client: every break of the contract is the client's failure (named), and
 * CPython's rules are applied — no module functions without a module, subinterpreter imports
 * refused when the module says so.
 */
function* useHenv(x: ClientApi): Code<HookResult> {
  return ok(yield* x.lib.use("henv", yield load(x.statics.handle("henv"))));
}
const base = {
  family: "static_mutex",
  *exec(x) {
    yield* x.lock();
    if ((yield load(x.statics.handle("henv"))) === 0) yield store(x.statics.handle("henv"), yield* x.lib.alloc("henv"));
    yield* x.unlock();
    return ok();
  },
  *free() {
    return ok();
  },
  use: (x: ClientApi) => useHenv(x),
} satisfies ClientDefinition<"static_mutex">;

describe("the client harness", () => {
  it("fails a hook that yields something that is not a memory access", () => {
    const d = defineClient({ ...base, *use() { yield 42 as never; return ok(); } });
    const [c] = checkClient(d, { scenarios: ["henv"] });
    expect(c?.verdict).toBe("failed");
    expect(c?.message).toMatch(/use\(henv\) in interp \d yielded 42, which is not a memory access/);
  });

  it("refuses to check a client that no scenario can exercise, instead of calling it safe", () => {
    const d = defineClient({ family: "static_mutex", exec: base.exec, free: base.free });
    expect(() => checkClient(d)).toThrow(/defines no module function a scenario calls/);
  });

  it("fails a hook that reaches outside the memory", () => {
    const d = defineClient({ ...base, *use() { yield load(1_000_000); return ok(); } });
    expect(checkClient(d, { scenarios: ["henv"] })[0]?.message).toMatch(/use\(henv\) in interp \d accessed word 1000000, outside the \d+ words of memory/);
  });

  it("fails a hook that is not a generator function", () => {
    const d = defineClient({ ...base, use: (() => ok()) as never });
    expect(checkClient(d, { scenarios: ["henv"] })[0]?.message).toMatch(/returned \{"_tag":"Ok","value":0\}, not a generator \(write it as function\*\)/);
  });

  it("fails a hook that uses a static or a module-state word its definition does not declare", () => {
    const statics = defineClient({ ...base, *use(x) { yield load(x.statics.word("flag")); return ok(); } });
    expect(checkClient(statics, { scenarios: ["henv"] })[0]?.message).toMatch(/uses static "flag", which its definition's "statics" does not declare/);
    const state = defineClient({ ...base, *use(x) { x.state.set("seen", 1); return ok(); } });
    expect(checkClient(state, { scenarios: ["henv"] })[0]?.message).toMatch(/module state "seen", which is neither a resource .* nor declared in "state"/);
  });

  it("refuses subinterpreter imports for a module that does not support them, and runs none of its functions there", () => {
    const d = defineClient({
      ...base,
      multipleInterpreters: "not-supported",
      *use(x) {
        if (!x.isMain) throw new Error("a module function ran in a subinterpreter");
        return yield* useHenv(x);
      },
    });
    expect(checkClient(d, { scenarios: ["henv", "interp-end"] }).map((c) => c.verdict)).toEqual(["ok", "ok"]);
    // The same code with subinterpreter support runs its functions there — and fails.
    const supported = defineClient({ ...d, multipleInterpreters: "supported" });
    expect(checkClient(supported, { scenarios: ["henv"] })[0]?.message).toMatch(/threw: a module function ran in a subinterpreter/);
  });

  it("keeps a module state word per instance: what exec set is there in its functions, and a new instance starts at zero", () => {
    const d = defineClient({
      ...base,
      state: ["execs"],
      *exec(x) {
        x.state.set("execs", x.state.get("execs") + 1);
        if (x.state.get("execs") !== 1) throw new Error(`a new instance started with ${x.state.get("execs") - 1} earlier execs`);
        return yield* base.exec(x);
      },
      *use(x) {
        if (x.state.get("execs") !== 1) throw new Error("the instance lost its state");
        return yield* useHenv(x);
      },
    });
    // churn: interpreter 1 imports, unloads and imports again (a second instance), then uses it.
    expect(checkClient(d, { scenarios: ["churn", "interp-end"] }).map((c) => c.verdict)).toEqual(["ok", "ok"]);
  });
});
