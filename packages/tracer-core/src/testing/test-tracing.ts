import type { Span, Tracer, TracerProvider } from "@opentelemetry/api";
import {
  InMemorySpanExporter,
  type ReadableSpan,
  type Sampler,
  TracerProvider as SdkTracerProvider,
  SimpleSpanProcessor,
  type SpanLimits,
} from "@opentelemetry/sdk-trace";

/** The real OpenTelemetry SDK with an in-memory exporter, plus `end()` bookkeeping. */
export interface TestTracing {
  /** Hand this to the tracer under test. */
  readonly provider: TracerProvider;
  /** Spans that ended, in the order they ended. */
  finishedSpans(): ReadableSpan[];
  /** Ended spans with this name. */
  spansNamed(name: string): ReadableSpan[];
  /** Spans started and not yet ended. */
  openSpanCount(): number;
  /**
   * Throws unless every span started through `provider` was ended exactly once and
   * nothing was called on it after its end (the SDK silently ignores such calls).
   */
  assertEverySpanEndedOnce(): void;
  /** Forgets every recorded span. */
  reset(): void;
  shutdown(): Promise<void>;
}

interface SpanRecord {
  readonly name: string;
  endCalls: number;
  callsAfterEnd: number;
}

export interface TestTracingOptions {
  spanLimits?: SpanLimits;
  /** The SDK's sampler. Default: the SDK's own default, ParentBased(AlwaysOn). */
  sampler?: Sampler;
}

/**
 * Builds a provider on the real SDK (`@opentelemetry/sdk-trace`, 2.12 or later, or 3.x)
 * that exports synchronously to memory. Every span it starts is wrapped so calls to
 * `end()` are counted: a missing or second `end()` fails `assertEverySpanEndedOnce`,
 * which the exported spans alone could not show.
 */
export function createTestTracing(options: TestTracingOptions = {}): TestTracing {
  const exporter = new InMemorySpanExporter();
  const sdk = new SdkTracerProvider({
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
    ...(options.spanLimits ? { spanLimits: options.spanLimits } : {}),
    ...(options.sampler ? { sampler: options.sampler } : {}),
  });
  const records = new Map<string, SpanRecord>();

  const countingSpan = (span: Span, name: string): Span => {
    const record: SpanRecord = { name, endCalls: 0, callsAfterEnd: 0 };
    records.set(span.spanContext().spanId, record);
    const counted: Span = new Proxy(span, {
      get(target, property) {
        const value = Reflect.get(target, property, target);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          const isRead = property === "spanContext" || property === "isRecording";
          if (record.endCalls > 0 && !isRead) record.callsAfterEnd++;
          if (property === "end") record.endCalls++;
          const result = value.apply(target, args);
          // Chained setters return the span itself: keep callers on the counted one.
          return result === target ? counted : result;
        };
      },
    });
    return counted;
  };

  const provider: TracerProvider = {
    getTracer(name, version, tracerOptions) {
      const tracer = sdk.getTracer(name, version, tracerOptions);
      const startSpan: Tracer["startSpan"] = (spanName, spanOptions, context) =>
        countingSpan(tracer.startSpan(spanName, spanOptions, context), spanName);
      // Only startSpan is counted; the llm-journey layers start spans no other way.
      return new Proxy(tracer, {
        get: (target, property) =>
          property === "startSpan" ? startSpan : Reflect.get(target, property, target),
      });
    },
  };

  return {
    provider,
    finishedSpans: () => exporter.getFinishedSpans(),
    spansNamed: (name) => exporter.getFinishedSpans().filter((span) => span.name === name),
    openSpanCount: () => [...records.values()].filter((record) => record.endCalls === 0).length,
    assertEverySpanEndedOnce() {
      const problems: string[] = [];
      for (const [spanId, record] of records) {
        if (record.endCalls !== 1) {
          problems.push(`${record.name} ${spanId}: end() called ${record.endCalls} times`);
        }
        if (record.callsAfterEnd > 0) {
          problems.push(`${record.name} ${spanId}: ${record.callsAfterEnd} calls after end()`);
        }
      }
      if (problems.length > 0) {
        throw new Error(`spans not ended exactly once:\n${problems.join("\n")}`);
      }
    },
    reset() {
      records.clear();
      exporter.reset();
    },
    shutdown: () => sdk.shutdown(),
  };
}
