import type { LlamaContext, LlamaContextSequence } from "node-llama-cpp";

/**
 * What the engine learns of each llama.cpp batch. node-llama-cpp builds every batch as
 * `initBatch(size)`, one `addToBatch(sequenceId, …, tokens, …)` per sequence with
 * tokens in it, then `decodeBatch()`; its public API shows none of it, so the tap wraps
 * those three members of the context's native handle, on this one instance only.
 */
export interface BatchObserver {
  batchStarted(): void;
  entryAdded(sequenceId: number, tokens: number): void;
  /** `decoded` is false when llama.cpp failed the batch. */
  batchEnded(decoded: boolean): void;
}

/** The internal members the tap relies on, as node-llama-cpp 3.21 has them. */
interface NativeContext {
  initBatch(size: number): void;
  addToBatch(
    sequenceId: number,
    firstTokenIndex: number,
    tokens: Uint32Array,
    logits: Uint32Array,
  ): unknown;
  decodeBatch(): Promise<void>;
}

const TAPPED = ["initBatch", "addToBatch", "decodeBatch"] as const;

export class InternalsChangedError extends Error {
  constructor(what: string) {
    super(
      `node-llama-cpp's internals are not what @llm-journey/node-llama-cpp expects (${what}); ` +
        "generation goes on, without llm_step spans and with progress from the generated tokens. " +
        "Install the node-llama-cpp version this package names as its peer.",
    );
    this.name = "InternalsChangedError";
  }
}

function nativeContextOf(context: LlamaContext): NativeContext {
  const native = (context as unknown as { _ctx?: unknown })._ctx;
  if (typeof native !== "object" || native === null) {
    throw new InternalsChangedError("LlamaContext has no _ctx");
  }
  for (const name of TAPPED) {
    if (typeof (native as Record<string, unknown>)[name] !== "function") {
      throw new InternalsChangedError(`LlamaContext._ctx.${name} is not a function`);
    }
  }
  return native as NativeContext;
}

/** The id llama.cpp knows a sequence by (`addToBatch`'s first argument). */
export function sequenceIdOf(sequence: LlamaContextSequence): number {
  const id = (sequence as unknown as { _sequenceId?: unknown })._sequenceId;
  if (!Number.isSafeInteger(id)) {
    throw new InternalsChangedError("LlamaContextSequence has no numeric _sequenceId");
  }
  return id as number;
}

/**
 * Wraps the context's batch members so that `observer` sees every batch; returns the
 * function that puts them back. Throws an `InternalsChangedError`, having changed
 * nothing, when the members are missing. An observer that throws is reported to
 * `onError` and never reaches llama.cpp's batch.
 */
export function tapBatches(
  context: LlamaContext,
  observer: BatchObserver,
  onError: (error: unknown) => void,
): () => void {
  const native = nativeContextOf(context);
  const saved = TAPPED.map(
    (name) => [name, Object.getOwnPropertyDescriptor(native, name)] as const,
  );
  const initBatch = native.initBatch;
  const addToBatch = native.addToBatch;
  const decodeBatch = native.decodeBatch;
  // Called once per batch and per sequence in it: no closure, no promise beyond
  // llama.cpp's own, so the tap allocates nothing per token.
  const report = (error: unknown): void => {
    try {
      onError(error);
    } catch {
      // A handler that throws must not reach llama.cpp's batch either.
    }
  };
  const batchEnded = (decoded: boolean): void => {
    try {
      observer.batchEnded(decoded);
    } catch (error) {
      report(error);
    }
  };
  const decoded = <T>(result: T): T => {
    batchEnded(true);
    return result;
  };
  const failed = (error: unknown): never => {
    batchEnded(false);
    throw error;
  };
  const define = (name: (typeof TAPPED)[number], value: unknown): void => {
    // The members are read-only: they can only be redefined, on this instance alone.
    Object.defineProperty(native, name, { value, configurable: true, writable: true });
  };
  define("initBatch", function (this: NativeContext, size: number) {
    try {
      observer.batchStarted();
    } catch (error) {
      report(error);
    }
    return initBatch.call(this, size);
  });
  define(
    "addToBatch",
    function (
      this: NativeContext,
      sequenceId: number,
      firstTokenIndex: number,
      tokens: Uint32Array,
      logits: Uint32Array,
    ) {
      const result = addToBatch.call(this, sequenceId, firstTokenIndex, tokens, logits);
      try {
        observer.entryAdded(sequenceId, tokens.length);
      } catch (error) {
        report(error);
      }
      return result;
    },
  );
  define("decodeBatch", function (this: NativeContext) {
    const decoding: unknown = decodeBatch.call(this);
    if (!(decoding instanceof Promise)) {
      // Not what node-llama-cpp 3.21 returns: the batch is over when the call is.
      batchEnded(true);
      return decoding;
    }
    return decoding.then(decoded, failed);
  });
  let restored = false;
  return () => {
    if (restored) return;
    restored = true;
    for (const [name, descriptor] of saved) {
      if (descriptor) Object.defineProperty(native, name, descriptor);
      else delete (native as unknown as Record<string, unknown>)[name];
    }
  };
}
