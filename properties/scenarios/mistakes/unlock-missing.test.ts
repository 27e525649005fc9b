import { describe, expect, it } from "vitest";
import { replayCell } from "../cell.js";
import { defaultCatalogueStates } from "../compare-data.js";
import { columnOf } from "../harness.js";
import { scenarios } from "../scenarios.js";
import { catalogue } from "./catalogue.js";
import { judgeReached } from "./judge.js";

/**
 * The missing unlock on the error path, against an extension's own `static PyMutex`: CPython's
 * PyMutex is not recursive and keeps no owner (Python/lock.c `_PyMutex_LockTimed` parks until an
 * unlock), so after the exec returns its error with the mutex locked, the next lock — the retry's
 * in the same interpreter, or another interpreter's import — waits forever. The client contract's
 * static mutex (impl/pymutex.ts `StaticPyMutex_Lock`) behaves so, and the catalogue's own entry is
 * caught as a deadlock (P6) in the one scenario that refuses an allocation, by the same judge and
 * budget as `interlock compare`; its token replays to the same violation. Each cell stops at its
 * first violation within a few hundred states.
 */
const initFailure = scenarios.find((s) => s.id === "init-failure")!;

describe("a missing unlock on the error path of a static PyMutex", () => {
  it.each(["static_mutex", "runtime_store"])("is caught in %s's init-failure cell as a deadlock (P6), exhaustively, and its token replays to it", (family) => {
    const e = catalogue.find((x) => x.id === `${family}.unlock-missing-on-error`);
    expect(e?.possible).toBe(true);
    if (e?.possible !== true) return;
    const cell = judgeReached(e.client, initFailure, defaultCatalogueStates, e.explain);
    expect(cell).toMatchObject({ status: "caught", property: "P6", strategy: "exhaustive" });
    if (cell.status !== "caught") return;
    expect(cell.message).toMatch(/deadlock/);
    const again = replayCell(columnOf(e.client), initFailure, cell.token);
    expect(again.status).toBe("replayed");
    if (again.status === "replayed") expect(again.violation?.property).toBe("P6");
  });
});
