import { describe, expect, it } from "vitest";
import { load, store } from "../../impl/memory.js";
import { checkClient, scenarioIds } from "./check-client.js";
import { defineClient, ok, okValue, type ClientDefinition } from "./contract.js";
import type { FamilyName } from "../../model/index.js";
import { staticMutex } from "./columns/static_mutex.js";
import readyOnce, { unsafe as readyOnceUnsafe } from "../../examples/clients/ready_once.js";
import { unsafe as acquiredFlagIgnored } from "../../examples/clients/acquired_flag.js";

/**
 * Each named scenario workload reaches its hazard: a client with a bug seeded for that scenario is
 * caught there, by the property the bug breaks — chosen, not found by luck.
 */
/** The matrix's static_mutex column (the correct baseline), without its name and its declared disciplines, so the seeded bugs are judged by the property they break. */
const { name: _name, disciplines: _disciplines, ...baseline } = staticMutex;

const seeded: readonly (readonly [string, string, ClientDefinition<FamilyName>, string])[] = [
  ["henv", "a once-flag checked with a plain load", readyOnceUnsafe, "P1"],
  [
    "resources",
    "release frees the resource without its count",
    defineClient({
      ...baseline,
      *release(x, r) {
        yield* x.lock();
        yield store(x.statics.count(r), (yield load(x.statics.count(r))) - 1);
        yield* x.lib.free(r, yield load(x.statics.handle(r)));
        yield* x.unlock();
        return ok();
      },
    }),
    "P2",
  ],
  [
    "cache",
    "get-or-create of the cache without the lock",
    defineClient({
      ...baseline,
      *acquire(x, r) {
        if ((yield load(x.statics.handle(r))) === 0) yield store(x.statics.handle(r), yield* x.lib.alloc(r));
        return ok();
      },
      *release() {
        return ok();
      },
    }),
    "P1",
  ],
  [
    "library",
    "the thread-unsafe library called without the lock",
    defineClient({
      ...baseline,
      *library(x) {
        yield* x.lib.call();
        return ok();
      },
    }),
    "P9",
  ],
  [
    "churn",
    "teardown leaves the 'ready' flag set, so 1→0→1 skips the set-up",
    defineClient({
      ...baseline,
      statics: ["ready"],
      *exec(x) {
        yield* x.lock();
        if ((yield load(x.statics.word("ready"))) === 0) {
          yield store(x.statics.handle("henv"), yield* x.lib.alloc("henv"));
          yield store(x.statics.word("ready"), 1);
        }
        yield store(x.statics.count("henv"), (yield load(x.statics.count("henv"))) + 1);
        yield* x.unlock();
        return ok();
      },
    }),
    "P2",
  ],
  ["init-failure", "m_free releases what a failed exec never took", acquiredFlagIgnored, "P3"],
  [
    "interp-end",
    "an interpreter's own object kept in the process-global store",
    defineClient({
      family: "runtime_store",
      *exec(x) {
        const key = okValue(yield* x.call({ _tag: "PyRuntime_store_ensure", def: "odbc", name: "henv" }));
        x.state.set("henv", key);
        yield* x.lock();
        if (okValue(yield* x.call({ _tag: "PyRuntime_store_is_set", key })) === 0) {
          yield* x.call({ _tag: "PyRuntime_store_set", key, value: yield* x.lib.alloc("henv"), owner: "interp" });
        }
        yield* x.unlock();
        return ok();
      },
      *free(x) {
        const key = x.state.get("henv");
        yield* x.lock();
        const h = okValue(yield* x.call({ _tag: "PyRuntime_store_get", key }));
        if (okValue(yield* x.call({ _tag: "PyRuntime_store_release", key })) === 1) yield* x.lib.free("henv", h);
        yield* x.unlock();
        return ok();
      },
      *use(x, r) {
        return ok(yield* x.lib.use(r, okValue(yield* x.call({ _tag: "PyRuntime_store_get", key: x.state.get(r) }))));
      },
    }),
    "P4",
  ],
  ["runtime-reinit", "types readied once and never torn down cross the runtime's finalisation", readyOnce, "P7"],
];

describe("named scenario workloads", () => {
  it("every scenario has a seeded bug below", () => {
    expect(seeded.map(([s]) => s)).toEqual(scenarioIds);
  });

  it.each(seeded.map(([s, bug, client, property]) => [s, bug, property, client] as const))("%s catches a client where %s (%s)", (scenario, _bug, property, client) => {
    const [c] = checkClient(client, { scenarios: [scenario] });
    expect(c?.verdict, c?.message).toBe("violation");
    expect(c?.property, c?.story).toBe(property);
  });

  it("the baseline those bugs were seeded into is safe in every scenario", () => {
    const checks = checkClient(defineClient(baseline));
    expect(checks.map((c) => c.scenario)).toEqual(scenarioIds);
    expect(checks.filter((c) => c.verdict !== "ok")).toEqual([]);
  });
});
