import {
  type Attributes,
  type Counter,
  createNoopMeter,
  type Meter,
  type MeterProvider,
} from "@opentelemetry/api";

/** The SDK's self-observability counter: one count per span a processor is done with. */
const PROCESSED_SPANS = "otel.sdk.processor.span.processed";
/** The `error.type` of a span the BatchSpanProcessor refused because its queue was full. */
const QUEUE_FULL = "queue_full";

/**
 * A meter provider for a BatchSpanProcessor's `selfObsMeterProvider` option that reports
 * the spans the processor drops because its queue is full: the SDK counts them only on
 * this counter (and in a debug log line), never through the exporter, so without it a
 * collector that is slow rather than down loses spans silently.
 *
 * Every other instrument the SDK asks for is the API's no-op, so this costs one branch
 * per finished batch and nothing per span that is queued.
 */
export function queueDropMeterProvider(onDropped: (count: number) => void): MeterProvider {
  const noop = createNoopMeter();
  const meter: Meter = Object.create(noop);
  meter.createCounter = <A extends Attributes>(name: string, options?: object) => {
    if (name !== PROCESSED_SPANS) return noop.createCounter<A>(name, options);
    const counter: Counter<A> = {
      add(value, attributes) {
        if (attributes?.["error.type"] === QUEUE_FULL) onDropped(value);
      },
    };
    return counter;
  };
  return { getMeter: () => meter };
}
