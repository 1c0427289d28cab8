import { once } from "node:events";
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import { describe, expect, it } from "vitest";
import { watchSpanMisuse } from "./span-misuse-watch.mjs";

const BUILT_WATCH = new URL("./span-misuse-watch.mjs", import.meta.url).href;
const SDK = createRequire(import.meta.url).resolve("@opentelemetry/sdk-trace-base");

describe("the soak's double-end() watch", () => {
  it("counts a span ended twice and a call after end in this thread, apart from its probe", async () => {
    const watch = watchSpanMisuse();
    try {
      const tracer = new BasicTracerProvider().getTracer("test");
      const twice = tracer.startSpan("twice");
      twice.end();
      twice.end();
      const late = tracer.startSpan("late");
      late.end();
      late.addEvent("after the end");
      const report = await watch.report({ timeoutMs: 50 });
      expect(report.threads.http).toMatchObject({
        endedTwice: 1,
        usedAfterEnd: 1,
        probeCaught: true,
      });
      expect(report.threads.http?.examples.join("\n")).toContain(twice.spanContext().spanId);
      // No engine worker answered.
      expect(report.threads.engine).toBeUndefined();
    } finally {
      watch.stop();
    }
  });

  it("hears a worker thread's count over the broadcast channel", async () => {
    const watch = watchSpanMisuse();
    const worker = new Worker(
      `
      const { parentPort, workerData } = require("node:worker_threads");
      (async () => {
        const { answerSpanMisuseRequests } = await import(workerData.watch);
        answerSpanMisuseRequests();
        const { BasicTracerProvider } = require(workerData.sdk);
        const span = new BasicTracerProvider().getTracer("worker").startSpan("twice");
        span.end();
        span.end();
        parentPort.on("message", () => {}); // stay up until terminated
        parentPort.postMessage("ready");
      })();
      `,
      { eval: true, workerData: { watch: BUILT_WATCH, sdk: SDK } },
    );
    try {
      await once(worker, "message");
      const report = await watch.report();
      expect(report.threads.engine).toMatchObject({
        endedTwice: 1,
        usedAfterEnd: 0,
        probeCaught: true,
      });
      expect(report.threads.http).toMatchObject({ endedTwice: 0, usedAfterEnd: 0 });
    } finally {
      await worker.terminate();
      watch.stop();
    }
  });
});
