/**
 * What a notice is about. `no-sdk-registered`: a tracer on the global provider met a
 * request while no SDK is registered. `sampler-dropped-request`: the SDK's sampler made
 * an `llm_request` non-recording that the sample rate picked. `sampler-dropped-core-span`:
 * the SDK's sampler dropped the `llm_core` span of a request the API layer traced.
 */
export type TracingNoticeCode =
  | "no-sdk-registered"
  | "sampler-dropped-request"
  | "sampler-dropped-core-span";

/**
 * `info`: how the configuration works, nothing is wrong (a ParentBased or ratio sampler
 * dropping requests is what it is for). `warning`: tracing is probably not doing what the
 * application wants, and the message says how to fix it.
 */
export type TracingNoticeSeverity = "info" | "warning";

/**
 * Something the application should know about its tracing that is not a failure: it goes
 * to the same `onError` handler as failures, once, but it is not an `Error`, so a handler
 * can tell the two apart (`instanceof TracingNotice`) and filter by `severity` or `code`.
 * Failures stay `Error`s; hook misuse is a `HookMisuseError`.
 */
export class TracingNotice {
  readonly name = "TracingNotice";

  constructor(
    readonly code: TracingNoticeCode,
    readonly severity: TracingNoticeSeverity,
    readonly message: string,
  ) {}

  toString(): string {
    return `${this.severity} (${this.code}): ${this.message}`;
  }
}
