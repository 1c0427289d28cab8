// The load generator: autocannon when it is installed, else a small keep-alive loop on
// node:http with the same shape (fixed connections, each sending its next request when
// the previous response has been read to the end).
import { Agent, request } from "node:http";
import { createRequire } from "node:module";
import { quantile } from "./stats.mjs";

let autocannon;
try {
  autocannon = (await import("autocannon")).default;
} catch {
  autocannon = undefined;
}

export function loadGeneratorName() {
  if (!autocannon) return "built-in (node:http keep-alive loop)";
  try {
    return `autocannon ${createRequire(import.meta.url)("autocannon/package.json").version}`;
  } catch {
    return "autocannon";
  }
}

/**
 * POSTs `body` to `url` over `connections` connections for `durationSec` seconds (or
 * until `maxRequests`). Returns completed requests per second and latency percentiles
 * in milliseconds, counting only 2xx responses as completed.
 */
export function runLoad(options) {
  return autocannon ? withAutocannon(options) : withHttpLoop(options);
}

async function withAutocannon({ url, body, connections, durationSec, maxRequests }) {
  const result = await autocannon({
    url,
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
    connections,
    duration: durationSec,
    // Not `amount`: it would switch `duration` off.
    ...(maxRequests ? { maxOverallRequests: maxRequests } : {}),
    timeout: 30,
  });
  const ok = result["2xx"];
  return {
    requests: ok,
    rps: ok / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failures: result.non2xx + result.errors + result.timeouts,
    seconds: result.duration,
  };
}

async function withHttpLoop({ url, body, connections, durationSec, maxRequests }) {
  const target = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const payload = Buffer.from(body);
  const latencies = [];
  let failures = 0;
  let sent = 0;
  const started = performance.now();
  const deadline = started + durationSec * 1000;
  const once = () =>
    new Promise((resolve) => {
      const at = performance.now();
      const req = request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: "POST",
          headers: { "content-type": "application/json", "content-length": payload.length },
        },
        (res) => {
          res.on("data", () => {});
          res.on("end", () => {
            if (res.statusCode >= 200 && res.statusCode < 300) {
              latencies.push(performance.now() - at);
            } else failures++;
            resolve();
          });
          res.on("error", () => {
            failures++;
            resolve();
          });
        },
      );
      req.setTimeout(30_000, () => req.destroy(new Error("timeout")));
      req.on("error", () => {
        failures++;
        resolve();
      });
      req.end(payload);
    });
  const connection = async () => {
    while (performance.now() < deadline && (!maxRequests || sent < maxRequests)) {
      sent++;
      await once();
    }
  };
  await Promise.all(Array.from({ length: connections }, connection));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return {
    requests: latencies.length,
    rps: latencies.length / seconds,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    failures,
    seconds,
  };
}
