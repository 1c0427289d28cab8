/**
 * Drives the core tracer through a small simulated workload with a preemption and prints
 * each request's journey as the `llm_core` span recorded it.
 *
 *   npm run example            (from the repository root)
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import { createCoreTracer } from "../create-core-tracer.js";
import { CORE_SPAN_NAME } from "../journey-types.js";
import { STEP_SPAN_NAME } from "../step-types.js";
import { createTestTracing } from "../testing/index.js";
import { ReferenceScheduler, simulatedRequest } from "./reference-scheduler.js";

const STEP_MS = 5;

async function main(): Promise<void> {
  const tracing = createTestTracing();
  // No API layer in front, so no sampled header on the requests: the core samples them.
  const tracer = createCoreTracer({ tracerProvider: tracing.provider, sampleRate: 1 });
  // Both prompts fit the KV cache, but not both prompts and their outputs: as they
  // decode, the newer request is preempted, then resumed when the older one finishes.
  const scheduler = new ReferenceScheduler(tracer, {
    maxRunning: 2,
    tokenBudget: 16,
    kvCapacityTokens: 48,
  });
  scheduler.add(simulatedRequest({ requestId: "chat-1", promptTokens: 24, maxTokens: 6 }));
  scheduler.add(
    simulatedRequest({ requestId: "chat-2", promptTokens: 20, maxTokens: 8, stopAfter: 5 }),
  );
  while (!scheduler.idle) {
    scheduler.runStep();
    await sleep(STEP_MS); // the simulated model's time per step
  }
  for (const span of tracing.spansNamed(CORE_SPAN_NAME)) printJourney(span);
  // Kept steps: here the ones with a preemption (and 1% of the others, by chance).
  for (const span of tracing.spansNamed(STEP_SPAN_NAME)) printStep(span);
  console.log(`open spans: ${tracer.activeSpans}, tracked entries: ${tracer.trackedEntries}`);
  await tracing.shutdown();
}

function printJourney(span: ReadableSpan): void {
  const start = span.events[0]?.attributes?.["ts.monotonic"] as number;
  console.log(
    `\n${span.name}  request=${span.attributes["gen_ai.request.id"]}  trace=${span.spanContext().traceId}`,
  );
  for (const event of span.events) {
    const a = event.attributes ?? {};
    const at = (((a["ts.monotonic"] as number) - start) * 1000).toFixed(1).padStart(6);
    const kind = a["schedule.kind"] ?? a["finish.status"] ?? "";
    console.log(
      `  +${at} ms  step ${String(a["scheduler.step"]).padStart(2)}  ${event.name.padEnd(20)} ${String(kind).padEnd(8)}` +
        ` ${String(a.phase).padEnd(8)} prefill ${a["prefill.done_tokens"]}/${a["prefill.total_tokens"]}` +
        `  decode ${a["decode.done_tokens"]}/${a["decode.max_tokens"]}  preemptions ${a.num_preemptions}`,
    );
  }
}

function printStep(span: ReadableSpan): void {
  const a = span.attributes;
  const shared = span.links
    .map((link) => `${link.attributes?.["gen_ai.request.id"]} (${link.attributes?.phase})`)
    .join(", ");
  console.log(
    `\n${span.name}  step ${a["scheduler.step"]}  kept: ${a["scheduler.sample_reason"]}` +
      `  prefill ${a["scheduler.batch.prefill_tokens"]} tokens, decode ${a["scheduler.batch.decode_seqs"]} seqs` +
      `  running ${a["scheduler.num_running"]}, waiting ${a["scheduler.num_waiting"]}` +
      `  preemptions ${a["scheduler.num_preemptions"]}\n  linked: ${shared}`,
  );
}

await main();
