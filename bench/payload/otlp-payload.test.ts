import { describe, expect, it } from "vitest";
import { measureOtlpPayload } from "./otlp-payload.mjs";

describe("OTLP payload behind the demo server", () => {
  it("is protobuf by default, JSON when OTEL_EXPORTER_OTLP_TRACES_PROTOCOL asks, and smaller in protobuf", async () => {
    const protobuf = await measureOtlpPayload({ requests: 2 });
    const json = await measureOtlpPayload({ requests: 2, protocol: "http/json" });
    expect(protobuf.contentTypes).toEqual(["application/x-protobuf"]);
    expect(json.contentTypes).toEqual(["application/json"]);
    // Each request's two spans leave from two threads, in their own exports.
    expect(protobuf.exports).toBeGreaterThanOrEqual(4);
    expect(json.exports).toBeGreaterThanOrEqual(4);
    expect(protobuf.bytesPerRequest).toBeGreaterThan(0);
    expect(protobuf.bytesPerRequest).toBeLessThan(json.bytesPerRequest);
  }, 60_000);
});
