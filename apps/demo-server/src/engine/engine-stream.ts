import type { EngineEvent } from "./engine-contract.js";

/**
 * One request's events, as `Engine.submit` returns them, fed by the client. Events wait in a backlog until the consumer takes
 * them, so a slow consumer loses nothing; the backlog goes with the stream.
 */
export class EngineEventStream implements AsyncIterable<EngineEvent> {
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
