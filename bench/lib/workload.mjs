// The fixed synthetic workloads the in-process sections replay.

/** A deterministic, valid W3C traceparent for request `i` (sampled flag set). */
export function traceparentFor(i) {
  const hex = (value, width) => value.toString(16).padStart(width, "0");
  const traceId = `${hex(0x5eed0000 + i, 8)}${hex(i * 2654435761, 24)}`.slice(0, 32);
  return `00-${traceId}-${hex(0x1000 + i, 16)}-01`;
}

/** The header map a disabled or sampled-out API layer hands the core. */
export const NOT_SAMPLED_HEADERS = Object.freeze({ "x-llm-journey-sampled": "0" });

/** What the API layer hands the core for a traced request. */
export const sampledHeaders = (i) => ({
  traceparent: traceparentFor(i),
  "x-llm-journey-sampled": "1",
});

/**
 * The scheduler-loop workload: `count` requests arriving two per step into an engine
 * whose KV cache is too small for its running batch, so it preempts and resumes; one
 * request in 20 is aborted five steps after it arrived.
 */
export const SCHEDULER_SHAPE = Object.freeze({
  maxNumSeqs: 16,
  maxNumBatchedTokens: 256,
  numKvBlocks: 64,
  blockSize: 16,
});

export function schedulerInputs(count, headersOf) {
  return Array.from({ length: count }, (_, i) => ({
    prompt: `synthetic prompt ${i} about topic ${i % 17}`,
    promptTokens: 24 + ((i * 37) % 96),
    maxTokens: 8 + ((i * 13) % 40),
    traceHeaders: headersOf(i),
    abortAfterSteps: i % 20 === 7 ? 5 : undefined,
  }));
}

/**
 * Replays the workload once through `scheduler`. Request ids are new strings every round,
 * as a server makes them. Returns the number of steps, preemptions and steps with one.
 */
export function replay(scheduler, inputs, round) {
  const aborts = new Map();
  let next = 0;
  let steps = 0;
  let preemptions = 0;
  let preemptingSteps = 0;
  while (next < inputs.length || !scheduler.idle) {
    for (let a = 0; a < 2 && next < inputs.length; a++) {
      const input = inputs[next];
      const requestId = `bench-${round}-${next++}`;
      scheduler.add({
        requestId,
        prompt: input.prompt,
        promptTokens: input.promptTokens,
        maxTokens: input.maxTokens,
        traceHeaders: input.traceHeaders,
      });
      if (input.abortAfterSteps !== undefined) {
        aborts.set(steps + input.abortAfterSteps, requestId);
      }
    }
    const result = scheduler.runStep();
    steps++;
    preemptions += result.preempted.length;
    if (result.preempted.length > 0) preemptingSteps++;
    const abortId = aborts.get(steps);
    if (abortId !== undefined) {
      aborts.delete(steps);
      scheduler.abort(abortId);
    }
  }
  return { steps, preemptions, preemptingSteps };
}
