import { describe, expect, it } from "vitest";
import { clients } from "./clients.js";
import { decideCell } from "./compare.js";
import { replayCell } from "./cell.js";
import { scenarios } from "./scenarios.js";

/**
 * The monitors have teeth: every naive column is caught in every scenario (each is decided by the
 * exhaustive search, fast because the bug is found early), and each counterexample's token
 * replays to the same violation.
 */
const naive = clients.filter((c) => c.naive);
const cases = naive.flatMap((c) => scenarios.map((s) => [c.column, s.id, c, s] as const));

describe("naive client code", () => {
  it.each(cases)("%s is unsafe in %s, and its counterexample replays", (_col, _sc, client, scenario) => {
    const cell = decideCell(client, scenario);
    expect(cell.verdict).toBe("violation");
    expect(cell.strategy).toBe("exhaustive");
    expect(["P1", "P2"]).toContain(cell.property);
    const again = replayCell(client, scenario, cell.token as string);
    expect(again.status).toBe("replayed");
    if (again.status !== "replayed") return;
    expect(again.violation?.property).toBe(cell.property);
    expect(again.violation?.message.split("\n")[0]).toBe(cell.message);
  });
});
