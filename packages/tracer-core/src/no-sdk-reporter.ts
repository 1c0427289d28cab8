import type { TracingErrorHandler } from "./tracing-error-reporter.js";
import { TracingNotice } from "./tracing-notice.js";

/** Which tracer is waiting for the SDK, and what a request misses meanwhile. */
export interface NoSdkReporterOptions {
  /** The hook that met the request: the `operation` given to `onError`. */
  operation: string;
  /** The tracer's instrumentation scope. */
  scope: string;
  /** The span each request gets once an SDK is registered. */
  spanName: string;
}

/**
 * Says once that a tracer created before the application registered its OpenTelemetry
 * SDK met a request while there still is none: an application that forgot to register
 * it, or registered it through another copy of `@opentelemetry/api`, would otherwise
 * trace nothing without a word. Each layer's deferred tracer holds one. After the report
 * a request costs one flag check, and the message is built only for the report.
 */
export class NoSdkReporter {
  private reported = false;

  constructor(
    private readonly onError: TracingErrorHandler,
    private readonly options: NoSdkReporterOptions,
  ) {}

  report(requestId: string): void {
    if (this.reported) return;
    this.reported = true;
    const { operation, scope, spanName } = this.options;
    try {
      this.onError(
        new TracingNotice(
          "no-sdk-registered",
          "warning",
          `no OpenTelemetry SDK is registered globally, so ${scope} gives request ${JSON.stringify(requestId)} no ${spanName} span, nor any other request until one is; register the SDK (provider.register() or trace.setGlobalTracerProvider()) before requests arrive, or pass tracerProvider`,
        ),
        operation,
      );
    } catch {
      // A handler that throws must not reach the caller.
    }
  }
}
