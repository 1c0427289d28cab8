import { existsSync, mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CHROMIUM, launchChromium } from "../../test/support/chromium.js";
import { fixtureJourneys } from "../../test/support/viewer-fixtures/journeys.js";
import { fixtureSteps } from "../../test/support/viewer-fixtures/steps.js";
import type { Journey } from "../journeys/journey-store.js";
import { renderViewerPage } from "./viewer-page.js";

const REFRESH_MS = 150;
const XSS = `<img src=x onerror="window.__xss = 1">`;
const ARTIFACTS = fileURLToPath(new URL("../../.test-artifacts/", import.meta.url));

describe("renderViewerPage", () => {
  it("returns one self-contained page with no external resources", () => {
    const html = renderViewerPage({});
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).not.toMatch(/<script[^>]+src=|@import|url\(/i);
    // The one link is an empty inline icon, so the browser does not ask for /favicon.ico.
    expect(html.match(/<link\b[^>]*>/g)).toEqual(['<link rel="icon" href="data:,">']);
    expect(html).not.toMatch(/\binnerHTML\b|insertAdjacentHTML|document\.write/);
    expect(html).toContain("fetch(ENDPOINT");
    expect(html).toContain('"/debug/journeys?limit=50"');
  });

  it("escapes the title", () => {
    const html = renderViewerPage({ title: "<b>mine</b> & co" });
    expect(html).toContain("<title>&lt;b&gt;mine&lt;/b&gt; &amp; co</title>");
    expect(html).not.toContain("<b>mine</b>");
  });

  it("rejects a refresh interval that is not a whole number of at least 100 ms", () => {
    for (const refreshMs of [0, 99, 1.5, Number.NaN, -2000]) {
      expect(() => renderViewerPage({ refreshMs })).toThrow(RangeError);
    }
    expect(renderViewerPage({ refreshMs: 500 })).toContain("Auto-refresh every 500 ms");
    expect(renderViewerPage({})).toContain("Auto-refresh every 2 s");
  });
});

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && !process.env.CI) {
  console.warn(
    `viewer browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium). In CI they run.`,
  );
}

// In CI a missing Chromium fails the launch instead of skipping.
// A real browser is slower than a unit test, more so when the whole workspace runs at once.
describe.skipIf(!hasChromium && !process.env.CI)(
  "the viewer page in Chromium",
  { timeout: 20_000 },
  () => {
    type Mode = "fixture" | "empty" | "error" | "xss";
    let mode: Mode = "fixture";
    let stepsMode: "fixture" | "empty" | "error" = "fixture";
    const requests: string[] = [];
    let server: Server;
    let baseUrl: string;
    let browser: Browser;
    let page: Page;
    let pageErrors: string[];

    const body = (): string => {
      if (mode === "empty") return JSON.stringify({ journeys: [] });
      const journeys: Journey[] = fixtureJourneys();
      if (mode === "xss") {
        const first = journeys[0] as Journey;
        first.requestId = XSS;
        for (const span of first.spans) span.attributes["gen_ai.request.id"] = XSS;
        const aborted = journeys[1]?.spans[0]?.events.find((e) => e.name === "api.ABORTED");
        if (aborted) aborted.attributes.error = `<script>window.__xss = 2</script>`;
      }
      return JSON.stringify({ journeys });
    };

    beforeAll(async () => {
      const html = renderViewerPage({ refreshMs: REFRESH_MS });
      server = createServer((request, response) => {
        const url = request.url ?? "/";
        if (url === "/journeys") {
          response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
          response.end(html);
        } else if (url.startsWith("/debug/steps")) {
          if (stepsMode === "error") {
            response.writeHead(500, { "content-type": "application/json" });
            response.end(
              '{"error":{"message":"boom","type":"server_error","param":null,"code":null}}',
            );
          } else {
            const steps = stepsMode === "empty" ? [] : fixtureSteps();
            if (mode === "xss") {
              const link = steps.find((step) => step.attributes["scheduler.step"] === 2)
                ?.links?.[1];
              if (link) link.attributes["gen_ai.request.id"] = XSS;
            }
            response.writeHead(200, { "content-type": "application/json" });
            response.end(JSON.stringify({ steps }));
          }
        } else if (url.startsWith("/debug/journeys?state=active")) {
          // The "In flight" panel's own polling: live-view.test.ts covers it.
          response.writeHead(200, { "content-type": "application/json" });
          response.end('{"journeys":[]}');
        } else if (url.startsWith("/debug/journeys")) {
          requests.push(url);
          if (mode === "error") {
            response.writeHead(500, { "content-type": "application/json" });
            response.end(
              '{"error":{"message":"boom","type":"server_error","param":null,"code":null}}',
            );
          } else {
            response.writeHead(200, { "content-type": "application/json" });
            response.end(body());
          }
        } else {
          response.writeHead(404);
          response.end();
        }
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      browser = await launchChromium();
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    });

    beforeEach(async () => {
      mode = "fixture";
      stepsMode = "fixture";
      requests.length = 0;
      pageErrors = [];
      page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      page.on("pageerror", (error) => pageErrors.push(error.message));
      page.on("console", (message) => {
        if (message.type() === "error") pageErrors.push(message.text());
      });
    });

    afterEach(async () => {
      await page.close();
    });

    const open = async (): Promise<void> => {
      await page.goto(`${baseUrl}/journeys`);
    };
    const rows = () => page.getByTestId("journey-row");
    /** For people to look at: the timeline, or the whole page, under .test-artifacts/. */
    const screenshot = async (name: string, selector?: string): Promise<void> => {
      mkdirSync(ARTIFACTS, { recursive: true });
      const path = `${ARTIFACTS}${name}`;
      if (selector) await page.locator(selector).screenshot({ path });
      else await page.screenshot({ path, fullPage: true });
    };
    const markerNames = async (): Promise<string[]> =>
      page
        .getByTestId("event-marker")
        .evaluateAll((nodes) => nodes.map((node) => node.getAttribute("data-event-name") ?? ""));
    const waitForRequests = async (count: number): Promise<void> => {
      await expect.poll(() => requests.length, { timeout: 5_000 }).toBeGreaterThanOrEqual(count);
    };

    it("lists both journeys, newest first, and selects the first", async () => {
      await open();
      await rows().nth(1).waitFor();
      expect(requests[0]).toBe("/debug/journeys?limit=50");
      expect(await rows().count()).toBe(2);

      const first = rows().nth(0);
      const cells = await first.locator("td").allInnerTexts();
      expect(cells[0]).toBe("chatcmpl-f9d27ecb-b3b3-4028-8ee7-4e8634448f63");
      expect(cells[2]).toBe("OK");
      expect(cells[3]).toBe("28.7"); // gen_ai.latency.time_to_first_token, in ms
      expect(cells[4]).toBe("564.8"); // gen_ai.latency.e2e, in ms
      expect(cells[5]).toBe("1"); // num_preemptions
      expect(cells[6]).toBe("2");
      expect(await first.getAttribute("aria-selected")).toBe("true");
      expect(await first.getAttribute("class")).not.toContain("is-error");
      expect(await rows().nth(1).getAttribute("class")).toContain("is-error");
      expect(pageErrors).toEqual([]);
    });

    it("draws both spans on one time axis with their events and phase segments", async () => {
      await open();
      const timeline = page.getByTestId("timeline");
      await timeline.getByTestId("span-bar").nth(1).waitFor();

      const bars = timeline.getByTestId("span-bar");
      expect(await bars.count()).toBe(2);
      expect(
        await bars.evaluateAll((nodes) => nodes.map((node) => node.getAttribute("data-span-name"))),
      ).toEqual(["llm_request", "llm_core"]);
      // One axis: the core span starts 11 ms after the API span and ends just before it.
      const [apiBox, coreBox] = await Promise.all([
        bars.nth(0).boundingBox(),
        bars.nth(1).boundingBox(),
      ]);
      if (!apiBox || !coreBox) throw new Error("span bars have no layout");
      expect(coreBox.x).toBeGreaterThan(apiBox.x + 5);
      expect(coreBox.x + coreBox.width).toBeLessThanOrEqual(apiBox.x + apiBox.width + 0.5);
      expect(apiBox.width).toBeGreaterThan(500);

      const [first] = fixtureJourneys();
      const eventNames =
        first?.spans.flatMap((span) => span.events.map((event) => event.name)) ?? [];
      expect((await markerNames()).sort()).toEqual([...eventNames].sort());

      const segments = await timeline
        .getByTestId("segment")
        .evaluateAll((nodes) => nodes.map((node) => node.getAttribute("data-segment")));
      // Core: queue, prefill, decode, queue (preempted), decode (resumed); API: streaming.
      expect(segments).toEqual(["streaming", "queue", "prefill", "decode", "queue", "decode"]);

      const scheduled = timeline.locator('[data-event-name="journey.SCHEDULED"] title');
      expect(await scheduled.allTextContents()).toEqual([
        expect.stringContaining("schedule.kind = FIRST"),
        expect.stringContaining("schedule.kind = RESUME"),
      ]);
      expect(await timeline.textContent()).toContain("FINISHED · stopped");

      await screenshot("viewer.png", "#details");
      await screenshot("viewer-full.png");
      expect(pageErrors).toEqual([]);
    });

    it("shows the aborted status of the second journey when its row is clicked", async () => {
      await open();
      await rows().nth(1).click();

      await expect
        .poll(() => page.getByTestId("detail-status").textContent())
        .toBe("client_disconnect");
      expect(await rows().nth(1).getAttribute("aria-selected")).toBe("true");
      expect(await rows().nth(1).getByTestId("journey-status").textContent()).toBe(
        "client_disconnect",
      );
      const names = await markerNames();
      expect(names).toContain("api.ABORTED");
      expect(names.filter((name) => name === "journey.PREEMPTED")).toEqual([]);
      const text = await page.getByTestId("timeline").textContent();
      expect(text).toContain("ABORTED · client_disconnect");
      expect(text).toContain("FINISHED · aborted");
      expect(await page.getByTestId("event-table").textContent()).toContain(
        "finish.status=aborted",
      );
      await screenshot("viewer-aborted.png", "#details");
      expect(pageErrors).toEqual([]);
    });

    it("keeps the selected journey across refreshes", async () => {
      await open();
      await rows().nth(1).click();
      const seen = requests.length;
      await waitForRequests(seen + 3);
      expect(await rows().nth(1).getAttribute("aria-selected")).toBe("true");
      expect(await page.getByTestId("detail-status").textContent()).toBe("client_disconnect");
    });

    it("stops polling when auto-refresh is switched off", async () => {
      await open();
      await rows().nth(0).waitFor();
      await page.getByTestId("auto-refresh").uncheck();
      await new Promise((resolve) => setTimeout(resolve, REFRESH_MS * 2));
      const seen = requests.length;
      await new Promise((resolve) => setTimeout(resolve, REFRESH_MS * 4));
      expect(requests.length).toBe(seen);
      await page.getByTestId("auto-refresh").check();
      await waitForRequests(seen + 2);
    });

    it("shows the empty state with a sample request when there are no journeys", async () => {
      mode = "empty";
      await open();
      const empty = page.getByTestId("empty-state");
      await empty.waitFor({ state: "visible" });
      const text = (await empty.textContent()) ?? "";
      expect(text).toContain("No journeys yet — send a request");
      expect(text).toContain(`curl ${baseUrl}/v1/chat/completions`);
      expect(await page.getByTestId("journey-list").isVisible()).toBe(false);
      await screenshot("viewer-empty.png");

      mode = "fixture";
      await rows().nth(1).waitFor();
      expect(await empty.isVisible()).toBe(false);
      expect(pageErrors).toEqual([]);
    });

    it("shows a visible error state when the fetch fails, and recovers", async () => {
      mode = "error";
      await open();
      const error = page.getByTestId("error-state");
      await error.waitFor({ state: "visible" });
      expect(await error.textContent()).toContain("HTTP 500");
      await screenshot("viewer-error.png");

      mode = "fixture";
      await rows().nth(1).waitFor();
      await error.waitFor({ state: "hidden" });
    });

    it("draws, under the timeline, the sampled steps the request took part in and who shared them", async () => {
      await open();
      const timeline = page.getByTestId("timeline");
      const marks = timeline.getByTestId("step-mark");
      await marks.nth(3).waitFor();
      // Only the steps linked to this journey's core span, in step order.
      expect(
        await marks.evaluateAll((nodes) =>
          nodes.map((node) => [node.getAttribute("data-step"), node.getAttribute("data-reason")]),
        ),
      ).toEqual([
        ["2", "rate"],
        ["20", "rate"],
        ["34", "slow"],
        ["62", "preemption"],
      ]);
      // On the journey's time axis: inside its core span's bar.
      const coreBox = await timeline.getByTestId("span-bar").nth(1).boundingBox();
      if (!coreBox) throw new Error("the core span bar has no layout");
      for (const box of await Promise.all([0, 1, 2, 3].map((i) => marks.nth(i).boundingBox()))) {
        if (!box) throw new Error("a step mark has no layout");
        expect(box.x).toBeGreaterThanOrEqual(coreBox.x - 0.5);
        expect(box.x + box.width).toBeLessThanOrEqual(coreBox.x + coreBox.width + 0.5);
        expect(box.y).toBeGreaterThan(coreBox.y + coreBox.height);
      }
      expect(await marks.nth(2).locator("title").textContent()).toContain(
        "shared with: chatcmpl-long-prompt (prefill 512 tokens)",
      );

      const rows = page.getByTestId("step-row");
      expect(await rows.count()).toBe(4);
      const cells = await rows.nth(0).locator("td").allInnerTexts();
      expect(cells[0]).toBe("2");
      expect(cells[3]).toBe("rate");
      expect(cells[4]).toBe("prefill 15 tokens");
      expect(cells[5]).toContain("chatcmpl-long-prompt prefill 512 tokens");
      expect(cells[5]).toContain("+ 1 untraced request");
      expect(cells[6]).toContain("prefill 527 tok · decode 1 seq");
      expect(cells[7]).toBe("3 / 0");
      expect(cells[8]).toBe("41 / 512");
      expect(await rows.nth(3).locator("td").nth(3).innerText()).toBe("preemption");
      expect(await page.getByTestId("steps-note").isVisible()).toBe(false);
      await screenshot("viewer-steps.png", "#details");
      expect(pageErrors).toEqual([]);
    });

    it("shows another journey's own steps, and says so when none was sampled", async () => {
      await open();
      await rows().nth(1).click();
      const marks = page.getByTestId("timeline").getByTestId("step-mark");
      await expect
        .poll(() =>
          marks.evaluateAll((nodes) => nodes.map((node) => node.getAttribute("data-step"))),
        )
        .toEqual(["1"]);
      expect(await page.getByTestId("shared-with").innerText()).toBe("nobody");

      stepsMode = "empty";
      const note = page.getByTestId("steps-note");
      await note.waitFor({ state: "visible" });
      expect(await note.textContent()).toContain("None of this request's steps was sampled");
      expect(await marks.count()).toBe(0);
      expect(await page.getByTestId("step-table").isVisible()).toBe(false);
      expect(pageErrors).toEqual([]);
    });

    it("keeps showing the journeys when /debug/steps fails, and says why the steps are missing", async () => {
      stepsMode = "error";
      await open();
      const note = page.getByTestId("steps-note");
      await note.waitFor({ state: "visible" });
      expect(await note.textContent()).toContain(
        "Could not load the sampled steps from /debug/steps?limit=500: HTTP 500",
      );
      expect(await rows().count()).toBe(2);
      expect(await page.getByTestId("error-state").isVisible()).toBe(false);
      expect(await page.getByTestId("timeline").getByTestId("span-bar").count()).toBe(2);

      stepsMode = "fixture";
      await note.waitFor({ state: "hidden" });
      expect(await page.getByTestId("step-row").count()).toBe(4);
    });

    it("renders markup in a request id as text", async () => {
      mode = "xss";
      await open();
      await rows().nth(1).waitFor();
      expect(await rows().nth(0).locator("td").first().textContent()).toBe(XSS);
      expect(await page.locator("#detail-id").textContent()).toBe(XSS);
      await page.getByTestId("step-row").nth(3).waitFor();
      const sharedChip = page.getByTestId("shared-with").nth(0).locator(".shared-request").nth(0);
      expect(await sharedChip.getAttribute("title")).toBe(XSS);
      expect(await sharedChip.innerText()).toContain(XSS.slice(0, 18));
      await rows().nth(1).click();
      await expect
        .poll(() => page.getByTestId("event-table").textContent())
        .toContain("<script>window.__xss = 2</script>");
      expect(await page.locator("img").count()).toBe(0);
      expect(await page.locator("main script").count()).toBe(0);
      expect(await page.evaluate(() => (globalThis as { __xss?: number }).__xss)).toBe(undefined);
      expect(pageErrors).toEqual([]);
    });
  },
);
