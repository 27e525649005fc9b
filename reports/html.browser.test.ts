import { mkdirSync, readFileSync } from "node:fs";
import Chromium from "@sparticuz/chromium";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mutants } from "../impl/mutants/index.js";
import { mutantConfig } from "../impl/mutants/mutant.js";
import { exploreJudged } from "../properties/judge/agreement.js";
import { traceCounterexample } from "../properties/judge/counterexample.js";
import { agreementJudge } from "../properties/judge/judge.js";
import { buildReport } from "./build.js";
import { decodeReport } from "./io.js";
import { renderHtml } from "./render/html.js";
import type { Report } from "./schema.js";

/**
 * The HTML report in a real headless Chromium: the page is loaded with `setContent` (it is never
 * fetched), every network request is aborted and counted, and the checks read the live DOM — what
 * a person opening the file would see. The browser comes from `npm install` alone: the
 * `@sparticuz/chromium` package ships a Chromium binary in its tarball and unpacks it on first use
 * (to the temp directory); `CHROMIUM_PATH` points at another binary instead. A browser that does
 * not start fails this test rather than skipping it, so a green run always means the page was
 * actually looked at.
 */

/**
 * The packaged browser's own flags, plus ours: no network of any kind, no first-run work. Not its
 * `--single-process` (meant for serverless sandboxes): with it, closing one page ends the browser.
 */
const ARGS = [
  ...Chromium.args.filter((a) => a !== "--single-process"),
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const ROOT = join(import.meta.dirname, "..");
const ARTIFACTS = join(ROOT, "test-artifacts");

const counterexample: Report = decodeReport(
  readFileSync(join(ROOT, "test", "fixtures", "reports", "counterexample.json"), "utf8"),
  "counterexample.json",
);

const HOSTILE_CALL = `<script>window.__pwned = 1; alert("pwned")</script><img src=x onerror="window.__pwned = 2">`;

let browser: Browser | undefined;

beforeAll(async () => {
  const executablePath = process.env["CHROMIUM_PATH"] ?? (await Chromium.executablePath());
  try {
    browser = await chromium.launch({ executablePath, args: ARGS, headless: true, timeout: 30_000 });
  } catch (e) {
    throw new Error(
      `Chromium at ${executablePath} did not start (${(e as Error).message.split("\n")[0]}): run \`npm ci\` to restore @sparticuz/chromium, or set CHROMIUM_PATH to a working Chromium binary.`,
    );
  }
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

/** What happened while a page was open: requests attempted, console errors, dialogs. */
interface Observed {
  requests: string[];
  consoleErrors: string[];
  dialogs: string[];
}

/** Opens `html` in a fresh page with the network blocked; records everything the page tried. */
async function open(html: string): Promise<{ page: Page; observed: Observed }> {
  if (!browser) throw new Error("the browser did not start (see the error from beforeAll)");
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const observed: Observed = { requests: [], consoleErrors: [], dialogs: [] };
  await page.route("**/*", (route) => {
    observed.requests.push(route.request().url());
    return route.abort();
  });
  page.on("console", (m) => {
    if (m.type() === "error") observed.consoleErrors.push(m.text());
  });
  page.on("dialog", (d) => {
    observed.dialogs.push(d.message());
    void d.dismiss();
  });
  await page.setContent(html, { waitUntil: "load", timeout: 10_000 });
  return { page, observed };
}

describe("the HTML report in headless Chromium", () => {
  it("shows one swimlane column per interpreter, one failing row at the failing step, and the replay command", async () => {
    const { page, observed } = await open(renderHtml(counterexample));
    try {
      const columns = await page.$$eval("#swimlane thead th[data-interp]", (ths) => ths.map((th) => th.getAttribute("data-interp")));
      expect(columns).toEqual(["1", "2", "3"]);

      expect(await page.locator("#swimlane tbody tr").count()).toBe(counterexample.steps.length);
      const failing = await page.$$eval("#swimlane tr.failing", (trs) =>
        trs.map((tr) => ({ step: tr.getAttribute("data-step"), interp: tr.getAttribute("data-interp"), current: tr.getAttribute("aria-current") })),
      );
      expect(failing).toEqual([{ step: "13", interp: "1", current: "step" }]);
      const failingLane = await page.locator('#swimlane tr.failing td.active').getAttribute("data-interp");
      expect(failingLane).toBe("1");
      expect(await page.locator("#swimlane tr.failing td.active").innerText()).toContain("◀ fails here");

      expect(await page.locator("#replay-command").textContent()).toBe(counterexample.replay);
      // The inline copy script ran (the CSP allowed it by its hash) and revealed its button.
      expect(await page.getAttribute("html", "data-script")).toBe("ran");
      expect(await page.locator("#copy-replay").isVisible()).toBe(true);

      expect(await page.locator("#model-diff li.removed").count()).toBe(1);
      expect(await page.locator("#model-diff li.added").count()).toBe(1);

      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, "report.png"), fullPage: true });

      expect(observed).toEqual({ requests: [], consoleErrors: [], dialogs: [] });
    } finally {
      await page.close();
    }
  });

  it("shows a real counterexample — a mutant found by the explorer — with its failing step marked", async () => {
    const m = mutants.find((x) => x.id === "unlocked-check-then-act")!;
    const config = mutantConfig(m);
    const subject = m.subject(config);
    const judge = agreementJudge({ family: m.family, config, subject });
    const result = exploreJudged(judge, m.programs, { kind: "exhaustive" });
    expect(result.verdict).toBe("violation");
    const report = buildReport({
      family: m.family,
      subject: subject.name,
      config,
      impl: null,
      limits: {},
      programs: m.programs.map((p) => [...p]),
      strategy: "exhaustive",
      seed: 1,
      options: {},
      result,
      counterexample: result.violation === null ? null : traceCounterexample(judge, m.programs, result.violation),
      replay: "npx interlock replay module_slots.exhaustive.json",
      elapsedMs: null,
    });
    const { page, observed } = await open(renderHtml(report));
    try {
      const failing = await page.$$eval("#swimlane tr.failing", (trs) => trs.map((tr) => Number(tr.getAttribute("data-step"))));
      expect(failing).toEqual([report.violation!.failingStep]);
      expect(await page.locator("#swimlane tr.failing td.active").innerText()).toContain("◀ fails here");
      expect(await page.locator("#swimlane tbody tr").count()).toBe(report.steps.length);
      expect(await page.locator("body").innerText()).toContain(report.violation!.propertyName);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, "report-mutant.png"), fullPage: true });
      expect(observed).toEqual({ requests: [], consoleErrors: [], dialogs: [] });
    } finally {
      await page.close();
    }
  });

  it("renders a hostile call text as text: no script runs, no element is injected, no request is made", async () => {
    const report: Report = {
      ...counterexample,
      steps: counterexample.steps.map((s) => (s.step === 0 ? { ...s, call: HOSTILE_CALL } : s)),
      programs: counterexample.programs.map((p) => (p.interp === 1 ? { ...p, calls: [HOSTILE_CALL, ...p.calls.slice(1)] } : p)),
      replay: `${counterexample.replay} '</code><script>window.__pwned = 3</script>'`,
    };
    const { page, observed } = await open(renderHtml(report));
    try {
      expect(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
      expect(await page.locator("img").count()).toBe(0);
      expect(await page.locator("script").count()).toBe(1);
      const firstCall = await page.locator('#swimlane tr[data-step="0"] td.active .call').textContent();
      expect(firstCall).toBe(`#0 ${HOSTILE_CALL}`);
      expect(await page.locator("#replay-command").textContent()).toBe(report.replay);
      expect(observed).toEqual({ requests: [], consoleErrors: [], dialogs: [] });
    } finally {
      await page.close();
    }
  });
});
