import { AlwaysOnSampler, ParentBasedSampler, type Sampler } from "@opentelemetry/sdk-trace";

export interface JourneySamplerOptions {
  /** The sampler for requests whose caller's decision is not followed. Default: AlwaysOn. */
  sampler?: Sampler;
  /** Follow the sampled flag of the caller's `traceparent` (ParentBased around `sampler`). */
  followClientSampling?: boolean;
}

/**
 * The SDK's default sampler, ParentBased, would let any caller switch a journey off with
 * a `traceparent` whose sampled flag is 0, although the journey sample rate, which is
 * the operator's, already decided to trace it. So the default here records every span
 * the journey layers start and the rate alone decides; following the caller is an
 * explicit choice, for meshes where an upstream service already sampled: then a request
 * under an unsampled parent gets a non-recording API span, the API layer sends `0` to the
 * engine, and neither span is recorded.
 */
export function createJourneySampler(options: JourneySamplerOptions = {}): Sampler {
  const root = options.sampler ?? new AlwaysOnSampler();
  return options.followClientSampling === true ? new ParentBasedSampler({ root }) : root;
}
