import type { Tracer, TracerProvider } from "@opentelemetry/api";
import { trace } from "@opentelemetry/api";

/** The part of `ProxyTracerProvider` the layers use, whichever copy of the API made it. */
interface ProxyLike extends TracerProvider {
  getDelegateTracer(name: string, version?: string): Tracer | undefined;
}

// Duck-typed, not `instanceof`: an application can load two copies of the API (with API
// 1.10, `require` and `import` do), and the global then holds the other copy's proxy.
function isProxy(provider: TracerProvider): provider is ProxyLike {
  return typeof (provider as Partial<ProxyLike>).getDelegateTracer === "function";
}

/**
 * True for the API's global provider before any SDK registered one: a proxy with no
 * delegate. Tracing through it would create a non-recording span per request at a cost,
 * so a layer created then waits for the SDK instead, asking `registeredTracer` for it.
 */
export function isUnconfiguredGlobal(provider: TracerProvider, scope: string): boolean {
  return isProxy(provider) && provider.getDelegateTracer(scope) === undefined;
}

/**
 * The SDK's tracer for a layer that was given `waiting` (a proxy with no delegate, as
 * `isUnconfiguredGlobal` found it), or undefined while no SDK is registered.
 *
 * The proxy a layer saw at creation may never get a delegate: when the application
 * registers its SDK through another copy of `@opentelemetry/api` (a CommonJS `require`
 * beside our `import`), that copy's proxy becomes the global one, shared through the
 * API's global registry, and ours stays empty. So the global provider is read again:
 * whichever copy registered, it is found there. Both reads allocate nothing while there
 * is no SDK.
 */
export function registeredTracer(
  waiting: TracerProvider,
  scope: string,
  version?: string,
): Tracer | undefined {
  if (isProxy(waiting)) {
    const tracer = waiting.getDelegateTracer(scope, version);
    if (tracer !== undefined) return tracer;
  }
  const global = trace.getTracerProvider();
  if (global === waiting) return undefined;
  return isProxy(global)
    ? global.getDelegateTracer(scope, version)
    : global.getTracer(scope, version);
}
