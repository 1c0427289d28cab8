import { describe, expect, it } from "vitest";
import {
  type HeaderMap,
  readSampledHeader,
  SAMPLED_HEADER,
  stripSampledHeader,
  withSampledHeader,
} from "./index.js";

describe("reading the sampled header", () => {
  it.each([
    ["1", true],
    ["0", false],
    [" 1\t", true],
  ])("reads %j as %s", (value, sampled) => {
    expect(readSampledHeader({ [SAMPLED_HEADER]: value })).toBe(sampled);
  });

  it("matches its name in any case", () => {
    expect(readSampledHeader({ "X-LLM-Journey-Sampled": "0" })).toBe(false);
  });

  it.each([
    ["absent", {}],
    ["no header map", undefined],
    ["another value", { [SAMPLED_HEADER]: "yes" }],
    ["true spelled out", { [SAMPLED_HEADER]: "true" }],
    ["an empty value", { [SAMPLED_HEADER]: "" }],
    ["repeated in an array", { [SAMPLED_HEADER]: ["1", "1"] }],
    ["repeated under two cases", { [SAMPLED_HEADER]: "1", "X-Llm-Journey-Sampled": "1" }],
    ["a number", { [SAMPLED_HEADER]: 1 }],
  ])("is undefined when %s", (_label, headers) => {
    expect(readSampledHeader(headers as unknown as HeaderMap)).toBeUndefined();
  });
});

describe("writing the sampled header", () => {
  it.each([
    [true, "1"],
    [false, "0"],
  ])("writes %s as %j into a new map, replacing a value in any case", (sampled, value) => {
    const incoming = { "X-Llm-Journey-Sampled": "1", accept: "*/*" };
    expect(withSampledHeader(incoming, sampled)).toEqual({
      accept: "*/*",
      [SAMPLED_HEADER]: value,
    });
    expect(incoming).toEqual({ "X-Llm-Journey-Sampled": "1", accept: "*/*" });
  });

  it("writes into an empty map when given none", () => {
    expect(withSampledHeader(undefined, true)).toEqual({ [SAMPLED_HEADER]: "1" });
  });

  it("is read back as written", () => {
    expect(readSampledHeader(withSampledHeader({ [SAMPLED_HEADER]: "0" }, true))).toBe(true);
    expect(readSampledHeader(withSampledHeader({}, false))).toBe(false);
  });
});

describe("stripping the sampled header", () => {
  it("removes a client-sent value in every case, keeping the rest", () => {
    const incoming = { "X-LLM-JOURNEY-SAMPLED": "1", [SAMPLED_HEADER]: "0", host: "h" };
    expect(stripSampledHeader(incoming)).toEqual({ host: "h" });
    expect(incoming[SAMPLED_HEADER]).toBe("0");
  });

  it("returns an empty map when given none", () => {
    expect(stripSampledHeader(undefined)).toEqual({});
  });
});
