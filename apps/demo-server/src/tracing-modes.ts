import type { ServerConfig } from "./config.js";
import type { JourneyStreamPlugin } from "./engine/index.js";
import type { JourneyStreamOutputFactory } from "./tracing-setup.js";

/** How one `--tracing-mode` plugs into both threads. */
export interface TracingModePlan {
  /** The two linked spans: false in `legacy` mode, which has neither, as before Phase 1. */
  readonly journeySpans: boolean;
  /** The engine's second journey stream, and its HTTP side. */
  readonly stream?: { engine: JourneyStreamPlugin; output: JourneyStreamOutputFactory };
}

/**
 * The one place outside `src/legacy/` that knows the legacy path: `spans` is the two
 * linked spans alone; `dual` adds the legacy recorder's stream on both threads, and
 * `legacy` has that stream alone. Only those two modes load the legacy wiring, and a build
 * without it (Phase 3 deletes `src/legacy/` and the legacy-buffer package) refuses them
 * here with a clear message, before the engine starts.
 */
export async function tracingModePlan(tracing: ServerConfig["tracing"]): Promise<TracingModePlan> {
  const { mode } = tracing;
  if (!tracing.enabled || mode === "spans") return { journeySpans: true };
  // A value, not a literal, so that the build stays valid once the wiring is deleted.
  const specifier = "./legacy/legacy-output.js";
  let output: JourneyStreamOutputFactory;
  try {
    ({ createJourneyStreamOutput: output } = await import(specifier));
  } catch (error) {
    if ((error as { code?: unknown }).code !== "ERR_MODULE_NOT_FOUND") throw error;
    throw new Error(
      `--tracing-mode legacy and dual need the legacy wiring, which this build does not include (${specifier}: ${(error as Error).message})`,
    );
  }
  return {
    journeySpans: mode !== "legacy",
    // Resolved from the engine's folder, in the worker.
    stream: { engine: { module: "../legacy/legacy-engine.js", options: { mode } }, output },
  };
}
