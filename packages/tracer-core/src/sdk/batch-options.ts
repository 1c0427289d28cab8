import { getNumberFromEnv } from "@opentelemetry/core";

/** How the batching processor queues and sends spans. */
export interface BatchOptions {
  /** Spans held before new ones are dropped. Default: `OTEL_BSP_MAX_QUEUE_SIZE`, else 2048. */
  maxQueueSize?: number;
  /** Spans per export request. Default: `OTEL_BSP_MAX_EXPORT_BATCH_SIZE`, else 512. */
  maxExportBatchSize?: number;
  /** Delay between two exports, in ms. Default: `OTEL_BSP_SCHEDULE_DELAY`, else 5000. */
  scheduledDelayMillis?: number;
  /** Time allowed for one export, in ms. Default: `OTEL_BSP_EXPORT_TIMEOUT`, else 30000. */
  exportTimeoutMillis?: number;
}

const SETTINGS: Record<keyof BatchOptions, { variable: string; isCount: boolean }> = {
  maxQueueSize: { variable: "OTEL_BSP_MAX_QUEUE_SIZE", isCount: true },
  maxExportBatchSize: { variable: "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", isCount: true },
  scheduledDelayMillis: { variable: "OTEL_BSP_SCHEDULE_DELAY", isCount: false },
  exportTimeoutMillis: { variable: "OTEL_BSP_EXPORT_TIMEOUT", isCount: false },
};

/**
 * The options given, completed from the standard `OTEL_BSP_*` variables. SDK 3's batching
 * processor no longer reads them itself; the values are parsed by the SDK's own reader,
 * which ignores (with a diagnostic) anything that is not a number. The processor applies
 * its defaults to whatever is still missing. A count below 1 or a negative time throws,
 * naming where it came from.
 */
export function batchOptionsFromEnvironment(options: BatchOptions = {}): BatchOptions {
  const resolved: BatchOptions = {};
  for (const key of Object.keys(SETTINGS) as Array<keyof BatchOptions>) {
    const { variable, isCount } = SETTINGS[key];
    const given = options[key];
    const value = given ?? getNumberFromEnv(variable);
    if (value === undefined) continue;
    const valid = isCount ? Number.isInteger(value) && value >= 1 : value >= 0;
    if (!valid) {
      const source = given === undefined ? variable : `batch.${key}`;
      const wanted = isCount ? "a whole number of at least 1" : "a number of ms, 0 or more";
      throw new Error(`${source} must be ${wanted}, got ${value}`);
    }
    resolved[key] = value;
  }
  return resolved;
}
