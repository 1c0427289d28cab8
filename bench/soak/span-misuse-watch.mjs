import { BroadcastChannel } from "node:worker_threads";
import { DiagLogLevel, diag } from "@opentelemetry/api";
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";

/*
 * What the OpenTelemetry SDK said about spans used after their end, per thread:
 * `{ endedTwice, usedAfterEnd, probeCaught, examples }`: `end()` called on a span already
 * ended ("You can only call end() on a span once"), other calls on an ended span (events,
 * attributes, status), whether the thread's probe span, ended twice on purpose, was
 * counted (the watch works), and the first few messages.
 *
 * The SDK's `Span.end()` on an ended span only logs through `diag` and returns: no span
 * processor, exporter or journey store ever sees the second call. So the SDK's `diag`
 * messages are the one place where a double `end()` shows in a running server.
 */

// The SDK's messages (sdk-trace 2.x `Span.end()` and `Span._isSpanEnded()`).
const ENDED_TWICE = "You can only call end() on a span once";
const USED_AFTER_END = "Cannot execute the operation on ended Span";
const PROBE_SPAN = "llm-journey-soak-probe";
const MAX_EXAMPLES = 5;
/** The channel the engine worker's watch answers on (see `soak-engine-worker.mjs`). */
export const SPAN_MISUSE_CHANNEL = "llm-journey-soak-span-misuse";
/**
 * Counts this thread's SDK complaints about ended spans by installing a `diag` logger
 * (replacing any other; `stop` disables it), then ends a probe span twice to prove the
 * count works.
 */
function watchThisThread() {
  let endedTwice = 0;
  let complaints = 0;
  let probeSpanId = "";
  let probeEndedTwice = 0;
  let probeComplaints = 0;
  const examples = [];
  const note = (message) => {
    if (examples.length < MAX_EXAMPLES) examples.push(message);
  };
  const logger = {
    error(message) {
      if (!message.includes(ENDED_TWICE)) return;
      if (probeSpanId !== "" && message.includes(probeSpanId)) probeEndedTwice++;
      else {
        endedTwice++;
        note(message);
      }
    },
    warn(message) {
      if (!message.startsWith(USED_AFTER_END)) return;
      if (probeSpanId !== "" && message.includes(probeSpanId)) probeComplaints++;
      else {
        complaints++;
        note(message);
      }
    },
    info() {},
    debug() {},
    verbose() {},
  };
  diag.setLogger(logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  const probe = new BasicTracerProvider().getTracer(PROBE_SPAN).startSpan(PROBE_SPAN);
  probeSpanId = probe.spanContext().spanId;
  probe.end();
  probe.end();
  return {
    read: () => ({
      endedTwice,
      // A second end() also complains as a use after end: count it once, as a double end.
      usedAfterEnd: Math.max(0, complaints - endedTwice),
      probeCaught: probeEndedTwice === 1 && probeComplaints === 1,
      examples: [...examples],
    }),
    stop: () => diag.disable(),
  };
}
/**
 * Watches the soak's own thread (the HTTP side) and asks the engine worker, over a
 * broadcast channel, for its counts: the worker must run `soak-engine-worker.js`.
 */
export function watchSpanMisuse() {
  const local = watchThisThread();
  const channel = new BroadcastChannel(SPAN_MISUSE_CHANNEL);
  channel.unref();
  const waiting = new Map();
  channel.onmessage = (event) => {
    const message = event.data;
    if (message.type === "report") waiting.get(message.id)?.(message.misuse);
  };
  let nextId = 1;
  return {
    async report({ timeoutMs = 2_000 } = {}) {
      const id = nextId++;
      const engine = await new Promise((resolve) => {
        const timer = setTimeout(() => done(undefined), timeoutMs);
        const done = (misuse) => {
          clearTimeout(timer);
          waiting.delete(id);
          resolve(misuse);
        };
        waiting.set(id, done);
        channel.postMessage({ type: "report-request", id });
      });
      return {
        threads: { http: local.read(), ...(engine !== undefined ? { engine } : {}) },
      };
    },
    stop() {
      local.stop();
      channel.close();
    },
  };
}
/** In a worker thread: watches it and answers the soak's requests for its counts. */
export function answerSpanMisuseRequests() {
  const local = watchThisThread();
  const channel = new BroadcastChannel(SPAN_MISUSE_CHANNEL);
  // The engine worker must still exit when it is done.
  channel.unref();
  channel.onmessage = (event) => {
    const message = event.data;
    if (message.type !== "report-request") return;
    channel.postMessage({
      type: "report",
      id: message.id,
      misuse: local.read(),
    });
  };
}
