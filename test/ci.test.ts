import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseDocument } from "yaml";

/**
 * The CI files a newcomer copies: the GitHub Actions workflow and the README's copy of it parse
 * as YAML (strictly: any error or warning fails) and are the same file; the workflow does what the
 * README says; `.ci/run` installs nothing outside npm and runs exactly the README's test command
 * with no system Chromium on PATH.
 */
const ROOT = join(import.meta.dirname, "..");
const readme = readFileSync(join(ROOT, "README.md"), "utf8");
const workflowText = readFileSync(join(ROOT, ".github/workflows/verify.yml"), "utf8");

/** Parses YAML strictly: the document, or an error naming every problem the parser saw. */
function parseStrict(text: string, what: string): unknown {
  const doc = parseDocument(text, { strict: true, uniqueKeys: true });
  const problems = [...doc.errors, ...doc.warnings].map((e) => e.message);
  if (problems.length > 0) throw new Error(`${what} is not valid YAML: ${problems.join("; ")}`);
  return doc.toJS();
}

interface Step {
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Workflow {
  jobs: Record<string, { needs?: string; strategy?: { matrix: { shard: number[] } }; steps: Step[] }>;
}

const workflow = parseStrict(workflowText, ".github/workflows/verify.yml") as Workflow;

describe("the GitHub Actions workflow", () => {
  it("the YAML parser used here rejects the flow mapping the README used to show", () => {
    expect(() => parseStrict("with: { name: interlock-reports-${{ matrix.shard }}, path: interlock-out/ }\n", "old snippet")).toThrow(/not valid YAML/);
  });

  it("is valid YAML, and the README's CI snippet is the same file", () => {
    const section = readme.slice(readme.indexOf("## CI\n"));
    const snippet = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
    expect(snippet).toBeDefined();
    expect(parseStrict(snippet!, "README's CI snippet")).toEqual(workflow);
    expect(snippet).toBe(workflowText);
  });

  it("verifies over a matrix of shards and uploads each shard's reports as an artifact", () => {
    const verify = workflow.jobs["verify"]!;
    const shards = verify.strategy!.matrix.shard;
    expect(shards).toEqual([1, 2, 3, 4]);
    const run = verify.steps.find((s) => s.run?.includes("interlock verify"));
    expect(run?.run).toContain(`--shard \${{ matrix.shard }}/${shards.length}`);
    expect(run?.env?.["CI"]).toBe("true");
    const upload = verify.steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"));
    expect(upload).toMatchObject({ if: "always()", with: { name: "interlock-reports-${{ matrix.shard }}", path: "interlock-out/" } });
  });

  it("feeds each shard's own JUnit file to a test report", () => {
    const report = workflow.jobs["verify"]!.steps.find((s) => s.uses?.startsWith("dorny/test-reporter@"));
    expect(report).toMatchObject({ if: "always()", with: { path: "interlock-out/verify/junit-*.xml", reporter: "java-junit" } });
  });

  it("merges the shards' reports and rebuilds their index; the suite runs too", () => {
    const merge = workflow.jobs["merge"]!;
    expect(merge.needs).toBe("verify");
    expect(merge.steps.find((s) => s.uses?.startsWith("actions/download-artifact@"))?.with).toMatchObject({ pattern: "interlock-reports-*", "merge-multiple": true });
    expect(merge.steps.some((s) => s.run === "npx interlock show merged/verify")).toBe(true);
    expect(workflow.jobs["test"]!.steps.map((s) => s.run).filter(Boolean)).toEqual(["npm ci", "npm test"]);
  });
});

describe(".ci/run", () => {
  const script = readFileSync(join(ROOT, ".ci/run"), "utf8");
  const commands = script.split("\n").filter((l) => l.trim() !== "" && !l.trim().startsWith("#"));
  const quickStartTest = /```sh\n[\s\S]*?\n(npm [^\n#]*?)\s+#\s*the test suite/.exec(readme)?.[1];

  it("installs nothing outside npm (no apt-get, no system Chromium)", () => {
    expect(commands.filter((l) => /apt-get|apt |brew |snap |chromium/.test(l) && !/command -v|-e "\$dir\/chromium"/.test(l))).toEqual([]);
  });

  it("runs npm ci, then exactly the README's test command with CHROMIUM_PATH unset and Chromium-free PATH, then verify", () => {
    expect(quickStartTest).toBe("npm test");
    const at = (re: RegExp) => commands.findIndex((l) => re.test(l));
    const testLine = commands[at(/npm test$/)]!;
    expect(testLine).toBe(`env -u CHROMIUM_PATH PATH="$test_path" ${quickStartTest}`);
    expect(at(/^npm ci$/)).toBeGreaterThanOrEqual(0);
    expect(at(/^npm ci$/)).toBeLessThan(at(/npm test$/));
    expect(at(/npm test$/)).toBeLessThan(at(/^npm run verify/));
    // The check that fails the run if a Chromium is still reachable comes before the tests.
    expect(at(/PATH="\$test_path" command -v chromium/)).toBeLessThan(at(/npm test$/));
  });
});
