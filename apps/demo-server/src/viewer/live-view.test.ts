import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { launchChromium, runBrowserTests } from "../../test/support/chromium.js";
import { startTestServer, type TestServer } from "../../test/support/test-server.js";
import type { LiveJourney } from "../journeys/live-journeys.js";
import { renderViewerPage } from "./viewer-page.js";

const XSS = `<img src=x onerror="window.__xss = 1">`;

function liveJourney(
  requestId: string,
  ageMs: number,
  extra: Partial<LiveJourney> = {},
): LiveJourney {
  return {
    traceId: "76d01517495c6d8d56064cd38579a334",
    requestId,
    spans: [],
    ageMs,
    lastEvent: "journey.FIRST_TOKEN",
    phase: "DECODE",
    prefillDoneTokens: 12,
    prefillTotalTokens: 12,
    decodeDoneTokens: 3,
    decodeMaxTokens: 40,
    preemptions: 1,
    ...extra,
  };
}

// Skipped without Chromium, as viewer-page.test.ts says; in CI a missing one fails the launch.
describe.skipIf(!runBrowserTests)(
  "the viewer's In flight panel in Chromium",
  { timeout: 60_000 },
  () => {
    let browser: Browser;
    let page: Page;
    let pageErrors: string[];

    beforeAll(async () => {
      browser = await launchChromium();
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
    });
    beforeEach(async () => {
      pageErrors = [];
      page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      page.on("pageerror", (error) => pageErrors.push(error.message));
    });
    afterEach(async () => {
      await page.close();
    });

    const rows = () => page.getByTestId("in-flight-row");
    const stuckFlags = () =>
      rows().evaluateAll((nodes) => nodes.map((node) => node.getAttribute("data-stuck")));

    describe("against a recorded answer", () => {
      let server: Server;
      let baseUrl: string;
      let live: LiveJourney[] = [];
      let liveRequests = 0;

      beforeAll(async () => {
        const html = renderViewerPage({
          refreshMs: 60_000,
          liveRefreshMs: 100,
          stuckAfterMs: 5_000,
        });
        server = createServer((request, response) => {
          const url = request.url ?? "/";
          if (url === "/journeys") {
            response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
            response.end(html);
          } else if (url.startsWith("/debug/journeys?state=active")) {
            liveRequests++;
            response.writeHead(200, { "content-type": "application/json" });
            response.end(JSON.stringify({ journeys: live }));
          } else if (url.startsWith("/debug/journeys")) {
            response.writeHead(200, { "content-type": "application/json" });
            response.end('{"journeys":[]}');
          } else {
            response.writeHead(404);
            response.end();
          }
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      });
      afterAll(async () => {
        await new Promise<void>((resolve) => server.close(() => resolve()));
      });

      it("lists the requests in flight and highlights those older than the threshold", async () => {
        live = [
          liveJourney("stuck-one", 42_000),
          liveJourney("fresh-one", 800, { phase: "PREFILL" }),
        ];
        await page.goto(`${baseUrl}/journeys`);
        await rows().nth(1).waitFor();

        expect(await rows().nth(0).locator("td").allInnerTexts()).toEqual([
          "stuck-one",
          "42.0",
          "DECODE",
          "12 / 12",
          "3 / 40",
          "1",
          "journey.FIRST_TOKEN",
        ]);
        expect(await stuckFlags()).toEqual(["true", "false"]);
        expect(await rows().nth(0).getAttribute("class")).toContain("is-stuck");
        expect(await page.getByTestId("in-flight-count").textContent()).toBe(
          "(2, 1 older than the threshold)",
        );

        // A threshold set on the page applies at once.
        await page.getByTestId("stuck-after").fill("60");
        expect(await stuckFlags()).toEqual(["false", "false"]);
        expect(pageErrors).toEqual([]);
      });

      it("updates by itself: requests leave the panel when they finish", async () => {
        live = [liveJourney("leaving", 300)];
        await page.goto(`${baseUrl}/journeys`);
        await rows().first().waitFor();
        const seen = liveRequests;
        live = [];
        await page.getByTestId("in-flight-empty").waitFor({ state: "visible" });
        expect(liveRequests).toBeGreaterThan(seen);
        expect(await page.getByTestId("in-flight-list").isVisible()).toBe(false);
      });

      it("shows a request id with markup as text, and fields of the wrong type as dashes", async () => {
        live = [
          liveJourney(XSS, 1_000, {
            phase: null,
            prefillDoneTokens: null,
            preemptions: "many" as unknown as number,
          }),
        ];
        await page.goto(`${baseUrl}/journeys`);
        await rows().first().waitFor();
        const cells = await rows().first().locator("td").allInnerTexts();
        expect(cells.slice(0, 3)).toEqual([XSS, "1.0", "—"]);
        expect(cells[3]).toBe("—");
        expect(cells[5]).toBe("—");
        expect(await page.locator("img").count()).toBe(0);
        expect(await page.evaluate(() => (globalThis as { __xss?: number }).__xss)).toBe(undefined);
        expect(pageErrors).toEqual([]);
      });
    });

    describe("against the demo server with slow steps", () => {
      let t: TestServer;
      beforeAll(async () => {
        t = await startTestServer(["--step-time-base-ms", "40"]);
      }, 60_000);
      afterAll(() => t.close(), 30_000);

      it("shows a streaming request while it runs and drops it once it is done", async () => {
        await page.goto(`${t.url}/journeys`);
        await page.getByTestId("in-flight-empty").waitFor({ state: "visible" });
        const stream = await t.client.chat.completions.create({
          model: "llm-journey-simulated",
          messages: [{ role: "user", content: "Tell me a long story" }],
          max_tokens: 60,
          stream: true,
        });
        const chunks = stream[Symbol.asyncIterator]();
        const first = await chunks.next();
        const requestId = (first.value as { id: string }).id;

        const row = page.locator(`[data-testid="in-flight-row"][data-request-id="${requestId}"]`);
        await row.waitFor({ timeout: 10_000 });
        // The panel shows the server as of its last poll: a poll answered before the engine
        // queued the request lists it with the API layer's fields only (no phase yet), and
        // a later poll fills in the engine's.
        await row
          .filter({ has: page.locator("td:nth-child(3)", { hasText: /^(PREFILL|DECODE)$/ }) })
          .waitFor({ timeout: 10_000 });
        const cells = await row.locator("td").allInnerTexts();
        expect(cells[0]).toBe(requestId);
        expect(["PREFILL", "DECODE"]).toContain(cells[2]);
        expect(cells[4]).toMatch(/^\d+ \/ 60$/);

        for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
          // read to the end
        }
        await row.waitFor({ state: "detached", timeout: 10_000 });
        await page.getByTestId("in-flight-empty").waitFor({ state: "visible" });
        expect(pageErrors).toEqual([]);
      });
    });
  },
);
