// The OpenTelemetry SDK wiring of the "enabled" variants: the real TracerProvider
// and BatchSpanProcessor (through tracer-core's /sdk entry point) and an exporter that
// discards, so export costs nothing and everything before it is measured.
import { loadCoreSdk } from "./workspace.mjs";

/** An exporter that drops every batch at once and counts what it was given, also by name. */
export function discardingExporter() {
  const exporter = {
    exported: 0,
    byName: {},
    export(spans, done) {
      exporter.exported += spans.length;
      for (const span of spans) exporter.byName[span.name] = (exporter.byName[span.name] ?? 0) + 1;
      done({ code: 0 });
    },
    shutdown: () => Promise.resolve(),
    forceFlush: () => Promise.resolve(),
  };
  return exporter;
}

/** Counts spans started and ended in the SDK, below both tracers. */
export function countingProcessor() {
  const processor = {
    started: 0,
    ended: 0,
    onStart() {
      processor.started++;
    },
    onEnd() {
      processor.ended++;
    },
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
  return processor;
}

/**
 * TracerProvider + BatchSpanProcessor(discarding exporter), as an application
 * without an SDK of its own would get from `createJourneyTracerProvider`.
 */
export async function discardingProvider({ counting = false, batch } = {}) {
  const { createJourneyTracerProvider } = await loadCoreSdk();
  const exporter = discardingExporter();
  const counter = counting ? countingProcessor() : undefined;
  const provider = createJourneyTracerProvider({
    exporter,
    serviceName: "llm-journey-bench",
    ...(counter ? { spanProcessors: [counter] } : {}),
    ...(batch ? { batch } : {}),
  });
  return { provider, exporter, counter };
}

/** Lets the BatchSpanProcessor's timers and promise callbacks run (outside timed code). */
export const yieldToEventLoop = () => new Promise((resolve) => setImmediate(resolve));
