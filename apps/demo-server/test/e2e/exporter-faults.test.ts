import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it, vi } from "vitest";
import { startTestServer, type TestServer } from "../support/test-server.js";

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
          // Only the journey spans: one llm_core per request, so the counts below are exact.
          "--step-tracing-sample-rate",
          "0",
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

  it("counts the spans lost to a full queue while the collector is too slow", async () => {
    // A batch goes out and hangs; four more spans fill the queue; the rest has nowhere to go.
    vi.stubEnv("OTEL_BSP_MAX_QUEUE_SIZE", "4");
    vi.stubEnv("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "2");
    vi.stubEnv("OTEL_BSP_SCHEDULE_DELAY", "50");
    vi.stubEnv("OTEL_EXPORTER_OTLP_TIMEOUT", "60000");
    // This collector counts the spans of each export in its JSON.
    vi.stubEnv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json");
    let answering = false;
    const held: Array<() => void> = [];
    let delivered = 0;
    const collector = createServer(async (request, response) => {
      let body = "";
      for await (const chunk of request) body += chunk;
      const { resourceSpans } = JSON.parse(body) as {
        resourceSpans: Array<{ scopeSpans: Array<{ spans: unknown[] }> }>;
      };
      const respond = () => {
        for (const resource of resourceSpans)
          for (const scope of resource.scopeSpans) delivered += scope.spans.length;
        response.writeHead(200, { "content-type": "application/json" }).end("{}");
      };
      if (answering) respond();
      else held.push(respond);
    });
    servers.push(collector);
    collector.listen(0, "127.0.0.1");
    await once(collector, "listening");
    const { port } = collector.address() as AddressInfo;
    const demo = await startTestServer([
      "--otlp-traces-endpoint",
      `http://127.0.0.1:${port}/v1/traces`,
      // Only the journey spans: one llm_core per request, so the counts below are exact.
      "--step-tracing-sample-rate",
      "0",
    ]);
    demos.push(demo);
    for (let i = 0; i < 20; i++) {
      const completion = await demo.client.completions.create({
        model: "m",
        prompt: `request ${i}`,
        max_tokens: 3,
      });
      expect(completion.choices[0]?.finish_reason).toBe("length");
    }
    let metrics = await demo.gaugesAtZero();
    // Per layer, one batch in flight (at most 2, fewer when a span left alone) and a full
    // queue (4) wait for the collector; every other span is dropped and counted.
    const lost = { api: dropped(metrics, "api"), core: dropped(metrics, "core") };
    for (const layer of ["api", "core"] as const) {
      expect(lost[layer], layer).toBeGreaterThanOrEqual(14);
      expect(lost[layer], layer).toBeLessThanOrEqual(16);
    }
    // Once the collector answers, the waiting spans arrive and nothing more is lost: each of
    // the 40 spans is either delivered or counted as dropped, never both, never neither.
    const waiting = 40 - lost.api - lost.core;
    answering = true;
    for (const respond of held.splice(0)) respond();
    for (let attempt = 0; attempt < 100 && delivered < waiting; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(delivered).toBe(waiting);
    metrics = await (await fetch(`${demo.url}/metrics`)).text();
    expect(dropped(metrics, "api")).toBe(lost.api);
    expect(dropped(metrics, "core")).toBe(lost.core);
  }, 60_000);
});
