import { describe, expect, it } from "vitest";
import {
  readSampledHeader,
  SAMPLED_HEADER,
  stripSampledHeader,
  withSampledHeader,
} from "./sampled-header.js";

describe("the sampled header", () => {
  it("reads 1 as traced, 0 as not traced, anything else as absent", () => {
    expect(readSampledHeader({ [SAMPLED_HEADER]: "1" })).toBe(true);
    expect(readSampledHeader({ "X-LLM-Journey-Sampled": "0" })).toBe(false);
    expect(readSampledHeader({ [SAMPLED_HEADER]: "yes" })).toBeUndefined();
    expect(readSampledHeader({ [SAMPLED_HEADER]: ["1", "1"] })).toBeUndefined();
    expect(readSampledHeader({})).toBeUndefined();
    expect(readSampledHeader(undefined)).toBeUndefined();
  });

  it("writes the decision into a new map, replacing a value in any case", () => {
    const incoming = { "X-Llm-Journey-Sampled": "1", accept: "*/*" };
    expect(withSampledHeader(incoming, false)).toEqual({ accept: "*/*", [SAMPLED_HEADER]: "0" });
    expect(incoming["X-Llm-Journey-Sampled"]).toBe("1");
  });

  it("strips a client-sent value in any case", () => {
    expect(stripSampledHeader({ "X-LLM-JOURNEY-SAMPLED": "1", host: "h" })).toEqual({ host: "h" });
  });
});
