import type { CoreLatencies, FinishStatus } from "@llm-journey/tracer-core";

/** What the engine reports for one request, in order: tokens, then exactly one `finished`. */
export type EngineEvent =
  | {
      readonly type: "token";
      /** Text generated since the previous event. */
      readonly text: string;
      /** Output tokens so far. */
      readonly outputTokens: number;
    }
  | {
      readonly type: "finished";
      readonly status: FinishStatus;
      readonly promptTokens: number;
      readonly outputTokens: number;
      /** Why, for `error` and `ignored`. */
      readonly error?: string;
      /** What the core tracer measured, when the request was traced. */
      readonly latencies?: CoreLatencies;
    };

/**
 * One request's events. Iterate it once; it ends after the `finished` event. Leaving the
 * loop early (break, throw) aborts the request: nobody is listening any more.
 */
export interface EngineStream extends AsyncIterable<EngineEvent> {
  readonly requestId: string;
}

/**
 * An `EngineStream` fed by the client. Events wait in a backlog until the consumer takes
 * them, so a slow consumer loses nothing; the backlog goes with the stream.
 */
export class EngineEventStream implements EngineStream {
  private readonly backlog: EngineEvent[] = [];
  private finished = false;
  private abandoned = false;
  private iterated = false;
  private wake: (() => void) | undefined;

  constructor(
    readonly requestId: string,
    /** Called when the consumer leaves before the `finished` event. */
    private readonly onAbandon: () => void,
  ) {}

  /** Queues an event; anything after `finished`, or after the consumer left, is dropped. */
  push(event: EngineEvent): void {
    if (this.finished || this.abandoned) return;
    this.backlog.push(event);
    if (event.type === "finished") this.finished = true;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  [Symbol.asyncIterator](): AsyncIterator<EngineEvent, undefined> {
    if (this.iterated) {
      throw new TypeError(`the events of request ${this.requestId} can be iterated only once`);
    }
    this.iterated = true;
    return {
      next: async () => {
        for (;;) {
          const event = this.backlog.shift();
          if (event !== undefined) return { value: event, done: false };
          if (this.finished || this.abandoned) return { value: undefined, done: true };
          await new Promise<void>((resolve) => {
            this.wake = resolve;
          });
        }
      },
      return: async () => {
        if (!this.finished && !this.abandoned) {
          this.abandoned = true;
          this.onAbandon();
        }
        this.backlog.length = 0;
        return { value: undefined, done: true };
      },
    };
  }
}
