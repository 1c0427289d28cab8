// The load generators: one body over fixed connections (autocannon when it is installed,
// else a small keep-alive loop on node:http with the same shape: each connection sends its
// next request when the previous response has been read to the end), and a closed loop of
// mixed chat and completion requests, streaming and not, for the demo's measurements.
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

/**
 * POSTs `json` through `agent` and reads the answer to its end, streamed or not; resolves
 * with its status, 0 for a transport failure or after `timeoutMs`.
 */
function post(agent, url, json, timeoutMs = 30_000) {
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        agent,
        method: "POST",
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(json) },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
        res.on("error", () => resolve(0));
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error("timeout")));
    req.on("error", () => resolve(0));
    req.end(json);
  });
}

async function withHttpLoop({ url, body, connections, durationSec, maxRequests }) {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const latencies = [];
  let failures = 0;
  let sent = 0;
  const started = performance.now();
  const deadline = started + durationSec * 1000;
  const connection = async () => {
    while (performance.now() < deadline && (!maxRequests || sent < maxRequests)) {
      sent++;
      const at = performance.now();
      const status = await post(agent, url, body);
      if (status >= 200 && status < 300) latencies.push(performance.now() - at);
      else failures++;
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

/**
 * The same mix every time, by index: chat and completions, streaming and not. The
 * prompts repeat every 64 requests, so every run asks for the same work.
 */
function mixedRequest(i, maxTokens) {
  const stream = i % 4 >= 2;
  const text = `load request ${i % 64}`;
  return i % 2 === 0
    ? {
        path: "/v1/chat/completions",
        json: JSON.stringify({
          model: "m",
          messages: [{ role: "user", content: text }],
          max_tokens: maxTokens,
          stream,
        }),
      }
    : {
        path: "/v1/completions",
        json: JSON.stringify({ model: "m", prompt: text, max_tokens: maxTokens, stream }),
      };
}

/**
 * Closed-loop keep-alive load of mixed requests: `concurrency` clients each send their
 * next request as soon as the last one is answered, through `warmupMs` and then the
 * measured `durationMs`. Counts the requests that started in the window and completed,
 * those answered other than 200 or not at all (`errors`), and their latency percentiles.
 */
export async function runMixedLoad({ url, concurrency, warmupMs, durationMs, maxTokens }) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const windowStart = performance.now() + warmupMs;
  const windowEnd = windowStart + durationMs;
  const latencies = [];
  let errors = 0;
  let lastCompletion = windowStart;
  let next = 0;
  const client = async () => {
    while (performance.now() < windowEnd) {
      const { path, json } = mixedRequest(next++, maxTokens);
      const sent = performance.now();
      const status = await post(agent, `${url}${path}`, json);
      const done = performance.now();
      if (sent < windowStart) continue;
      latencies.push(done - sent);
      if (status !== 200) errors++;
      lastCompletion = Math.max(lastCompletion, done);
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, client));
  } finally {
    agent.destroy();
  }
  const seconds = (lastCompletion - windowStart) / 1000;
  return {
    completed: latencies.length,
    errors,
    seconds,
    requestsPerSecond: seconds > 0 ? latencies.length / seconds : 0,
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
  };
}
