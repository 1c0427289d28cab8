import { getStringFromEnv } from "@opentelemetry/core";
import type { SpanExporter } from "@opentelemetry/sdk-trace";
import { loadOtlpExporterClass } from "./otlp-exporter-module.js";

/** The OTLP/HTTP encodings OpenTelemetry defines; `http/protobuf` is its default. */
export type OtlpHttpProtocol = "http/protobuf" | "http/json";

export interface OtlpTraceExporterOptions {
  /**
   * The traces endpoint, for example `http://localhost:4318/v1/traces`. Default: what the
   * exporter reads from `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, else
   * `OTEL_EXPORTER_OTLP_ENDPOINT` with `/v1/traces` appended, else localhost:4318.
   */
  endpoint?: string;
  /**
   * Headers for every export request (an API key, for example), on top of those the
   * exporter reads from `OTEL_EXPORTER_OTLP_TRACES_HEADERS` / `OTEL_EXPORTER_OTLP_HEADERS`.
   */
  headers?: Record<string, string>;
  /**
   * The encoding. Default: `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`, else
   * `OTEL_EXPORTER_OTLP_PROTOCOL`, else `http/protobuf`.
   */
  protocol?: OtlpHttpProtocol;
}

/**
 * An OTLP/HTTP span exporter in the protocol the options or the standard environment
 * variables ask for. Endpoint, headers, timeout and compression are left to the exporter,
 * which reads the rest of the `OTEL_EXPORTER_OTLP_*` variables itself. Only the exporter
 * package of the chosen protocol is loaded, and only now: `http/protobuf` needs
 * `@opentelemetry/exporter-trace-otlp-proto`, `http/json`
 * `@opentelemetry/exporter-trace-otlp-http`. Throws for a protocol it cannot speak (see
 * `resolveOtlpProtocol`), and for one whose package is not installed, naming the package
 * and the version to install.
 */
export function createOtlpTraceExporter(options: OtlpTraceExporterOptions = {}): SpanExporter {
  const protocol = resolveOtlpProtocol(options.protocol);
  const config = {
    ...(options.endpoint !== undefined ? { url: options.endpoint } : {}),
    ...(options.headers !== undefined ? { headers: options.headers } : {}),
  };
  const OtlpTraceExporter = loadOtlpExporterClass(protocol);
  return new OtlpTraceExporter(config);
}

/**
 * The protocol given, else `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`, else
 * `OTEL_EXPORTER_OTLP_PROTOCOL`, else `http/protobuf`. Throws, naming where the value came
 * from, for one that cannot be spoken here (`grpc` included): a typo must not quietly
 * export nothing. Call it at start-up to check the configuration early.
 */
export function resolveOtlpProtocol(given?: string): OtlpHttpProtocol {
  const [source, protocol] =
    given !== undefined
      ? ["protocol", given]
      : ((
          [
            [
              "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
              getStringFromEnv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"),
            ],
            ["OTEL_EXPORTER_OTLP_PROTOCOL", getStringFromEnv("OTEL_EXPORTER_OTLP_PROTOCOL")],
          ] as const
        ).find(([, value]) => value !== undefined) ?? ["default", "http/protobuf"]);
  if (protocol === "http/protobuf" || protocol === "http/json") return protocol;
  throw new Error(
    `${source} "${protocol}" is not an OTLP protocol supported here: use "http/protobuf" (the default) or "http/json"`,
  );
}
