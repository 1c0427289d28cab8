import { createRequire } from "node:module";
import type { SpanExporter } from "@opentelemetry/sdk-trace";
import type { OtlpHttpProtocol } from "./otlp-trace-exporter.js";

/** What both OTLP/HTTP trace exporter packages export. */
export type OtlpExporterClass = new (config: {
  url?: string;
  headers?: Record<string, string>;
}) => SpanExporter;

/** The optional peer each protocol needs, and its line for each SDK major. */
export const OTLP_EXPORTER_PACKAGES = {
  "http/protobuf": "@opentelemetry/exporter-trace-otlp-proto",
  "http/json": "@opentelemetry/exporter-trace-otlp-http",
} as const satisfies Record<OtlpHttpProtocol, string>;

const EXPORTER_LINES = [
  { version: "0.223", range: ">=0.223.0 <0.300.0", stack: "SDK 2 (@opentelemetry/api 1.9)" },
  { version: "0.301", range: "0.30x", stack: "SDK 3 (@opentelemetry/api 1.10)" },
];

/**
 * The exporter class of `protocol`, loaded when a provider first needs it, so that an
 * application installs only the exporter package of the protocol it uses. Loaded
 * synchronously (the provider is built synchronously), with `require`, which every
 * exporter line supports. A package that is not installed throws an error naming it and
 * the version to install for each SDK line; anything else it throws is rethrown.
 */
export function loadOtlpExporterClass(
  protocol: OtlpHttpProtocol,
  load: (specifier: string) => unknown = createRequire(import.meta.url),
): OtlpExporterClass {
  const name = OTLP_EXPORTER_PACKAGES[protocol];
  try {
    return (load(name) as { OTLPTraceExporter: OtlpExporterClass }).OTLPTraceExporter;
  } catch (error) {
    if (!isNotFound(error, name)) throw error;
    const installs = EXPORTER_LINES.map(
      (line) => `npm install ${name}@${line.version} with ${line.stack}, ${line.range}`,
    );
    throw new Error(
      `the OTLP protocol "${protocol}" needs ${name}, which is not installed: ${installs.join("; ")}`,
      { cause: error },
    );
  }
}

function isNotFound(error: unknown, name: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (
    (code === "MODULE_NOT_FOUND" || code === "ERR_MODULE_NOT_FOUND") &&
    typeof message === "string" &&
    message.includes(`'${name}'`)
  );
}
