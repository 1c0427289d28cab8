import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { DualModeHarness } from "./test-support/dual-mode-harness.js";
import { testRequest } from "./test-support/mini-scheduler.js";

const packageJson = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

it("reports this package's version as the llm-journey.legacy scope version", async () => {
  const harness = new DualModeHarness({
    shape: { maxRunning: 1, prefillChunk: 8, kvCapacityTokens: 40 },
  });
  harness.submit(testRequest({ requestId: "scope", promptTokens: 4, maxTokens: 2 }));
  harness.runToIdle();
  const scopes = harness.testing.finishedSpans().map((span) => span.instrumentationScope);
  expect(scopes).toContainEqual({ name: "llm-journey.legacy", version: packageJson.version });
  harness.assertNothingLeft();
  await harness.testing.shutdown();
});
