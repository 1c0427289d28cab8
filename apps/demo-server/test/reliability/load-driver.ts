import { Agent, request } from "node:http";

export interface LoadOptions {
  /** The server's `http://host:port`. */
  readonly url: string;
  /** Requests in flight at once, each on its own kept-alive connection. */
  readonly concurrency: number;
  /** Load before the measured window (the server's JIT warms up), in ms. */
  readonly warmupMs: number;
  /** The measured window, in ms. */
  readonly durationMs: number;
  /** `max_tokens` of every request. */
  readonly maxTokens: number;
}

export interface LoadResult {
  /** Requests that started in the measured window and completed. */
  readonly completed: number;
  /** Of those, answers other than 200 or transport failures. */
  readonly errors: number;
  /** From the window's start to the last of those completions. */
  readonly seconds: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/**
 * The same mix every time, by index: chat and completions, streaming and not. The
 * prompts repeat every 64 requests, so every run asks for the same work.
 */
function body(i: number, maxTokens: number): { path: string; json: string } {
  const chat = i % 2 === 0;
  const stream = i % 4 >= 2;
  const text = `load request ${i % 64}`;
  return chat
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

function post(agent: Agent, url: string, path: string, json: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      `${url}${path}`,
      {
        method: "POST",
        agent,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(json) },
      },
      (response) => {
        response.resume(); // the whole body, stream or not
        response.on("end", () => resolve(response.statusCode ?? 0));
        response.on("error", () => resolve(0));
      },
    );
    req.on("error", () => resolve(0));
    req.end(json);
  });
}

/**
 * Closed-loop keep-alive load: `concurrency` clients each send their next request as soon
 * as the last one is answered, through a warm-up and then the measured window.
 */
export async function driveLoad(options: LoadOptions): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const start = performance.now();
  const windowStart = start + options.warmupMs;
  const windowEnd = windowStart + options.durationMs;
  const latencies: number[] = [];
  let errors = 0;
  let lastCompletion = windowStart;
  let next = 0;
  const client = async () => {
    while (performance.now() < windowEnd) {
      const { path, json } = body(next++, options.maxTokens);
      const sent = performance.now();
      const status = await post(agent, options.url, path, json);
      const done = performance.now();
      if (sent < windowStart) continue;
      latencies.push(done - sent);
      if (status !== 200) errors++;
      lastCompletion = Math.max(lastCompletion, done);
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, client));
  } finally {
    agent.destroy();
  }
  latencies.sort((a, b) => a - b);
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

/** Nearest-rank quantile of sorted values; NaN for none. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] as number;
}
