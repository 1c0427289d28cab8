// One variant of the micro-benchmarks, in its own process (see lib/interleave.mjs).

import { handWrittenApi, handWrittenCore } from "../lib/hand-written-journey.mjs";
import { serveVariant } from "../lib/interleave.mjs";
import {
  EMPTY_API,
  EMPTY_CORE,
  legacyRequest,
  newView,
  tracedRequest,
  untracedRequest,
} from "../lib/journey-script.mjs";
import { discardingProvider, yieldToEventLoop } from "../lib/sdk.mjs";
import { sdkFloorJourney } from "../lib/sdk-floor.mjs";
import { sampledHeaders } from "../lib/workload.mjs";
import { loadApi, loadCore, loadLegacyBuffer } from "../lib/workspace.mjs";

let sink;

/** Times `count` calls of `body(i)` in one block; returns wall and CPU ns per call. */
function timeBlock(count, offset, body) {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) sink = body(offset + i);
  const ns = Number(process.hrtime.bigint() - start);
  const used = process.cpuUsage(cpu);
  return { ns, cpuNs: (used.user + used.system) * 1000 };
}

/**
 * Times `count` journeys in chunks of `chunk`, yielding between chunks (untimed) so the
 * BatchSpanProcessor can hand its batches to the exporter as it would between requests.
 */
async function timeChunked(count, chunk, offset, body) {
  let ns = 0;
  let cpuNs = 0;
  for (let done = 0; done < count; done += chunk) {
    const t = timeBlock(Math.min(chunk, count - done), offset + done, body);
    ns += t.ns;
    cpuNs += t.cpuNs;
    await yieldToEventLoop();
  }
  return { ns: ns / count, cpuNs: cpuNs / count };
}

serveVariant(async (variant, { group, requests }) => {
  const { createApiTracer, NOOP_JOURNEY_HANDLE, traceStream } = await loadApi();
  const { createCoreTracer } = await loadCore();
  const sdk = await discardingProvider({ counting: true });
  const api = (sampleRate) => createApiTracer({ tracerProvider: sdk.provider, sampleRate });
  const core = () => createCoreTracer({ tracerProvider: sdk.provider });
  let offset = 0;
  const ids = (i) => `chatcmpl-${i}`;
  let layers = [];
  /** Journeys timed in chunks of 200 (see timeChunked), each round on fresh request ids. */
  // Times `requests` calls in one block per round, with no yield: for calls that export nothing.
  const blockRunner = (body) => ({
    round() {
      const t = timeBlock(requests, offset, body);
      offset += requests;
      return { ns: t.ns / requests, cpuNs: t.cpuNs / requests };
    },
    finish: () => finishReport(sdk, layers),
  });
  const chunkedRunner = (body) => ({
    async round() {
      const t = await timeChunked(requests, 200, offset, body);
      offset += requests;
      return t;
    },
    finish: () => finishReport(sdk, layers),
  });

  if (group === "sampled-out") {
    // Both layers enabled on a real provider; the API layer samples every request out
    // (rate 0), so the core sees `x-llm-journey-sampled: 0`. Four traced journeys stay
    // in flight in the core meanwhile, as at a low sample rate under load, so the hooks
    // look up a map that is not empty.
    const inFlight = (c) => {
      for (let i = 0; i < 4; i++) c.requestAdded(newView(`traced-${i}`, sampledHeaders(i)), 0);
      return c;
    };
    let body = (i) => untracedRequest(ids(i));
    if (variant === "both layers" || variant === "both layers, +16 steps") {
      const extraSteps = variant === "both layers" ? 0 : 16;
      const [a, c] = [api(0), inFlight(core())];
      layers = [a, c];
      body = (i) => tracedRequest(a, c, ids(i), 0, extraSteps);
    } else if (variant === "api layer only") {
      const a = api(0);
      layers = [a];
      body = (i) => tracedRequest(a, EMPTY_CORE, ids(i));
    } else if (variant === "core layer only") {
      const c = inFlight(core());
      layers = [c];
      body = (i) => tracedRequest(EMPTY_API, c, ids(i));
    } else if (variant === "both layers disabled") {
      const [a, c] = [createApiTracer({ enabled: false }), createCoreTracer({ enabled: false })];
      layers = [a, c];
      body = (i) => tracedRequest(a, c, ids(i));
    } else if (variant === "both layers, no SDK registered") {
      // The global provider of a process that never registers an SDK: both tracers wait
      // for one, checking on every request. Each reports the first request once, as it
      // should; what is measured is the waiting path after that, so the report is dropped.
      const onError = () => {};
      const [a, c] = [createApiTracer({ onError }), createCoreTracer({ onError })];
      if (a.enabled || c.enabled) throw new Error("an SDK is registered in the bench process");
      layers = [a, c];
      body = (i) => tracedRequest(a, c, ids(i));
    }
    return blockRunner(body);
  }

  if (group === "traced") {
    let body;
    if (variant === "baseline") body = (i) => untracedRequest(ids(i));
    else if (variant === "sdk floor") {
      // For compare.mjs, which puts two builds' journeys beside the floor.
      const tracer = sdk.provider.getTracer("llm-journey-bench");
      body = (i) => sdkFloorJourney(tracer, ids(i));
    } else {
      const extra = variant === "traced, +20 events" ? 10 : 0;
      const [a, c] = [api(1), core()];
      layers = [a, c];
      body = (i) => tracedRequest(a, c, ids(i), extra);
    }
    return chunkedRunner(body);
  }

  if (group === "side by side") {
    // The layers, the same journey written by hand and the SDK floor in one process, on
    // one provider, timed in turn each round (the order rotating) beside the untraced
    // request: they share the process's JIT state and heap, as two instrumentations of
    // one server would. Two processes of one variant differ by a few percent, as much as
    // the gaps measured here.
    const [a, c] = [api(1), core()];
    const tracer = sdk.provider.getTracer("llm-journey-bench.hand-written");
    const [ha, hc] = [handWrittenApi(tracer), handWrittenCore(tracer)];
    const floor = sdk.provider.getTracer("llm-journey-bench.floor");
    layers = [a, c, hc];
    const timed = {
      baseline: (i) => untracedRequest(ids(i)),
      layers: (i) => tracedRequest(a, c, ids(i)),
      hand: (i) => tracedRequest(ha, hc, ids(i)),
      floor: (i) => sdkFloorJourney(floor, ids(i)),
    };
    const names = Object.keys(timed);
    let round = 0;
    return {
      async round() {
        const value = {};
        for (let k = 0; k < names.length; k++) {
          const name = names[(round + k) % names.length];
          value[name] = await timeChunked(requests, 200, offset, timed[name]);
          offset += requests;
        }
        round++;
        return value;
      },
      finish: () => finishReport(sdk, layers),
    };
  }

  if (group === "watchdog") {
    // The sampled-out and traced requests above, with both tracers' watchdog on beside
    // off. Its limit is never reached: what is measured is what it costs to have it.
    const watched = variant.endsWith("watchdog on");
    const options = () => ({
      tracerProvider: sdk.provider,
      ...(watched ? { maxJourneyAgeMs: 600_000 } : {}),
    });
    let body = (i) => untracedRequest(ids(i));
    if (variant.startsWith("sampled-out")) {
      const a = createApiTracer({ ...options(), sampleRate: 0 });
      const c = createCoreTracer(options());
      for (let i = 0; i < 4; i++) c.requestAdded(newView(`traced-${i}`, sampledHeaders(i)), 0);
      layers = [a, c];
      body = (i) => tracedRequest(a, c, ids(i));
    } else if (variant.startsWith("traced")) {
      const [a, c] = [createApiTracer(options()), createCoreTracer(options())];
      layers = [a, c];
      body = (i) => tracedRequest(a, c, ids(i));
    }
    return chunkedRunner(body);
  }

  if (group === "listing") {
    // One openJourneys() call with `open` journeys in flight in the layer; the baseline
    // calls a function that returns an empty list.
    const open = 100;
    let list = () => [];
    if (variant === "core") {
      const c = core();
      for (let i = 0; i < open; i++) c.requestAdded(newView(ids(i), sampledHeaders(i)), 0);
      layers = [c];
      list = () => c.openJourneys();
    } else if (variant === "api") {
      const a = api(1);
      for (let i = 0; i < open; i++) a.startJourney({ requestId: ids(i) });
      layers = [a];
      list = () => a.openJourneys();
    }
    return {
      round() {
        const t = timeBlock(requests, 0, list);
        if (variant !== "baseline" && sink.length !== open)
          throw new Error("listing lost journeys");
        return { ns: t.ns / requests, cpuNs: t.cpuNs / requests };
      },
      finish: () => finishReport(sdk, layers),
    };
  }

  if (group === "steps") {
    // One stepFinished call per engine step, for a step that is not kept (step rate 0,
    // no preemption): what every step costs when step spans are on but sample nothing.
    // Four traced journeys are in flight, as in the sampled-out group.
    const view = {
      step: 1,
      startedAt: performance.now(),
      running: 16,
      waiting: 4,
      prefillTokens: 256,
      decodeSeqs: 15,
      preemptions: 0,
      kvBlocksUsed: 60,
      kvBlocksTotal: 64,
      batch: [],
    };
    let hooks = { stepFinished() {} };
    if (variant === "disabled") hooks = createCoreTracer({ enabled: false });
    else if (variant === "dropped" || variant === "dropped, slow threshold") {
      const c = createCoreTracer({
        tracerProvider: sdk.provider,
        steps: variant === "dropped" ? { sampleRate: 0 } : { sampleRate: 0, slowMs: 60_000 },
      });
      for (let i = 0; i < 4; i++) c.requestAdded(newView(`traced-${i}`, sampledHeaders(i)), 0);
      layers = [c];
      hooks = c;
    }
    const body = (i) => {
      view.step = i;
      hooks.stepFinished(view);
      return view.step;
    };
    return blockRunner(body);
  }

  if (group === "modes") {
    // Cost per request of each tracing mode, all at rate 1, against the untraced request.
    let body = (i) => untracedRequest(ids(i));
    if (variant === "spans") {
      const [a, c] = [api(1), core()];
      layers = [a, c];
      body = (i) => tracedRequest(a, c, ids(i));
    } else if (variant === "legacy" || variant === "dual") {
      const legacy = await loadLegacyBuffer();
      const { monotonicSeconds } = await loadCore();
      const recorder = legacy.createLegacyJourneyRecorder({ enabled: true });
      const builder = legacy.createLegacySpanBuilder({ tracerProvider: sdk.provider });
      if (variant === "dual") {
        const [a, c] = [api(1), core()];
        layers = [a, c, recorder, builder];
        const hooks = legacy.dualJourneyTracer(c, recorder);
        body = (i) => legacyRequest(a, hooks, recorder, builder, ids(i), monotonicSeconds());
      } else {
        layers = [recorder, builder];
        body = (i) =>
          legacyRequest(EMPTY_API, recorder, recorder, builder, ids(i), monotonicSeconds());
      }
    }
    return chunkedRunner(body);
  }

  if (group === "stream") {
    // 17 items: 16 tokens and the finish, as the demo server streams them.
    async function* source() {
      for (let i = 0; i < 17; i++) yield i;
    }
    const controller = new AbortController();
    const consume = async (iterable) => {
      let n = 0;
      for await (const item of iterable) n += item;
      return n;
    };
    const body =
      variant === "baseline"
        ? () => consume(source())
        : () => consume(traceStream(NOOP_JOURNEY_HANDLE, source(), { signal: controller.signal }));
    return {
      async round() {
        const cpu = process.cpuUsage();
        const start = process.hrtime.bigint();
        for (let i = 0; i < requests; i++) sink = await body();
        const ns = Number(process.hrtime.bigint() - start);
        const used = process.cpuUsage(cpu);
        return { ns: ns / requests, cpuNs: ((used.user + used.system) * 1000) / requests };
      },
    };
  }
  throw new Error(`unknown group ${group}`);
});

async function finishReport(sdk, layers) {
  // The sampled-out variants' four traced journeys in flight end here.
  for (const layer of layers) layer.shutdown?.(0);
  await sdk.provider.forceFlush();
  return {
    sdkSpansStarted: sdk.counter.started,
    sdkSpansEnded: sdk.counter.ended,
    spansExported: sdk.exporter.exported,
    trackedEntriesLeft: layers.reduce((sum, layer) => sum + (layer.trackedEntries ?? 0), 0),
    activeSpansLeft: layers.reduce((sum, layer) => sum + (layer.activeSpans ?? 0), 0),
    sink: typeof sink,
  };
}
