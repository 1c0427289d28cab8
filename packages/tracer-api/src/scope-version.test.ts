import { readFileSync } from "node:fs";
import { createTestTracing } from "@llm-journey/tracer-core/testing";
import { expect, it } from "vitest";
import { createApiTracer } from "./create-api-tracer.js";

const packageJson = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

it("reports this package's version as the llm-journey.api scope version", async () => {
  const testing = createTestTracing();
  const api = createApiTracer({ tracerProvider: testing.provider });
  api.startJourney({ requestId: "scope" }).departed();
  const [span] = testing.spansNamed("llm_request");
  expect(span?.instrumentationScope).toEqual({
    name: "llm-journey.api",
    version: packageJson.version,
  });
  await testing.shutdown();
});
