import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, runBrowserTests } from "../../test/support/chromium.js";
import { startTestServer, type TestServer } from "../../test/support/test-server.js";

const TRACE_ID = "5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f";

describe.skipIf(!runBrowserTests)(
  "the viewer, with journeys that share a client's trace id",
  { timeout: 30_000 },
  () => {
    let t: TestServer;
    let browser: Browser;
    let page: Page;
    const requestIds: string[] = [];

    beforeAll(async () => {
      t = await startTestServer();
      // One client trace, three requests in it: three journeys with one trace id.
      for (const maxTokens of [3, 5, 7]) {
        const completion = await t.client.chat.completions.create(
          {
            model: "llm-journey-simulated",
            messages: [{ role: "user", content: "hi" }],
            max_tokens: maxTokens,
          },
          { headers: { traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01` } },
        );
        requestIds.push(completion.id);
      }
      await t.journeysWhen((all) => all.filter((j) => j.traceId === TRACE_ID).length === 3);
      browser = await launchChromium();
      page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      await t?.close();
    });

    it("selects each one on its own, by trace id and request id", async () => {
      await page.goto(`${t.url}/journeys`);
      const rows = page.locator(`[data-testid="journey-row"][data-trace-id="${TRACE_ID}"]`);
      await rows.nth(2).waitFor();
      expect(await rows.count()).toBe(3);
      // Newest first, and in both directions, so no order of clicks can pass by chance.
      for (const index of [2, 0, 1, 2]) {
        const row = rows.nth(index);
        const requestId = await row.locator("td").first().textContent();
        await row.click();
        await expect.poll(() => page.locator("#detail-id").textContent()).toBe(requestId);
        const selected = await rows.evaluateAll((nodes) =>
          nodes.map((node) => node.getAttribute("aria-selected")),
        );
        expect(selected).toEqual([0, 1, 2].map((i) => String(i === index)));
      }
      const shown = await rows.evaluateAll((nodes) =>
        nodes.map((node) => node.querySelector("td")?.textContent),
      );
      expect([...shown].sort()).toEqual([...requestIds].sort());
    });
  },
);
