import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Journey } from "../../src/journeys/journey-store.js";
import { openRaw, parseResponses, rawRequest } from "../support/raw-http.js";
import {
  eventNames,
  gaugeValue,
  requestsTotal,
  spansOf,
  startTestServer,
  type TestServer,
} from "../support/test-server.js";

const MODEL = "llm-journey-simulated";
/** The simulated model answers this prompt with 241 tokens unless `max_tokens` cuts it. */
const LONG_ANSWER = "write at length";
const chat = (maxTokens: number, extra: Record<string, unknown> = {}) => ({
  model: MODEL,
  messages: [{ role: "user", content: LONG_ANSWER }],
  max_tokens: maxTokens,
  ...extra,
});

/** A trace id per request, all starting with `prefix`, so a test finds its own journeys. */
const traceIdOf = (prefix: string, i: number) => `${prefix}${i.toString(16).padStart(8, "0")}`;
const traceparent = (traceId: string) => `00-${traceId}-00f067aa0ba902b7-01`;

function ownJourneys(journeys: Journey[], prefix: string): Journey[] {
  return journeys.filter((journey) => journey.traceId.startsWith(prefix));
}

function apiEnd(journey: Journey) {
  const { api } = spansOf(journey);
  const end = api?.events.find((e) => e.name === "api.DEPARTED" || e.name === "api.ABORTED");
  return end?.name === "api.ABORTED" ? String(end.attributes.reason) : end?.name;
}

async function metricsText(t: TestServer): Promise<string> {
  return (await fetch(`${t.url}/metrics`)).text();
}

/** Polls `/metrics` until `predicate` holds, for at most `ms`; returns how long it took. */
async function metricsWithin(
  t: TestServer,
  ms: number,
  predicate: (metrics: string) => boolean,
): Promise<number> {
  const start = performance.now();
  let last = "";
  while (performance.now() - start < ms) {
    last = await metricsText(t);
    if (predicate(last)) return performance.now() - start;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const gauges = last.split("\n").filter((line) => line.startsWith("llm_journey_"));
  throw new Error(`not within ${ms} ms; last metrics:\n${gauges.join("\n")}`);
}

const allAtZero = (metrics: string) =>
  ["api", "core"].every(
    (layer) =>
      gaugeValue(metrics, "llm_journey_active_spans", layer) === 0 &&
      gaugeValue(metrics, "llm_journey_tracked_entries", layer) === 0,
  );

const OUTCOMES = ["ok", "invalid", "overloaded", "error", "client_disconnect"] as const;

async function totals(t: TestServer): Promise<Record<(typeof OUTCOMES)[number], number>> {
  const values = await Promise.all(OUTCOMES.map((outcome) => requestsTotal(t.url, outcome)));
  const [ok = 0, invalid = 0, overloaded = 0, error = 0, client_disconnect = 0] = values;
  return { ok, invalid, overloaded, error, client_disconnect };
}

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

describe("a client that pipelines requests and leaves", () => {
  let t: TestServer;
  beforeAll(async () => {
    // Every request fits in one connection's share, so all 200 reach the engine.
    t = await startTestServer([
      "--step-time-base-ms",
      "5",
      "--max-pipelined-requests",
      "1000",
      "--max-queued-requests",
      "1000",
    ]);
  });
  afterAll(() => t.close());

  it("aborts every unanswered request on the connection: 0 core spans open within 2 s, each traced and counted", async () => {
    const prefix = "a1a1a1a1a1a1a1a1a1a1a1a1";
    const before = await totals(t);
    const connection = await openRaw(t.url);
    connection.socket.write(
      Array.from({ length: 200 }, (_, i) =>
        rawRequest("/v1/chat/completions", chat(256), {
          traceparent: traceparent(traceIdOf(prefix, i)),
        }),
      ).join(""),
    );
    // All 200 in the engine (their core spans open), none near its 256th token.
    await metricsWithin(
      t,
      5_000,
      (metrics) => gaugeValue(metrics, "llm_journey_active_spans", "core") === 200,
    );
    connection.socket.destroy();

    await metricsWithin(t, 2_000, allAtZero);
    const after = await totals(t);
    expect(after.client_disconnect - before.client_disconnect).toBe(200);
    expect(sum(after) - sum(before)).toBe(200);

    const journeys = ownJourneys(
      await t.journeysWhen(
        (all) => ownJourneys(all, prefix).filter((j) => j.spans.length === 2).length === 200,
      ),
      prefix,
    );
    expect(journeys.map(apiEnd)).toEqual(Array(200).fill("client_disconnect"));
    for (const journey of journeys) {
      const { core } = spansOf(journey);
      const finished = core?.events.find((e) => e.name === "journey.FINISHED");
      expect(finished?.attributes["finish.status"]).toBe("aborted");
    }
  });
});

describe("one connection's share of the engine", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(["--step-time-base-ms", "5"]);
  });
  afterAll(() => t.close());

  it("answers requests past --max-pipelined-requests with 429, in order, and the others in full", async () => {
    const prefix = "b2b2b2b2b2b2b2b2b2b2b2b2";
    const connection = await openRaw(t.url);
    connection.socket.write(
      Array.from({ length: 12 }, (_, i) =>
        rawRequest("/v1/chat/completions", chat(4), {
          traceparent: traceparent(traceIdOf(prefix, i)),
          ...(i === 11 ? { connection: "close" } : {}),
        }),
      ).join(""),
    );
    const responses = parseResponses(await connection.closed);
    expect(responses.map((r) => r.status)).toEqual([...Array(8).fill(200), ...Array(4).fill(429)]);
    for (const refused of responses.slice(8)) {
      expect(refused.headers["retry-after"]).toBe("1");
      expect(JSON.parse(refused.body).error).toMatchObject({
        type: "requests",
        code: "too_many_pipelined_requests",
      });
    }
    const journeys = ownJourneys(
      await t.journeysWhen((all) => ownJourneys(all, prefix).length === 12),
      prefix,
    );
    const ends = journeys.map(apiEnd);
    expect(ends.filter((end) => end === "api.DEPARTED")).toHaveLength(8);
    expect(ends.filter((end) => end === "overloaded")).toHaveLength(4);
    await t.gaugesAtZero();
  });

  it("closes a connection that pipelines 1,000 requests in one write, so a normal request on another is not delayed", async () => {
    const prefix = "f6f6f6f6f6f6f6f6f6f6f6f6";
    const normal = async () => {
      const start = performance.now();
      await t.client.chat.completions.create(chat(16) as never);
      return performance.now() - start;
    };
    // The usual latency, on an idle server.
    const usual = Math.min(await normal(), await normal(), await normal());
    const before = await totals(t);

    const flood = await openRaw(t.url);
    flood.socket.write(
      Array.from({ length: 1_000 }, (_, i) =>
        rawRequest("/v1/chat/completions", chat(256), {
          traceparent: traceparent(traceIdOf(prefix, i)),
        }),
      ).join(""),
    );
    // The client would leave after 300 ms; the server closes the connection before that.
    const leaving = setTimeout(() => flood.socket.destroy(), 300);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const during = await normal();
    const closedByServer = await Promise.race([
      flood.closed.then(() => true),
      new Promise((resolve) => setTimeout(resolve, 250, false)),
    ]);
    clearTimeout(leaving);
    flood.socket.destroy();

    expect(during).toBeLessThan(usual + 500);
    expect(closedByServer).toBe(true);
    await metricsWithin(t, 2_000, allAtZero);
    // Every flood request the server read ends overloaded, counted once; none is left in
    // the engine, and the ones that were in it ended there as aborted.
    const after = await totals(t);
    expect(after.ok - before.ok).toBe(1);
    const refused = after.overloaded - before.overloaded;
    expect(refused).toBeGreaterThan(8);
    expect(sum(after) - sum(before)).toBe(refused + 1);
    const journeys = ownJourneys(
      await t.journeysWhen((all) => ownJourneys(all, prefix).length === refused),
      prefix,
    );
    expect(new Set(journeys.map(apiEnd))).toEqual(new Set(["overloaded"]));
    const admitted = journeys.filter((journey) => spansOf(journey).core !== undefined);
    expect(admitted.length).toBeLessThanOrEqual(8);
    for (const journey of admitted) {
      const finished = spansOf(journey).core?.events.find((e) => e.name === "journey.FINISHED");
      expect(finished?.attributes["finish.status"]).toBe("aborted");
    }
  });
});

describe("a protocol error on a connection", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(["--step-time-base-ms", "5", "--upload-timeout-ms", "400"]);
  });
  afterAll(() => t.close());

  it("answers the complete request before it with its own response, then the error", async () => {
    const prefix = "c3c3c3c3c3c3c3c3c3c3c3c3";
    const connection = await openRaw(t.url);
    connection.socket.write(
      `${rawRequest("/v1/chat/completions", chat(8), {
        traceparent: traceparent(traceIdOf(prefix, 0)),
      })}NOT-HTTP\r\n\r\n`,
    );
    const responses = parseResponses(await connection.closed);
    expect(responses.map((r) => r.status)).toEqual([200, 400]);
    expect(JSON.parse(responses[0]?.body ?? "").object).toBe("chat.completion");
    expect(JSON.parse(responses[1]?.body ?? "").error.code).toBe("bad_request");
    const [journey] = ownJourneys(
      await t.journeysWhen((all) => ownJourneys(all, prefix).some((j) => j.spans.length === 2)),
      prefix,
    );
    expect(journey && apiEnd(journey)).toBe("api.DEPARTED");
    await t.gaugesAtZero();
  });

  it("streams the complete request in full and times out only the incomplete one behind it", async () => {
    const prefix = "d4d4d4d4d4d4d4d4d4d4d4d4";
    const incomplete = rawRequest("/v1/chat/completions", chat(8), {
      traceparent: traceparent(traceIdOf(prefix, 1)),
    });
    const before = await totals(t);
    const connection = await openRaw(t.url);
    connection.socket.write(
      // 150 tokens at 5 ms or more a step: longer than the 400 ms upload timeout.
      rawRequest("/v1/chat/completions", chat(150, { stream: true }), {
        traceparent: traceparent(traceIdOf(prefix, 0)),
      }) + incomplete.slice(0, incomplete.length - 10),
    );
    const responses = parseResponses(await connection.closed);
    expect(responses.map((r) => r.status)).toEqual([200, 408]);
    expect(responses[0]?.body.endsWith("data: [DONE]\n\n")).toBe(true);
    expect(JSON.parse(responses[1]?.body ?? "").error.code).toBe("upload_timeout");

    const journeys = ownJourneys(
      await t.journeysWhen((all) => ownJourneys(all, prefix).length === 2),
      prefix,
    );
    const byTrace = Object.fromEntries(journeys.map((j) => [j.traceId, j]));
    const streamed = byTrace[traceIdOf(prefix, 0)] as Journey;
    const cut = byTrace[traceIdOf(prefix, 1)] as Journey;
    expect(apiEnd(streamed)).toBe("api.DEPARTED");
    expect(apiEnd(cut)).toBe("timeout");
    expect(eventNames(spansOf(cut).api)).not.toContain("api.HANDOFF_TO_CORE");
    await t.gaugesAtZero();
    const after = await totals(t);
    expect(after.ok - before.ok).toBe(1);
    expect(after.invalid - before.invalid).toBe(1);
    expect(sum(after) - sum(before)).toBe(2);
  });
});

describe("the queue limit", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer([
      "--step-time-base-ms",
      "5",
      "--max-num-seqs",
      "1",
      "--max-queued-requests",
      "2",
    ]);
  });
  afterAll(() => t.close());

  it("answers 429 with Retry-After past it, traces the refusals as overloaded, and the gauges return to 0", async () => {
    const prefix = "e5e5e5e5e5e5e5e5e5e5e5e5";
    const before = await totals(t);
    // One connection each: the limit is the server's, not a connection's.
    const connections = await Promise.all(Array.from({ length: 10 }, () => openRaw(t.url)));
    connections.forEach((connection, i) => {
      connection.socket.write(
        rawRequest("/v1/chat/completions", chat(20), {
          traceparent: traceparent(traceIdOf(prefix, i)),
          connection: "close",
        }),
      );
    });
    const responses = (await Promise.all(connections.map((c) => c.closed))).map(
      (data) => parseResponses(data)[0],
    );
    const statuses = responses.map((r) => r?.status).sort();
    // 1 running and 2 waiting; the 7 others refused at once.
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429, 429, 429, 429, 429]);
    for (const refused of responses.filter((r) => r?.status === 429)) {
      expect(refused?.headers["retry-after"]).toBe("1");
      expect(JSON.parse(refused?.body ?? "")).toEqual({
        error: {
          message: expect.stringContaining("--max-queued-requests"),
          type: "requests",
          param: null,
          code: "queue_full",
        },
      });
    }
    const journeys = ownJourneys(
      await t.journeysWhen((all) => ownJourneys(all, prefix).length === 10),
      prefix,
    );
    const refusals = journeys.filter((j) => apiEnd(j) === "overloaded");
    expect(refusals).toHaveLength(7);
    for (const journey of refusals) {
      // Refused before the engine saw it: no core span, nothing handed off.
      expect(journey.spans.map((s) => s.name)).toEqual(["llm_request"]);
      expect(eventNames(journey.spans[0])).toEqual(["api.ARRIVED", "api.ABORTED"]);
      expect(journey.spans[0]?.status.code).toBe("ERROR");
    }
    await t.gaugesAtZero();
    const after = await totals(t);
    expect(after.overloaded - before.overloaded).toBe(7);
    expect(after.ok - before.ok).toBe(3);
  });
});
