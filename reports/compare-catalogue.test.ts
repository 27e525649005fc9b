import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readmeBlock } from "../properties/scenarios/compare.js";
import { COMPARE_DATA_PATH, familySummaries, REGENERATE, type CompareData } from "../properties/scenarios/compare-data.js";
import { inputsHash, sourceRoot } from "../properties/scenarios/inputs.js";
import { catalogue, catalogueFamilies, mistakeKinds } from "../properties/scenarios/mistakes/catalogue.js";
import { mistake } from "../properties/scenarios/mistakes/entry.js";
import { judgeEntry, judgeReached, type CatalogueCell } from "../properties/scenarios/mistakes/judge.js";
import { staticMutex } from "../properties/scenarios/columns/static_mutex.js";
import { scenarios } from "../properties/scenarios/scenarios.js";
import { CATALOGUE_PAGE_PATH, cataloguePage, compareHtml, compareReadmeBlock } from "./compare-catalogue.js";

/**
 * The mistake catalogue and the checked-in comparison data, cheaply: the data is computed by
 * `interlock compare --update-readme` (minutes), never here; these tests check that it is not stale,
 * that what the README and the catalogue page show is its rendering, and re-run a few recorded cells.
 */
const root = sourceRoot() as string;
const read = (rel: string): string => (existsSync(`${root}/${rel}`) ? readFileSync(`${root}/${rel}`, "utf8") : "");
const data = JSON.parse(read(COMPARE_DATA_PATH) || "null") as CompareData | null;
const stale = `the comparison data is stale: run \`${REGENERATE}\``;

describe("the mistake catalogue", () => {
  it.each(catalogueFamilies)("writes every mistake kind against %s, at least 8 of them, each possible one as a client and each impossible one with its reason", (family) => {
    const entries = catalogue.filter((e) => e.family === family);
    expect(entries.map((e) => e.kind)).toEqual(mistakeKinds.map((k) => k.id));
    expect(entries.length).toBeGreaterThanOrEqual(8);
    for (const e of entries) {
      if (e.possible) {
        expect(e.client.family).toBe(family);
        expect(e.description.length).toBeGreaterThan(10);
      } else expect(e.reason.length).toBeGreaterThan(10);
    }
  });

  it("says where every mistake kind comes from", () => {
    for (const k of mistakeKinds) expect(k.source).toMatch(/thread l\.\d+|properties\.md/);
  });

  it("reports an entry that is really the correct client as missed, with no explanation (the catalogue has teeth)", () => {
    // exec wrapped so it counts as changed, but it does exactly what the correct client does
    const notAMistake = mistake("count-outside-lock", staticMutex, "Not a mistake: the correct exec behind a wrapper.", { exec: (x) => staticMutex.exec(x) });
    const henv = scenarios.find((s) => s.id === "henv")!;
    const judged = judgeEntry(notAMistake, { scenarios: [henv], maxExhaustiveStates: 100_000 });
    expect(judged.possible && judged.cells[0]).toMatchObject({ status: "missed", strategy: "exhaustive" });
    expect(judged.possible && judged.cells[0] && "explanation" in judged.cells[0]).toBe(false);
    // while the real mistake in the same cell is caught
    const real = catalogue.find((e) => e.id === "static_mutex.count-outside-lock")!;
    expect(real.possible && judgeReached(real.client, henv, 100_000).status).toBe("caught");
  });
});

describe("the checked-in comparison data", () => {
  it("exists and was computed from the current sources", () => {
    expect(data, `${COMPARE_DATA_PATH} is missing: ${stale}`).not.toBeNull();
    expect(data?.inputsHash, stale).toBe(inputsHash(root));
    expect(data?.catalogue.map((e) => e.id), stale).toEqual(catalogue.map((e) => e.id));
  });

  it("is what README.md shows between the compare markers, and what the catalogue page shows", () => {
    const block = readmeBlock(read("README.md"));
    expect(block, "README.md has no <!-- compare:begin --> / <!-- compare:end --> markers").toBeDefined();
    expect(block, stale).toBe(compareReadmeBlock(data as CompareData));
    expect(read(CATALOGUE_PAGE_PATH), stale).toBe(cataloguePage(data as CompareData));
  });

  it("renders a self-contained HTML page linking every catalogue entry", () => {
    const page = compareHtml(data as CompareData);
    expect(page).not.toMatch(/<script|https?:\/\//);
    for (const e of catalogue) expect(page).toContain(`href="#${e.id.replace(/[^A-Za-z0-9_-]/g, "-")}"`);
  });

  it("has every cell decided, and every † cell states what it covered", () => {
    const d = data as CompareData;
    expect(d.matrix.cells.filter((c) => c.verdict === "unknown")).toEqual([]);
    for (const c of d.matrix.cells) if (c.strategy === "bounded") expect(c.coverage).toMatch(/preemption/);
    for (const e of d.catalogue) if (e.possible) for (const c of e.cells) if ((c.status === "caught" || c.status === "missed") && c.strategy === "bounded") expect(c.coverage).toMatch(/preemption/);
  });

  it("summarises each API from the data: possible + impossible = every kind", () => {
    for (const f of familySummaries(data as CompareData)) expect(f.possible + f.impossible).toBe(mistakeKinds.length);
  });

  // One caught mistake per family, the cheapest exhaustively decided one: re-run, it is caught the same way.
  const cheapest = catalogueFamilies.map((family) => {
    const cells = (data?.catalogue ?? [])
      .filter((e) => e.family === family && e.possible)
      .flatMap((e) => (e.possible ? e.cells.map((c) => [e.id, c] as const) : []))
      .filter((x): x is readonly [string, Extract<CatalogueCell, { status: "caught" }>] => x[1].status === "caught" && x[1].strategy === "exhaustive")
      .sort((a, b) => a[1].states - b[1].states);
    return [family, cells[0]] as const;
  });
  it.each(cheapest)("re-runs %s's cheapest recorded catch to the same verdict, property and token", (_family, found) => {
    expect(found, stale).toBeDefined();
    const [id, cell] = found!;
    const e = catalogue.find((x) => x.id === id)!;
    const s = scenarios.find((x) => x.id === cell.scenario)!;
    const again = e.possible ? judgeReached(e.client, s, (data as CompareData).budgets.catalogue) : undefined;
    expect(again, stale).toMatchObject({ status: "caught", property: cell.property, token: cell.token, states: cell.states });
  });
});
