import * as semconv from "@opentelemetry/semantic-conventions/incubating";
import { describe, expect, it } from "vitest";
import { ApiAttr } from "./api-attributes.js";

describe("GenAI attribute names", () => {
  it("match the current OpenTelemetry semantic conventions", () => {
    expect(ApiAttr.OPERATION_NAME).toBe(semconv.ATTR_GEN_AI_OPERATION_NAME);
    expect(ApiAttr.REQUEST_MODEL).toBe(semconv.ATTR_GEN_AI_REQUEST_MODEL);
    expect(ApiAttr.REQUEST_MAX_TOKENS).toBe(semconv.ATTR_GEN_AI_REQUEST_MAX_TOKENS);
    expect(ApiAttr.REQUEST_TEMPERATURE).toBe(semconv.ATTR_GEN_AI_REQUEST_TEMPERATURE);
    expect(ApiAttr.REQUEST_TOP_P).toBe(semconv.ATTR_GEN_AI_REQUEST_TOP_P);
    expect(ApiAttr.REQUEST_CHOICE_COUNT).toBe(semconv.ATTR_GEN_AI_REQUEST_CHOICE_COUNT);
    expect(ApiAttr.REQUEST_STREAM).toBe(semconv.ATTR_GEN_AI_REQUEST_STREAM);
    expect(ApiAttr.USAGE_INPUT_TOKENS).toBe(semconv.ATTR_GEN_AI_USAGE_INPUT_TOKENS);
    expect(ApiAttr.USAGE_OUTPUT_TOKENS).toBe(semconv.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS);
    expect(ApiAttr.RESPONSE_FINISH_REASONS).toBe(semconv.ATTR_GEN_AI_RESPONSE_FINISH_REASONS);
    expect(ApiAttr.INPUT_MESSAGES).toBe(semconv.ATTR_GEN_AI_INPUT_MESSAGES);
    expect(ApiAttr.OUTPUT_MESSAGES).toBe(semconv.ATTR_GEN_AI_OUTPUT_MESSAGES);
  });
});
