import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { connect } from "node:net";
import { fileURLToPath } from "node:url";
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { eventAttribute, type OtlpSpan, startOtlpReceiver } from "../support/otlp-receiver.js";
import { startTestServer } from "../support/test-server.js";

const MAIN = fileURLToPath(new URL("../../dist/main.js", import.meta.url));
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
});

/** Starts the built server as a user would, and waits for the URL it prints. */
async function startProcess(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [MAIN, "--port", "0", ...args], {
    // The local receiver decodes OTLP/JSON; the default protocol is protobuf.
    env: { ...process.env, OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/json", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let output = "";
  child.stderr?.on("data", (data) => {
    output += data;
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on("data", (data) => {
      output += data;
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    child.once("exit", (code) => reject(new Error(`server exited with ${code}: ${output}`)));
  });
  return { child, url, output: () => output };
}

function byName(spans: OtlpSpan[], name: string) {
  return spans.filter((span) => span.name === name);
}

describe("OTLP export", () => {
  it("sends both spans of a request to a local OTLP/HTTP receiver, linked", async () => {
    const receiver = await startOtlpReceiver();
    try {
      const server = await startProcess(["--fast"], {
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.url,
        OTEL_SERVICE_NAME: "demo-under-test",
      });
      const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "k", maxRetries: 0 });
      await client.chat.completions.create({
        model: "m",
        messages: [{ role: "user", content: "hi" }],
        max_tokens: 3,
      });
      server.child.kill("SIGTERM");
      const [code] = await once(server.child, "exit");
      expect(code).toBe(0);
      const [api] = byName(receiver.spans, "llm_request");
      const [core] = byName(receiver.spans, "llm_core");
      expect(api?.scope).toBe("llm-journey.api");
      expect(core?.scope).toBe("llm-journey.scheduler");
      expect(core?.traceId).toBe(api?.traceId);
      expect(core?.parentSpanId).toBe(api?.spanId);
      expect(api?.serviceName).toBe("demo-under-test");
      expect(core?.serviceName).toBe("demo-under-test");
    } finally {
      await receiver.close();
    }
  }, 30_000);
});

describe("graceful shutdown", () => {
  it("ends every span of the requests in flight and exits 0", async () => {
    const receiver = await startOtlpReceiver();
    try {
      const server = await startProcess([
        "--otlp-traces-endpoint",
        receiver.url,
        "--shutdown-grace-ms",
        "50",
        "--step-time-base-ms",
        "20",
        "--step-time-per-decode-seq-ms",
        "0",
        "--step-time-per-prefill-token-ms",
        "0",
      ]);
      const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "k", maxRetries: 0 });
      const inFlight = Array.from({ length: 4 }, (_, i) =>
        client.chat.completions
          .create({
            model: "m",
            messages: [{ role: "user", content: `slow ${i}` }],
            max_tokens: 5000,
          })
          .catch((error: unknown) => error),
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      server.child.kill("SIGTERM");
      const [code] = await once(server.child, "exit");
      expect(code).toBe(0);
      const answers = await Promise.all(inFlight);
      expect(answers.every((answer) => answer instanceof Error)).toBe(true);
      const apiSpans = byName(receiver.spans, "llm_request");
      const coreSpans = byName(receiver.spans, "llm_core");
      expect(apiSpans).toHaveLength(4);
      expect(coreSpans).toHaveLength(4);
      for (const span of apiSpans)
        expect(eventAttribute(span, "api.ABORTED", "reason")).toBe("shutdown");
      for (const span of coreSpans)
        expect(eventAttribute(span, "journey.FINISHED", "finish.status")).toBe("aborted");
    } finally {
      await receiver.close();
    }
  }, 30_000);
});

describe("graceful shutdown over llama.cpp", () => {
  it("exports both spans and the step spans, ends a stream in flight, disposes llama.cpp and exits 0", async () => {
    const receiver = await startOtlpReceiver();
    try {
      const server = await startProcess([
        "--engine",
        "llama-cpp",
        "--threads",
        "1",
        "--otlp-traces-endpoint",
        receiver.url,
        "--step-tracing-sample-rate",
        "1",
        "--shutdown-grace-ms",
        "0",
      ]);
      const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "k", maxRetries: 0 });
      const stream = await client.chat.completions.create({
        model: "m",
        messages: [{ role: "user", content: "until the context ends" }],
        max_tokens: 4_000,
        stream: true,
      });
      const iterator = stream[Symbol.asyncIterator]();
      await iterator.next(); // generating now
      const rest = (async () => {
        while (!(await iterator.next()).done) {}
      })().catch((error: unknown) => error);
      server.child.kill("SIGTERM");
      const [code] = await once(server.child, "exit");
      expect(code).toBe(0);
      await rest;
      const [api] = byName(receiver.spans, "llm_request");
      const [core] = byName(receiver.spans, "llm_core");
      expect(byName(receiver.spans, "llm_request")).toHaveLength(1);
      expect(core?.traceId).toBe(api?.traceId);
      expect(core?.parentSpanId).toBe(api?.spanId);
      expect(eventAttribute(api as OtlpSpan, "api.ABORTED", "reason")).toBe("shutdown");
      expect(eventAttribute(core as OtlpSpan, "journey.FINISHED", "finish.status")).toBe("aborted");
      // llama.cpp's batches, exported by the engine's own provider, linked to the request.
      const linked = byName(receiver.spans, "llm_step").filter((step) =>
        step.links?.some((link) => link.spanId === core?.spanId),
      );
      expect(linked.length).toBeGreaterThan(0);
    } finally {
      await receiver.close();
    }
  }, 60_000);
});

describe("a request that arrives while the server closes", () => {
  it("gets an OpenAI 503 body, its connection closed, and a traced refusal", async () => {
    const t = await startTestServer(["--step-time-base-ms", "20", "--shutdown-grace-ms", "300"]);
    const inFlight = t.client.chat.completions
      .create({ model: "m", messages: [{ role: "user", content: "slow" }], max_tokens: 5000 })
      .catch((error: unknown) => error);
    // A second client has sent half of its request's head when the server starts closing:
    // its connection is not idle, so it stays open and the request arrives while closing.
    const { port } = new URL(t.url);
    const late = connect(Number(port), "127.0.0.1");
    await once(late, "connect");
    late.write("POST /v1/chat/completions HTTP/1.1\r\nhost: localhost\r\n");
    for (let attempt = 0; attempt < 250; attempt++) {
      const metrics = await (await fetch(`${t.url}/metrics`)).text();
      if (metrics.includes('llm_journey_active_spans{layer="api"} 1')) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const closing = t.close();
    const body = JSON.stringify({ model: "m", messages: [{ role: "user", content: "late" }] });
    late.end(`content-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
    let raw = "";
    for await (const chunk of late) raw += chunk;
    const [head = "", payload = ""] = raw.split("\r\n\r\n");
    expect(head).toMatch(/^HTTP\/1\.1 503 /);
    expect(head.toLowerCase()).toContain("connection: close");
    expect(JSON.parse(payload)).toEqual({
      error: {
        message: "the server is shutting down",
        type: "server_error",
        param: null,
        code: "shutdown",
      },
    });
    await closing;
    expect(await inFlight).toBeInstanceOf(Error);
    const apiSpans = t.server.store
      .recent(10)
      .flatMap((journey) => journey.spans)
      .filter((span) => span.name === "llm_request");
    expect(apiSpans).toHaveLength(2);
    for (const span of apiSpans) {
      const aborted = span.events.filter((event) => event.name === "api.ABORTED");
      expect(aborted.map((event) => event.attributes.reason)).toEqual(["shutdown"]);
    }
  }, 30_000);
});
