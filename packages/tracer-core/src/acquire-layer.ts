import type { Tracer, TracerProvider } from "@opentelemetry/api";
import type { DeferredLayerOptions } from "./deferred-layer.js";
import type { NoSdkReporterOptions } from "./no-sdk-reporter.js";
import { isUnconfiguredGlobal, registeredTracer } from "./registered-tracer.js";
import type { TracingErrorHandler } from "./tracing-error-reporter.js";

/** What `acquireLayer` needs to build one layer's tracer in whichever form fits. */
export interface LayerAcquisition<T> {
  /** The provider given, or the global one. */
  readonly provider: TracerProvider;
  readonly scope: string;
  readonly version?: string | undefined;
  /** The layer's create function: the `operation` of a failure reported to `onError`. */
  readonly operation: string;
  readonly onError: TracingErrorHandler;
  /** The layer's shared no-op. */
  readonly noop: T;
  /** The SDK's form, on the SDK's tracer, at the rate set while waiting (if any). */
  readonly build: (tracer: Tracer, rateSet: number | undefined) => T;
  /** The layer's deferred form (a `DeferredLayer`). */
  readonly deferred: new (
    options: DeferredLayerOptions<T>,
  ) => T;
  /** The configured rate, for the deferred form to report while it waits. */
  readonly sampleRate: number;
  /** What the deferred form says when a request meets no SDK; absent: nothing. */
  readonly noSdk?: NoSdkReporterOptions | undefined;
}

/**
 * Builds a layer's tracer once the options are validated and tracing is on, the same way
 * in every layer: on a provider with an SDK, the SDK's form; on the global provider before
 * an SDK is registered, the deferred form that binds when one is; when acquiring the
 * tracer fails, now or at binding, a report to `onError` and the layer's no-op, so the
 * server or engine always starts.
 */
export function acquireLayer<T>(layer: LayerAcquisition<T>): T {
  const { provider, scope, version, operation, onError, noop } = layer;
  try {
    if (isUnconfiguredGlobal(provider, scope)) {
      return new layer.deferred({
        noop,
        bind: (rateSet) => {
          try {
            const tracer = registeredTracer(provider, scope, version);
            return tracer === undefined ? undefined : layer.build(tracer, rateSet);
          } catch (error) {
            onError(error, operation);
            return noop;
          }
        },
        sampleRate: layer.sampleRate,
        noSdk: layer.noSdk && { ...layer.noSdk, onError },
      });
    }
    return layer.build(provider.getTracer(scope, version), undefined);
  } catch (error) {
    onError(error, operation);
    return noop;
  }
}
