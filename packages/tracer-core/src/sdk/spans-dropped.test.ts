import { type ExportResult, ExportResultCode } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace";
import { describe, expect, it } from "vitest";
import { createJourneyTracerProvider } from "./create-journey-tracer-provider.js";

/** An exporter whose collector does not answer until released, then answers at once. */
class HeldExporter implements SpanExporter {
  received = 0;
  private pending: Array<(result: ExportResult) => void> | undefined = [];
  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.received += spans.length;
    if (this.pending === undefined) resultCallback({ code: ExportResultCode.SUCCESS });
    else this.pending.push(resultCallback);
  }
  release(): void {
    for (const answer of this.pending ?? []) answer({ code: ExportResultCode.SUCCESS });
    this.pending = undefined;
  }
  async shutdown(): Promise<void> {}
}

function tracedWithQueue(maxQueueSize: number, onDropped: (count: number) => void) {
  const exporter = new HeldExporter();
  const provider = createJourneyTracerProvider({
    exporter,
    batch: { maxQueueSize, maxExportBatchSize: 2, scheduledDelayMillis: 60_000 },
    onSpansDropped: onDropped,
  });
  return { exporter, provider, tracer: provider.getTracer("test") };
}

describe("onSpansDropped", () => {
  it("reports each span the processor refuses because its queue is full, and no other", async () => {
    let dropped = 0;
    const { exporter, provider, tracer } = tracedWithQueue(4, (count) => {
      dropped += count;
    });
    for (let i = 0; i < 20; i++) tracer.startSpan(`span ${i}`).end();
    // Two went out in the first batch (which hangs), four wait in the queue: the rest is lost.
    expect(exporter.received).toBe(2);
    expect(dropped).toBe(14);
    // Successful batches are counted on the same instrument but are not drops.
    exporter.release();
    await provider.forceFlush();
    expect(exporter.received).toBe(6);
    expect(dropped).toBe(14);
    await provider.shutdown();
  });

  it("reports each span of a batch the exporter failed to deliver", async () => {
    let dropped = 0;
    const failing: SpanExporter = {
      export: (_spans, done) => done({ code: ExportResultCode.FAILED, error: new Error("down") }),
      shutdown: async () => {},
    };
    const provider = createJourneyTracerProvider({
      exporter: failing,
      onSpansDropped: (count) => {
        dropped += count;
      },
    });
    for (let i = 0; i < 3; i++) provider.getTracer("test").startSpan(`span ${i}`).end();
    // The flush reports the failed export too.
    await expect(provider.forceFlush()).rejects.toThrow();
    expect(dropped).toBe(3);
    await provider.shutdown();
  });

  it("counts nothing while the queue has room", async () => {
    let dropped = 0;
    const { exporter, provider, tracer } = tracedWithQueue(64, (count) => {
      dropped += count;
    });
    for (let i = 0; i < 20; i++) tracer.startSpan(`span ${i}`).end();
    exporter.release();
    await provider.shutdown();
    expect(exporter.received).toBe(20);
    expect(dropped).toBe(0);
  });
});
