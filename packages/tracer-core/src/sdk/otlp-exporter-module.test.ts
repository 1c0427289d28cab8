import { describe, expect, it } from "vitest";
import { loadOtlpExporterClass } from "./otlp-exporter-module.js";

/** A loader that has only the packages given, failing for others as Node's require does. */
function loaderWith(installed: string[]) {
  const loaded: string[] = [];
  const load = (name: string) => {
    loaded.push(name);
    if (installed.includes(name)) return { OTLPTraceExporter: class {} };
    throw Object.assign(new Error(`Cannot find module '${name}'`), { code: "MODULE_NOT_FOUND" });
  };
  return { load, loaded };
}

describe("loading the OTLP exporter of a protocol", () => {
  it("loads only the package of the protocol asked for", () => {
    const { load, loaded } = loaderWith(["@opentelemetry/exporter-trace-otlp-http"]);
    expect(loadOtlpExporterClass("http/json", load)).toBeTypeOf("function");
    expect(loaded).toEqual(["@opentelemetry/exporter-trace-otlp-http"]);
  });

  it("fails, naming the package and the version of each SDK line, when it is missing", () => {
    const { load } = loaderWith(["@opentelemetry/exporter-trace-otlp-http"]);
    expect(() => loadOtlpExporterClass("http/protobuf", load)).toThrow(
      'the OTLP protocol "http/protobuf" needs @opentelemetry/exporter-trace-otlp-proto, which is not installed: npm install @opentelemetry/exporter-trace-otlp-proto@0.223 with SDK 2 (@opentelemetry/api 1.9), >=0.223.0 <0.300.0; npm install @opentelemetry/exporter-trace-otlp-proto@0.301 with SDK 3 (@opentelemetry/api 1.10), 0.30x',
    );
  });

  it("rethrows a failure of an installed package as it is", () => {
    const broken = new Error(
      "Cannot find module '@opentelemetry/otlp-transformer'\nRequire stack:\n- node_modules/@opentelemetry/exporter-trace-otlp-http/build/src/index.js",
    );
    const load = () => {
      throw Object.assign(broken, { code: "MODULE_NOT_FOUND" });
    };
    expect(() => loadOtlpExporterClass("http/json", load)).toThrow(broken);
  });

  it("loads the installed exporters with the real require", () => {
    expect(loadOtlpExporterClass("http/protobuf").name).toBe("OTLPTraceExporter");
    expect(loadOtlpExporterClass("http/json").name).toBe("OTLPTraceExporter");
  });
});
