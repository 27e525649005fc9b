import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The public API, pinned: the emitted declarations of each package entry point (built by
 * `npm test`'s pretest) match the checked-in snapshot in api/ — a change to the public surface
 * shows up in review as a change to that file (`npx vitest run test/api.test.ts -u` rewrites it).
 * Each export statement of the two entries interlock writes itself carries a TSDoc block marked
 * `@public`. (The checker entry's declarations carry their documentation on the declarations
 * themselves, in properties/checker/.)
 */
const ROOT = join(import.meta.dirname, "..");
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { exports: Record<string, { types: string } | string> };

const entries = Object.entries(pkg.exports).flatMap(([subpath, target]) => (typeof target === "string" ? [] : [{ subpath, types: target.types }]));

/** Export statements of a .d.ts, each with the comment right before it (or null). */
function exportStatements(dts: string): { statement: string; doc: string | null }[] {
  const out: { statement: string; doc: string | null }[] = [];
  const re = /(\/\*\*(?:(?!\*\/)[\s\S])*\*\/\s*)?^(export\s[\s\S]*?;)$/gm;
  for (const m of dts.matchAll(re)) out.push({ statement: m[2]!, doc: m[1] ?? null });
  return out;
}

describe("the package's entry points", () => {
  it("are exactly interlock, interlock/impl and interlock/checker", () => {
    expect(entries.map((e) => e.subpath)).toEqual([".", "./impl", "./checker"]);
  });

  it.each(entries)("the declarations of $subpath match the snapshot in api/", async ({ subpath, types }) => {
    const dts = readFileSync(join(ROOT, types), "utf8");
    const name = subpath === "." ? "index" : subpath.slice(2);
    await expect(dts).toMatchFileSnapshot(join(ROOT, "api", `${name}.d.ts`));
  });

  it.each(entries.filter((e) => e.subpath !== "./checker"))("every export of $subpath has its own TSDoc block marked @public", ({ types }) => {
    const statements = exportStatements(readFileSync(join(ROOT, types), "utf8"));
    expect(statements.length).toBeGreaterThan(10);
    const undocumented = statements.filter((s) => s.doc === null || !s.doc.includes("@public")).map((s) => s.statement);
    expect(undocumented).toEqual([]);
  });

  it("the documentation check itself rejects an export without a TSDoc block", () => {
    const statements = exportStatements('/** a\n * @public\n */\nexport { a } from "./a.js";\nexport { b } from "./b.js";\n');
    expect(statements.map((s) => s.doc !== null && s.doc.includes("@public"))).toEqual([true, false]);
  });
});
