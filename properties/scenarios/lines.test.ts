import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { clientRegions, linesFor, parseRegions } from "./lines.js";
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

  it("finds client code for every column of the matrix in the column files", () => {
    const regions = clientRegions();
    for (const c of clients) expect(linesFor(c.column, new Set(["import", "unload", "use"]), regions), c.column).toBeGreaterThan(0);
  });
});
