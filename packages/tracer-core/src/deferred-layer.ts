import { NoSdkReporter, type NoSdkReporterOptions } from "./no-sdk-reporter.js";
import { assertSampleRate } from "./sample-rate.js";
import type { TracingErrorHandler } from "./tracing-error-reporter.js";
import type { TracingLayer } from "./tracing-layer.js";

/** How a layer's deferred form waits for the SDK; see `acquireLayer`. */
export interface DeferredLayerOptions<T> {
  /** The layer's shared no-op, served until an SDK is registered. */
  readonly noop: T;
  /**
   * The SDK's form, built at the rate set meanwhile (undefined: none was set) once an SDK
   * is registered, and undefined until then. It returns the no-op for good when the SDK
   * fails to give a tracer, after reporting it.
   */
  readonly bind: (rateSet: number | undefined) => T | undefined;
  /** The configured rate, which `sampleRate` reads until one is set or an SDK appears. */
  readonly sampleRate: number;
  /** Who is told, once, that a request met no SDK; absent: the layer says nothing itself. */
  readonly noSdk?: (NoSdkReporterOptions & { readonly onError: TracingErrorHandler }) | undefined;
}

/**
 * A layer's tracer created before the application registered its OpenTelemetry SDK (for
 * example at module level, where ESM imports run before the body that registers it): the
 * layer's no-op until an SDK appears, then the SDK's form for good, as OpenTelemetry's
 * ProxyTracer does. The same in every layer:
 *
 * - Only the hooks that start a request's journey (through `forRequest`) and `enabled`
 *   look for the SDK: no journey can exist before one, so every other hook goes straight
 *   to the current form, and a request begun before the SDK stays untraced.
 * - The first request that meets no SDK is reported once (`noSdk`); after that a request
 *   costs a look for the SDK and one flag check, and allocates nothing.
 * - `sampleRate` can be set while waiting: it is checked, remembered, read back, and the
 *   SDK's form is built with it. Once bound, the rate is the SDK's form's.
 *
 * Each layer's subclass adds its own hooks, one line each.
 */
export abstract class DeferredLayer<T extends TracingLayer> implements TracingLayer {
  /** The no-op until an SDK is registered, then the SDK's form. */
  protected current: T;
  private bound = false;
  private rateSet: number | undefined;
  private readonly bind: (rateSet: number | undefined) => T | undefined;
  private readonly configuredRate: number;
  private readonly noSdk: NoSdkReporter | undefined;

  constructor(options: DeferredLayerOptions<T>) {
    this.current = options.noop;
    this.bind = options.bind;
    this.configuredRate = options.sampleRate;
    this.noSdk =
      options.noSdk === undefined
        ? undefined
        : new NoSdkReporter(options.noSdk.onError, options.noSdk);
  }

  get enabled(): boolean {
    return this.resolve().enabled;
  }

  get activeSpans(): number {
    return this.current.activeSpans;
  }

  get trackedEntries(): number {
    return this.current.trackedEntries;
  }

  /** The form that takes a new request: the SDK's once there is one, else the no-op. */
  protected forRequest(requestId: string): T {
    const form = this.resolve();
    if (!this.bound) this.noSdk?.report(requestId);
    return form;
  }

  /** For the subclasses' `sampleRate`. */
  protected get rate(): number {
    return this.bound ? (this.current.sampleRate ?? 0) : (this.rateSet ?? this.configuredRate);
  }

  protected set rate(rate: number) {
    assertSampleRate(rate, "sampleRate");
    if (this.bound) this.current.sampleRate = rate;
    else this.rateSet = rate;
  }

  protected resolve(): T {
    if (this.bound) return this.current;
    const form = this.bind(this.rateSet);
    if (form !== undefined) {
      this.current = form;
      this.bound = true;
    }
    return this.current;
  }
}
