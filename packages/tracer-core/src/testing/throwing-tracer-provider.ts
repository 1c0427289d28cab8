import type { Span, Tracer, TracerProvider } from "@opentelemetry/api";

/**
 * A provider whose spans throw on every call, for proving that a broken tracer never
 * changes what the instrumented code does. `startSpan` itself succeeds, so the failures
 * come from the span methods the layers call later.
 */
export function createThrowingTracerProvider(): TracerProvider {
  const fail = (): never => {
    throw new Error("injected span failure");
  };
  const span = new Proxy({} as Span, { get: () => fail });
  const tracer: Tracer = {
    startSpan: () => span,
    startActiveSpan: fail,
  };
  return { getTracer: () => tracer };
}
