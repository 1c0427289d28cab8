import { AlwaysOnSampler, ParentBasedSampler, type Sampler } from "@opentelemetry/sdk-trace-base";

/**
 * The SDK sampler under the demo's tracers. The API layer's sample rate decides what is
 * traced and the engine obeys the `x-llm-journey-sampled` header it sends, so below them
 * the SDK records every span it is asked for: a client's W3C sampled flag switches
 * tracing neither on nor off. The SDK's own default (ParentBased) would let a flag `00`
 * switch it off, and it reads `OTEL_TRACES_SAMPLER`, which is not the demo's setting.
 *
 * Following the client (`--follow-client-sampling`), the HTTP side's spans obey their
 * remote parent's flag: a request under an unsampled parent gets a non-recording span,
 * so the API layer sends `0` to the engine and neither span is recorded.
 */
export function journeySampler(options: { followClientSampling: boolean }): Sampler {
  return options.followClientSampling
    ? new ParentBasedSampler({ root: new AlwaysOnSampler() })
    : new AlwaysOnSampler();
}
