import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { clientRegions, goldenText, linesFor, parseRegions } from "./lines.js";
import { clients } from "./clients.js";

const fixture = parseRegions(readFileSync(new URL("../../test/fixtures/compare/regions.ts.txt", import.meta.url), "utf8"));

describe("counting lines of client code", () => {
  it.each([
    ["alpha", ["import"], 4],
    ["alpha", ["import", "library"], 7],
    ["alpha", ["unload", "import"], 4],
    ["beta", ["import"], 4],
    ["beta", ["library"], 0],
    ["gamma", ["import"], 0],
  ] as const)("column %s performing %j counts %i lines", (column, ops, lines) => {
    expect(linesFor(column, new Set(ops), fixture)).toBe(lines);
  });

  it.each([
    ["an unterminated region", "// client a:b\nx();\n"],
    ["a nested region", "// client a:b\n// client a:c\n// end client\n// end client\n"],
    ["an end without a region", "// end client\n"],
  ])("rejects %s", (_what, text) => {
    expect(() => parseRegions(text)).toThrow(/clients\.ts/);
  });

  it("counts a generator method's first line as code, and a block comment's continuation lines as comments", () => {
    const [r] = parseRegions("// client a:import\n  /**\n   * what it is\n   */\n  *exec(x) {\n    return ok();\n  },\n// end client\n");
    expect(r?.lines).toBe(3);
  });

  it("the golden line counts are the column files' counts (regenerate: npx vitest run properties/scenarios/lines.test.ts -u)", async () => {
    const dir = new URL("./columns/", import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts")).sort();
    const counted = files.flatMap((f) => parseRegions(readFileSync(new URL(f, dir), "utf8"), `columns/${f}`));
    expect(counted.length).toBeGreaterThan(0);
    await expect(goldenText(counted)).toMatchFileSnapshot("./lines.golden.ts");
  });

  it("the golden text changes when a region's count does (a stale golden file cannot pass)", () => {
    const [r] = parseRegions("// client a:import\nx();\n// end client\n", "columns/a.ts");
    expect(goldenText([r!])).not.toBe(goldenText([{ ...r!, lines: r!.lines + 1 }]));
  });

  it("finds client code for every column of the matrix in the golden counts", () => {
    const regions = clientRegions();
    for (const c of clients) expect(linesFor(c.column, new Set(["import", "unload", "use"]), regions), c.column).toBeGreaterThan(0);
  });
});
