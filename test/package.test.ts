import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mutants as catalogue } from "../impl/mutants/index.js";

/**
 * The package as a newcomer gets it: `npm pack` the repository (dist/ is built by pretest), install
 * the tarball into an empty project next to vitest and @fast-check/vitest (`--prefer-offline`: the
 * tarballs come from the npm cache `npm ci` filled, only package metadata from the registry), and
 * run vitest there with its defaults — the 5 s test timeout included:
 *   - a test file importing each of the three entry points;
 *   - the README's library recipe pasted verbatim: it passes for interlock's own implementation;
 *   - the same recipe with each seeded mutant of the catalogue as `mySubject` (and its family): each
 *     run must fail with fast-check's counterexample, not with vitest's timeout.
 * vitest enforces its timeout on a test that passes (the recipe against the correct
 * implementation); a synchronous test that throws is reported as failed whatever it took, so for
 * the mutants the check is that the failure is fast-check's, and the durations vitest measured are
 * written to test-artifacts/package-recipe.json (no timed assertion: this machine's load is not
 * the code's). `npm test` runs this file after the rest, alone, so the fresh project's vitest does
 * not compete with the suite for the cores.
 * The mutants are not part of the package; each file imports its mutant from this checkout's dist/.
 */
const ROOT = join(import.meta.dirname, "..");
const ARTIFACTS = join(ROOT, "test-artifacts");

/** The README's recipe: the first ```ts block after "## Use it from your own tests". */
function readmeRecipe(): string {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Use it from your own tests"));
  const m = /```ts\n([\s\S]*?)```/.exec(section);
  if (!m) throw new Error("README.md has no ```ts block under “Use it from your own tests”");
  return m[1]!;
}

/**
 * The mutants the recipe can catch: `programsArbitrary` draws one program per interpreter, so the
 * mutants that need two threads of one interpreter (model D18, `programs.threads`) are left to
 * `interlock mutants` and properties/judge/threads.test.ts.
 */
const mutants = catalogue.filter((m) => m.programs.threads === undefined);

const SUBJECT_LINE = "const mySubject = () => implementations.module_slots(config);";

/** The recipe with a mutant in place of interlock's implementation, and its family everywhere. */
function recipeFor(recipe: string, id: string, family: string): string {
  const mutantsUrl = pathToFileURL(join(ROOT, "dist", "impl", "mutants", "index.js")).href;
  return [
    `import { mutants } from ${JSON.stringify(mutantsUrl)};`,
    recipe
      .replace(SUBJECT_LINE, `const mutant = mutants.find((m) => m.id === ${JSON.stringify(id)})!;\nconst mySubject = () => mutant.subject(config);`)
      .replaceAll("module_slots", family),
  ].join("\n");
}

const ENTRY_TEST = `
import { expect, test } from "vitest";
import * as verify from "interlock";
import * as impl from "interlock/impl";
import * as checker from "interlock/checker";

test("interlock verifies an implementation: checkAgreement, explore, programsArbitrary, reports", () => {
  for (const name of ["checkAgreement", "agreementJudge", "exploreJudged", "traceCounterexample", "explore", "replay", "shrink", "programsArbitrary", "buildReport", "renderReport"]) {
    expect(typeof (verify as Record<string, unknown>)[name], name).toBe("function");
  }
  const r = verify.checkAgreement({ family: "module_slots", programs: verify.typicalPrograms("module_slots", 2), strategy: { kind: "exhaustive" }, config: { interpreters: 2, capacity: 4 } });
  expect(r.verdict).toBe("ok");
});

test("interlock/impl gives a Subject's building blocks", () => {
  expect(impl.load(3)).toMatchObject({ addr: 3 });
  expect(impl.ok(1)).toEqual({ _tag: "Ok", value: 1 });
  expect(typeof impl.PyMutex_Lock).toBe("function");
  expect(typeof impl.subjectOf).toBe("function");
});

test("interlock/checker checks a history", () => {
  expect(typeof checker.checkHistory).toBe("function");
});
`;

interface VitestJson {
  testResults: { name: string; assertionResults: { title: string; status: string; duration: number | null; failureMessages: string[] }[] }[];
}

let project = "";
let result: VitestJson;
let packedFiles: string[] = [];

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), "interlock-fresh-"));
  const packDir = join(project, "pack");
  mkdirSync(packDir);
  const packed = JSON.parse(execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", packDir], { cwd: ROOT, encoding: "utf8" })) as {
    filename: string;
    files: { path: string }[];
  }[];
  packedFiles = packed[0]!.files.map((f) => f.path);
  const app = join(project, "app");
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "my-extension-checks", private: true, type: "module" }));
  const devDependencies = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).devDependencies as Record<string, string>;
  execFileSync(
    "npm",
    ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", join(packDir, packed[0]!.filename), `vitest@${devDependencies["vitest"]}`, `@fast-check/vitest@${devDependencies["@fast-check/vitest"]}`],
    { cwd: app, encoding: "utf8", stdio: "pipe" },
  );
  const recipe = readmeRecipe();
  writeFileSync(join(app, "entries.test.ts"), ENTRY_TEST);
  writeFileSync(join(app, "recipe.test.ts"), recipe);
  for (const m of mutants) writeFileSync(join(app, `mutant-${m.id}.test.ts`), recipeFor(recipe, m.id, m.family));
  // vitest's defaults (5 s per test); files one at a time, as on a newcomer's laptop.
  const out = join(project, "vitest.json");
  try {
    execFileSync(process.execPath, [join(app, "node_modules", "vitest", "vitest.mjs"), "run", "--no-file-parallelism", "--reporter=json", `--outputFile=${out}`], {
      cwd: app,
      encoding: "utf8",
      stdio: "pipe",
      env: { ...process.env, CI: "true" },
    });
  } catch {
    // The mutant files fail by design: vitest exits 1; the JSON report says what happened.
  }
  result = JSON.parse(readFileSync(out, "utf8")) as VitestJson;
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(
    join(ARTIFACTS, "package-recipe.json"),
    JSON.stringify(result.testResults.map((f) => ({ file: f.name.split("/").pop(), tests: f.assertionResults.map((a) => ({ status: a.status, ms: a.duration })) })), null, 2),
  );
}, 900_000);

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

const fileResult = (name: string) => {
  const f = result.testResults.find((t) => t.name.endsWith(`/${name}`));
  if (!f) throw new Error(`vitest did not run ${name}`);
  return f.assertionResults;
};

describe("the packed package in a fresh project", () => {
  it("ships the built code, the command, the READMEs, the C header and the examples, and no test file", () => {
    expect(packedFiles).toContain("bin/interlock.mjs");
    // C code compiles against the header an installed interlock carries; the README's examples ship with it
    expect(packedFiles).toContain("include/interlock.h");
    expect(packedFiles).toContain("examples/c/ext_unlocked_count.c");
    expect(packedFiles).toContain("examples/clients/ready_once.ts");
    expect(packedFiles).toContain("dist/index.js");
    expect(packedFiles).toContain("dist/impl/public.d.ts");
    expect(packedFiles).toContain("dist/properties/checker/index.js");
    expect(packedFiles).toContain("README.md");
    expect(packedFiles.filter((f) => /\.test\.|(^|\/)test\//.test(f))).toEqual([]);
    expect(packedFiles.filter((f) => !/^(bin|dist|include|examples)\//.test(f) && !/(^|\/)README\.md$/.test(f) && f !== "package.json")).toEqual([]);
  });

  it("imports each entry point: interlock, interlock/impl, interlock/checker", () => {
    const tests = fileResult("entries.test.ts");
    expect(tests.map((t) => [t.title, t.status, t.failureMessages])).toEqual(tests.map((t) => [t.title, "passed", []]));
    expect(tests).toHaveLength(3);
  });

  it("the README recipe, pasted as it is, passes for interlock's own implementation within vitest's default timeout (vitest enforces it on a passing test)", () => {
    const tests = fileResult("recipe.test.ts");
    expect(tests.map((t) => [t.status, t.failureMessages])).toEqual([["passed", []]]);
  });

  it("the recipe substitution finds the lines it replaces (else the mutant runs would test nothing)", () => {
    const recipe = readmeRecipe();
    expect(recipe).toContain(SUBJECT_LINE);
    expect(recipeFor(recipe, "x", "global_lock")).not.toContain("module_slots");
    expect(recipeFor(recipe, "x", "global_lock")).toContain("mutant.subject(config)");
  });

  it.each(mutants.map((m) => [m.id, m.family] as const))("the README recipe catches the %s mutant (%s) with a fast-check counterexample, not a timeout", (id) => {
    const [test] = fileResult(`mutant-${id}.test.ts`);
    expect(test?.status).toBe("failed");
    const message = test!.failureMessages.join("\n");
    expect(message).toMatch(/Property failed after \d+ tests/);
    expect(message).not.toMatch(/timed out/i);
  });
});
