import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it, vi } from "vitest";
import { startTestServer, type TestServer } from "./test-support/test-server.js";

type Fault = "refused" | "hanging" | "status-500" | "status-429";
const servers: Server[] = [];
const demos: TestServer[] = [];

afterAll(async () => {
  await Promise.all(demos.map((demo) => demo.close()));
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
  vi.restoreAllMocks();
});

/** A collector that fails in the given way, on loopback. */
async function faultyCollector(fault: Fault): Promise<string> {
  const server = createServer((request, response) => {
    request.resume();
    if (fault === "hanging") return; // accepts, never answers
    response.writeHead(fault === "status-500" ? 500 : 429, { "retry-after": "0" }).end();
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  if (fault === "refused") {
    await new Promise((resolve) => server.close(resolve)); // the port is now closed
  } else {
    servers.push(server);
  }
  return `http://127.0.0.1:${port}/v1/traces`;
}

function dropped(metrics: string, layer: string): number {
  const line = metrics
    .split("\n")
    .find((l) => l.startsWith(`llm_journey_spans_dropped_total{layer="${layer}"}`));
  return line === undefined ? 0 : Number(line.split(" ").at(-1));
}

describe("a broken OTLP collector", () => {
  it("never breaks serving, counts the dropped spans and warns at a limited rate", async () => {
    // Fail fast instead of the exporter's 10 s default, so the test waits one batch delay.
    vi.stubEnv("OTEL_EXPORTER_OTLP_TIMEOUT", "300");
    const warnings = vi.spyOn(console, "warn").mockImplementation(() => {});
    const faults: Fault[] = ["refused", "hanging", "status-500", "status-429"];
    await Promise.all(
      faults.map(async (fault) => {
        const demo = await startTestServer([
          "--otlp-traces-endpoint",
          await faultyCollector(fault),
        ]);
        demos.push(demo);
        for (let i = 0; i < 20; i++) {
          const response = await fetch(`${demo.url}/v1/completions`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ model: "m", prompt: `request ${i}`, max_tokens: 3 }),
          });
          expect(response.status, fault).toBe(200);
        }
        await demo.gaugesAtZero();
        let metrics = "";
        for (let attempt = 0; attempt < 100; attempt++) {
          metrics = await (await fetch(`${demo.url}/metrics`)).text();
          if (dropped(metrics, "api") >= 20 && dropped(metrics, "core") >= 20) break;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        expect(dropped(metrics, "api"), fault).toBe(20);
        expect(dropped(metrics, "core"), fault).toBe(20);
      }),
    );
    // One line per failing server at most, however many spans each dropped.
    const exportWarnings = warnings.mock.calls.filter(([line]) =>
      String(line).includes("OTLP export"),
    );
    expect(exportWarnings.length).toBeGreaterThanOrEqual(1);
    expect(exportWarnings.length).toBeLessThanOrEqual(faults.length);
  }, 60_000);
});
