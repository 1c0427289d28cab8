// Section 2: the per-request costs, each variant in its own process, interleaved.
import { paired, runInterleaved } from "../lib/interleave.mjs";
import { sig, summary } from "../lib/stats.mjs";
import { legacyBufferBuilt } from "../lib/workspace.mjs";

const script = new URL("./micro-variant.mjs", import.meta.url);

export async function runMicro({ smoke }) {
  const sampledOut = await runInterleaved({
    script,
    variants: [
      "baseline",
      "both layers",
      "api layer only",
      "core layer only",
      "both layers, +16 steps",
      "both layers disabled",
      "both layers, no SDK registered",
    ],
    args: { group: "sampled-out", requests: smoke ? 5_000 : 200_000 },
    warmup: smoke ? 1 : 20,
    rounds: smoke ? 3 : 60,
    batches: smoke ? 1 : 2,
  });
  const traced = await runInterleaved({
    script,
    variants: ["baseline", "traced", "traced, +20 events"],
    args: { group: "traced", requests: smoke ? 200 : 2_000 },
    warmup: smoke ? 1 : 10,
    rounds: smoke ? 3 : 40,
    batches: smoke ? 1 : 2,
  });
  const sideBySide = await runInterleaved({
    script,
    variants: ["side by side"],
    args: { group: "side by side", requests: smoke ? 200 : 2_000 },
    warmup: smoke ? 1 : 10,
    rounds: smoke ? 3 : 40,
    batches: smoke ? 1 : 2,
  });
  const stream = await runInterleaved({
    script,
    variants: ["baseline", "traceStream"],
    args: { group: "stream", requests: smoke ? 300 : 10_000 },
    warmup: smoke ? 1 : 5,
    rounds: smoke ? 3 : 30,
  });

  const watchdog = await runInterleaved({
    script,
    variants: [
      "baseline",
      "sampled-out",
      "sampled-out, watchdog on",
      "traced",
      "traced, watchdog on",
    ],
    args: { group: "watchdog", requests: smoke ? 200 : 2_000 },
    warmup: smoke ? 1 : 10,
    rounds: smoke ? 3 : 30,
    batches: smoke ? 1 : 2,
  });
  const steps = await runInterleaved({
    script,
    variants: ["baseline", "disabled", "dropped", "dropped, slow threshold"],
    args: { group: "steps", requests: smoke ? 5_000 : 500_000 },
    warmup: smoke ? 1 : 10,
    rounds: smoke ? 3 : 30,
  });
  const listing = await runInterleaved({
    script,
    variants: ["baseline", "core", "api"],
    args: { group: "listing", requests: smoke ? 50 : 2_000 },
    warmup: smoke ? 1 : 5,
    rounds: smoke ? 3 : 20,
  });

  const modes = await runModes({ smoke });
  const ns = (value) => value.ns;
  const cpuNs = (value) => value.cpuNs;
  // The figure is the difference of medians; `diff` is the per-cycle spread beside it.
  const cost = (p) => ({ median_diff: p.diffOfMedians, paired: p.diff });
  // CPU time throughout (every thread, pinned to one CPU); wall time beside the totals.
  const sampledOutCost = (variant, pick = cpuNs) =>
    cost(paired(sampledOut.results, variant, "baseline", pick));
  const tracedCost = (variant, pick) => cost(paired(traced.results, variant, "baseline", pick));
  const tracedWall = tracedCost("traced", ns);
  const perEventNs =
    (tracedCost("traced, +20 events", cpuNs).median_diff -
      tracedCost("traced", cpuNs).median_diff) /
    20;
  const perStepNs =
    (sampledOutCost("both layers, +16 steps").median_diff -
      sampledOutCost("both layers").median_diff) /
    16;
  const streamCost = cost(paired(stream.results, "traceStream", "baseline", cpuNs));
  // The keys: each journey's CPU over the untraced request's in the same round.
  const sideRounds = sideBySide.results["side by side"];
  const added = (name) =>
    summary(
      sideRounds.map((r) => r[name].cpuNs - r.baseline.cpuNs),
      1,
    );
  const tracedCpu = added("layers");
  const floorCpu = added("floor");
  const floorRatio = summary(
    sideRounds.map((r) => (r.layers.cpuNs - r.baseline.cpuNs) / (r.floor.cpuNs - r.baseline.cpuNs)),
    4,
  );
  const handRatio = summary(
    sideRounds.map((r) => r.layers.cpuNs / r.hand.cpuNs),
    4,
  );

  return {
    sampled_out: {
      request:
        "startJourney, setRequestAttributes, handoffToCore, firstResponse, setUsage, setFinishReasons, departed; requestAdded, 2× requestScheduled, 16× requestProgressed, requestPreempted, requestFinished; x-llm-journey-sampled: 0; 4 traced journeys in flight in the core",
      baseline_ns: summary(sampledOut.results.baseline.map(cpuNs), 1),
      added_ns_both_layers: sampledOutCost("both layers"),
      added_wall_ns_both_layers: sampledOutCost("both layers", ns),
      added_ns_api_layer: sampledOutCost("api layer only"),
      added_ns_core_layer: sampledOutCost("core layer only"),
      added_ns_both_layers_disabled: sampledOutCost("both layers disabled"),
      added_ns_both_layers_no_sdk: sampledOutCost("both layers, no SDK registered"),
      per_step_hook_ns: sig(perStepNs, 3),
      checks: sampledOut.finished["both layers"],
    },
    traced: {
      journey:
        "both spans, 10 events (4 api, 6 core), BatchSpanProcessor with a discarding exporter",
      what: "in one process on one provider, timed in turn each round: the journey through both layers, the same journey written by hand on the OpenTelemetry API (lib/hand-written-journey.mjs: the same spans, events and attributes, W3C headers through the SDK's W3CTraceContextPropagator) and the same spans and events straight to the SDK (lib/sdk-floor.mjs); CPU per journey over the untraced request's, and ratios per round",
      cpu_ns: tracedCpu,
      sdk_floor_cpu_ns: floorCpu,
      ratio_to_sdk_floor: floorRatio,
      llm_journey_share_cpu_ns: sig(tracedCpu.median - floorCpu.median, 4),
      hand_written_cpu_ns: summary(
        sideRounds.map((r) => r.hand.cpuNs - r.baseline.cpuNs),
        1,
      ),
      ratio_to_hand_written: handRatio,
      wall_ns: tracedWall,
      per_event_cpu_ns: sig(perEventNs, 4),
      checks: sideBySide.finished["side by side"],
      per_event_checks: traced.finished["traced, +20 events"],
    },
    trace_stream: {
      what: "traceStream(no-op handle) around a 17-item async source, minus iterating the source directly",
      added_ns_per_request: streamCost,
    },
    watchdog: {
      what: "the sampled-out and traced requests above with both tracers' maxJourneyAgeMs set (never reached) beside unset; no openJourneys() call: listing records nothing in advance",
      sampled_out_ns: cost(paired(watchdog.results, "sampled-out", "baseline", cpuNs)),
      sampled_out_watchdog_on_ns: cost(
        paired(watchdog.results, "sampled-out, watchdog on", "baseline", cpuNs),
      ),
      traced_ns: cost(paired(watchdog.results, "traced", "baseline", cpuNs)),
      traced_watchdog_on_ns: cost(
        paired(watchdog.results, "traced, watchdog on", "baseline", cpuNs),
      ),
      checks: watchdog.finished["traced, watchdog on"],
    },
    step_hook: {
      what: "one stepFinished call for a step that is not kept (no preemption, step rate 0), beside an empty function: disabled tracer, step spans on, and on with a slow threshold (one clock reading); compare per_step_hook_ns of a sampled-out request",
      disabled_ns: cost(paired(steps.results, "disabled", "baseline", cpuNs)),
      dropped_ns: cost(paired(steps.results, "dropped", "baseline", cpuNs)),
      dropped_slow_threshold_ns: cost(
        paired(steps.results, "dropped, slow threshold", "baseline", cpuNs),
      ),
      checks: steps.finished.dropped,
    },
    listing: {
      what: "one openJourneys() call with 100 journeys open in the layer, when it is called",
      core_ns_per_call: cost(paired(listing.results, "core", "baseline", cpuNs)),
      api_ns_per_call: cost(paired(listing.results, "api", "baseline", cpuNs)),
    },
    modes,
    sampled_out_ns_per_request: sig(sampledOutCost("both layers").median_diff, 3),
    traced_journey_us: sig(tracedCpu.median / 1000, 3),
    traced_journey_sdk_floor_us: sig(floorCpu.median / 1000, 3),
    traced_journey_ratio_to_hand_written: sig(handRatio.median, 3),
  };
}

/**
 * Section 3 in-process: CPU per request of each tracing mode at rate 1 (the same
 * request as above). `legacy` and `dual` need packages/legacy-buffer built; without it,
 * or when it cannot be driven, they are null with the reason.
 */
async function runModes({ smoke }) {
  const withLegacy = legacyBufferBuilt();
  const variants = ["baseline", "spans", ...(withLegacy ? ["legacy", "dual"] : [])];
  const run = (names) =>
    runInterleaved({
      script,
      variants: names,
      args: { group: "modes", requests: smoke ? 200 : 2_000 },
      warmup: smoke ? 1 : 10,
      rounds: smoke ? 3 : 30,
      batches: smoke ? 1 : 2,
    });
  let measured;
  let note = withLegacy ? undefined : "packages/legacy-buffer/dist does not exist";
  try {
    measured = await run(variants);
  } catch (error) {
    if (!withLegacy) throw error;
    note = `legacy-buffer could not be driven: ${String(error.message).split("\n")[0]}`;
    measured = await run(["baseline", "spans"]);
  }
  const cpuNs = (value) => value.cpuNs;
  const figure = (variant) => {
    if (!measured.results[variant]) return null;
    const p = paired(measured.results, variant, "baseline", cpuNs);
    return {
      cpu_us_per_request: sig(p.diffOfMedians / 1000, 3),
      paired_us: p.diff,
      checks: measured.finished[variant],
    };
  };
  return {
    what: "CPU per traced request (the micro request, rate 1), in-process: spans = tracer-api + tracer-core; legacy = legacy recorder + span builder; dual = both",
    spans: figure("spans"),
    legacy: figure("legacy"),
    dual: figure("dual"),
    ...(note ? { note } : {}),
  };
}
