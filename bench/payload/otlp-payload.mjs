// The OTLP bytes one traced request costs, as a collector behind the demo server receives
// them: both spans, their events and attributes, the resource and the protocol's framing
// (HTTP headers not included).
import { startDemoServer } from "../lib/demo-server.mjs";
import { startOtlpSink } from "../lib/otlp-sink.mjs";

// Long enough for each request's spans to leave in their own batch (the server's batch
// delay is set to 20 ms), so the figure is what one traced request costs on the wire.
const SETTLE_MS = 200;

/**
 * Starts the built demo server with an OTLP endpoint pointing at a local sink, sends
 * `requests` (default 10) traced streaming chat completions one at a time, and returns
 * `{ protocol, requests, contentTypes, exports, bytes, bytesPerRequest }`: what arrived,
 * each thread sending its own exports. `protocol` (`http/protobuf` or `http/json`) sets
 * `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`; left unset, the server's default applies.
 */
export async function measureOtlpPayload(options = {}) {
  const requests = options.requests ?? 10;
  const sink = await startOtlpSink();
  try {
    const server = await startDemoServer(["--fast", "--otlp-traces-endpoint", sink.url], {
      env: {
        OTEL_BSP_SCHEDULE_DELAY: "20",
        ...(options.protocol !== undefined
          ? { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: options.protocol }
          : {}),
      },
    });
    try {
      for (let i = 0; i < requests; i++) {
        const response = await fetch(`${server.url}/v1/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            model: "demo",
            messages: [{ role: "user", content: `Tell me about journey ${i}.` }],
            max_tokens: options.maxTokens ?? 16,
            stream: true,
          }),
        });
        await response.text();
        await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      }
      await sink.quiet(SETTLE_MS);
    } finally {
      await server.kill();
    }
    const { bytes, contentTypes, requests: exports } = sink.counts;
    return {
      protocol: options.protocol,
      requests,
      contentTypes: [...contentTypes],
      exports,
      bytes,
      bytesPerRequest: Math.round(bytes / requests),
    };
  } finally {
    await sink.close();
  }
}
