import { describe, expect, it } from "vitest";
import { checkClient } from "./check-client.js";
import type { ClientDefinition } from "./contract.js";
import type { FamilyName } from "../../model/index.js";
import readyOnce, { unsafe as readyOnceUnsafe } from "../../examples/clients/ready_once.js";
import neverTornDown, { unsafe as tornDownEverywhere } from "../../examples/clients/never_torn_down.js";
import mainOnly, { unsafe as mainOnlyClaimingSubinterpreters } from "../../examples/clients/main_only.js";
import acquiredFlag, { unsafe as acquiredFlagIgnored } from "../../examples/clients/acquired_flag.js";
import staticMutex from "../../examples/clients/static_mutex.js";
import throwing, { malformed } from "../../examples/clients/throwing.js";

/**
 * The example clients (examples/clients/) are the contract's tests: the safe patterns CPython and
 * extensions ship pass every scenario they can run (state never torn down is a leak only when the
 * runtime finalises: P7 in runtime-reinit, and nowhere else), and each unsafe variant is caught by
 * the property it breaks.
 */
const verdicts = <F extends FamilyName>(d: ClientDefinition<F>, scenarios?: string[]) => Object.fromEntries(checkClient(d, scenarios ? { scenarios } : {}).map((c) => [c.scenario, c.verdict === "violation" ? c.property : c.verdict]));

describe("safe client patterns", () => {
  it("the shipped static-mutex baseline is safe in every scenario it can run", () => {
    expect(verdicts(staticMutex)).toEqual({ henv: "ok", library: "ok", churn: "ok", "init-failure": "ok", "interp-end": "ok", "runtime-reinit": "ok" });
  });

  it.each([
    ["types readied once with a once-flag", readyOnce],
    ["state set up once and never torn down", neverTornDown],
  ])("%s is safe, and leaks only when the runtime finalises", (_what, d) => {
    const v = verdicts(d);
    expect(v["runtime-reinit"]).toBe("P7");
    expect(Object.entries(v).filter(([s]) => s !== "runtime-reinit").every(([, x]) => x === "ok"), JSON.stringify(v)).toBe(true);
  });

  it("work restricted to the main interpreter (subinterpreter imports refused) is safe everywhere", () => {
    expect(Object.values(verdicts(mainOnly)).every((x) => x === "ok")).toBe(true);
  });

  it("a per-instance acquired flag with a non-atomic exec is safe, a failed exec included", () => {
    expect(Object.values(verdicts(acquiredFlag)).every((x) => x === "ok")).toBe(true);
  });
});

describe("unsafe variants", () => {
  it.each([
    ["a once-flag checked with a plain load double-initialises", readyOnceUnsafe, "henv", "P1"],
    ["teardown in every m_free frees under the other users", tornDownEverywhere, "interp-end", "P2"],
    ["main-interpreter code claiming subinterpreter support races its set-up", mainOnlyClaimingSubinterpreters, "henv", "P1"],
    ["an m_free that ignores the acquired flag releases what a failed exec never took", acquiredFlagIgnored, "init-failure", "P3"],
  ])("%s (%s: %s)", (_what, d, scenario, property) => {
    const [c] = checkClient(d, { scenarios: [scenario] });
    expect(c?.verdict).toBe("violation");
    expect(c?.property).toBe(property);
    expect(c?.token).toMatch(/\S/);
  });
});

describe("a client that fails itself", () => {
  it("a hook that throws gets the verdict 'failed' naming the hook, the interpreter and the scenario", () => {
    const [c] = checkClient(throwing, { scenarios: ["henv"] });
    expect(c?.verdict).toBe("failed");
    expect(c?.property).toBeUndefined();
    expect(c?.message).toMatch(/module under test failed in scenario henv: throwing exec in interp [23] threw: PyErr_SetString/);
  });

  it("a malformed result is the same verdict, not a property violation", () => {
    const [c] = checkClient(malformed, { scenarios: ["henv"] });
    expect(c?.verdict).toBe("failed");
    expect(c?.message).toMatch(/malformed exec in interp \d returned \{"status":"fine"\}: a hook must return ok/);
  });

  it("a malformed definition is refused where it is written, and a callback its family lacks when it is checked", async () => {
    const { defineClient } = await import("./contract.js");
    expect(() => defineClient({ family: "global_lock", exec: undefined } as unknown as ClientDefinition)).toThrow(/"exec" \(Py_mod_exec\) is required.*"free" \(m_free\) is required/);
    // defineClient sees the shape only (it is in the package entry's light part, without the models).
    const withCallback = defineClient({ family: "global_lock", *exec() { return { _tag: "Ok", value: 0 } as const; }, *free() { return { _tag: "Ok", value: 0 } as const; }, *globalInit() { return true; } });
    expect(() => checkClient(withCallback, { scenarios: ["henv"] })).toThrow(/"globalInit"\/"globalExit" are callbacks of (refcounted_lock and module_slots|module_slots and refcounted_lock) only; global_lock has none/);
    expect(() => checkClient({ ...withCallback, family: "no_such_family" } as unknown as ClientDefinition, { scenarios: ["henv"] })).toThrow(/"family" must be one of global_lock/);
  });
});
