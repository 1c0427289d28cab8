/**
 * JSON schemas of the two generation endpoints, checked by Fastify's Ajv before a
 * handler runs. Parameters the simulated engine ignores are still accepted when they
 * are well-typed, so the official client works unchanged; unknown ones are rejected,
 * as OpenAI does.
 */
import type { FromSchema } from "json-schema-to-ts";

const MAX_OUTPUT_TOKENS = 32_768;

const sampling = {
  model: { type: "string", minLength: 1, maxLength: 256 },
  max_tokens: { type: ["integer", "null"], minimum: 1, maximum: MAX_OUTPUT_TOKENS },
  temperature: { type: ["number", "null"], minimum: 0, maximum: 2 },
  top_p: { type: ["number", "null"], minimum: 0, maximum: 1 },
  n: { type: ["integer", "null"], minimum: 1, maximum: 1 },
  stream: { type: ["boolean", "null"] },
  stream_options: {
    type: ["object", "null"],
    properties: { include_usage: { type: "boolean" } },
    additionalProperties: false,
  },
  stop: {
    anyOf: [
      { type: "string", minLength: 1, maxLength: 256 },
      { type: "array", items: { type: "string", minLength: 1, maxLength: 256 }, maxItems: 4 },
      { type: "null" },
    ],
  },
  seed: { type: ["integer", "null"] },
  user: { type: "string", maxLength: 256 },
  presence_penalty: { type: ["number", "null"], minimum: -2, maximum: 2 },
  frequency_penalty: { type: ["number", "null"], minimum: -2, maximum: 2 },
  logit_bias: { type: ["object", "null"] },
  logprobs: { type: ["boolean", "integer", "null"] },
  metadata: { type: ["object", "null"] },
} as const;

const message = {
  type: "object",
  required: ["role"],
  properties: {
    role: { enum: ["system", "developer", "user", "assistant", "tool"] },
    content: {
      anyOf: [
        { type: "string", maxLength: 1_000_000 },
        { type: "array", maxItems: 256, items: { type: "object" } },
        { type: "null" },
      ],
    },
    name: { type: "string", maxLength: 256 },
    tool_call_id: { type: "string" },
    tool_calls: { type: "array" },
    refusal: { type: ["string", "null"] },
  },
  additionalProperties: false,
} as const;

export const chatCompletionSchema = {
  type: "object",
  required: ["model", "messages"],
  properties: {
    ...sampling,
    messages: { type: "array", minItems: 1, maxItems: 2_048, items: message },
    max_completion_tokens: { type: ["integer", "null"], minimum: 1, maximum: MAX_OUTPUT_TOKENS },
    top_logprobs: { type: ["integer", "null"], minimum: 0, maximum: 20 },
    response_format: { type: "object" },
    tools: { type: "array" },
    tool_choice: { type: ["string", "object"] },
    parallel_tool_calls: { type: "boolean" },
    store: { type: ["boolean", "null"] },
    service_tier: { type: ["string", "null"] },
    reasoning_effort: { type: ["string", "null"] },
  },
  additionalProperties: false,
} as const;

export const completionSchema = {
  type: "object",
  required: ["model", "prompt"],
  properties: {
    ...sampling,
    prompt: {
      anyOf: [
        { type: "string", maxLength: 1_000_000 },
        {
          type: "array",
          minItems: 1,
          maxItems: 1,
          items: { type: "string", maxLength: 1_000_000 },
        },
      ],
    },
    echo: { type: ["boolean", "null"] },
    suffix: { type: ["string", "null"] },
    best_of: { type: ["integer", "null"], minimum: 1, maximum: 1 },
  },
  additionalProperties: false,
} as const;

/** The bodies the schemas let through, as `FromSchema` reads them off the schemas. */
export type ChatCompletionBody = FromSchema<typeof chatCompletionSchema>;
export type CompletionBody = FromSchema<typeof completionSchema>;
