import { type GgufTensor, type GgufValue, writeGguf } from "./gguf-file.js";

/**
 * A llama-architecture model with random weights, written as GGUF in well under a second,
 * so that llama.cpp can run without a download. Its text is gibberish: the weights were
 * never trained, so it rarely chooses to stop; set `maxTokens` or stops yourself.
 */

/** The shape of a generated model. */
export interface GeneratedModelShape {
  readonly embeddingLength: number;
  readonly blockCount: number;
  readonly headCount: number;
  readonly feedForwardLength: number;
  /** The context the model declares it was trained with (`llama.context_length`). */
  readonly contextLength: number;
}

/**
 * `tiny`: about 0.13 M parameters, under 1 MB, the fastest llama.cpp can go (the worst
 * case for tracing overhead). `larger`: about 27 M parameters (110 MB), closer to the
 * per-token cost of a real model.
 */
export const GENERATED_MODEL_SHAPES = {
  tiny: {
    embeddingLength: 64,
    blockCount: 2,
    headCount: 4,
    feedForwardLength: 128,
    contextLength: 2048,
  },
  larger: {
    embeddingLength: 512,
    blockCount: 8,
    headCount: 8,
    feedForwardLength: 1536,
    contextLength: 2048,
  },
} as const satisfies Record<string, GeneratedModelShape>;

export type GeneratedModelSize = keyof typeof GENERATED_MODEL_SHAPES;

export interface GeneratedModelOptions {
  /** Default: `tiny`. */
  size?: GeneratedModelSize;
  /** Seeds the weights: the same seed writes the same file. Default: 1. */
  seed?: number;
}

export interface GeneratedModel {
  readonly path: string;
  readonly shape: GeneratedModelShape;
  readonly parameters: number;
  readonly bytes: number;
  /** Tokens in the vocabulary: three special ones, 256 bytes, `▁` and printable ASCII. */
  readonly vocabularySize: number;
  readonly bosTokenId: number;
  readonly eosTokenId: number;
}

const UNKNOWN = 0;
const BOS = 1;
const EOS = 2;
// llama.cpp's token types.
const TOKEN_NORMAL = 1;
const TOKEN_UNKNOWN = 2;
const TOKEN_CONTROL = 3;
const TOKEN_BYTE = 6;

/**
 * A SentencePiece-style vocabulary that can spell any text: every byte has a token
 * (`<0x41>`), so text with no matching piece falls back to its UTF-8 bytes, and `▁`
 * (SentencePiece's space) plus printable ASCII are pieces of their own, so plain English
 * costs one token per character.
 */
function vocabulary(): { tokens: string[]; types: number[] } {
  const tokens = ["<unk>", "<s>", "</s>"];
  const types = [TOKEN_UNKNOWN, TOKEN_CONTROL, TOKEN_CONTROL];
  for (let byte = 0; byte < 256; byte++) {
    tokens.push(`<0x${byte.toString(16).toUpperCase().padStart(2, "0")}>`);
    types.push(TOKEN_BYTE);
  }
  tokens.push("\u2581");
  types.push(TOKEN_NORMAL);
  for (let code = 0x21; code <= 0x7e; code++) {
    tokens.push(String.fromCharCode(code));
    types.push(TOKEN_NORMAL);
  }
  return { tokens, types };
}

/** A fast seeded generator (mulberry32) of uniform values in [-scale, scale]. */
function uniformFill(seed: number, scale: number): (target: Float32Array) => void {
  let state = seed >>> 0;
  return (target) => {
    for (let i = 0; i < target.length; i++) {
      state = (state + 0x6d2b79f5) | 0;
      let t = Math.imul(state ^ (state >>> 15), 1 | state);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      target[i] = ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * scale;
    }
  };
}

const ones = (target: Float32Array): void => {
  target.fill(1);
};

/** Writes a generated model to `path` (overwriting it) and describes what it wrote. */
export function writeGeneratedModel(
  path: string,
  options: GeneratedModelOptions = {},
): GeneratedModel {
  const size = options.size ?? "tiny";
  const shape: GeneratedModelShape | undefined = GENERATED_MODEL_SHAPES[size];
  if (shape === undefined) {
    throw new RangeError(
      `size must be one of ${Object.keys(GENERATED_MODEL_SHAPES).join(", ")}, got ${String(size)}`,
    );
  }
  const seed = options.seed ?? 1;
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  const { tokens, types } = vocabulary();
  const embd = shape.embeddingLength;
  const ff = shape.feedForwardLength;
  const metadata = new Map<string, GgufValue>([
    ["general.architecture", { type: "string", value: "llama" }],
    ["general.name", { type: "string", value: `llm-journey generated ${size}` }],
    ["llama.context_length", { type: "uint32", value: shape.contextLength }],
    ["llama.embedding_length", { type: "uint32", value: embd }],
    ["llama.block_count", { type: "uint32", value: shape.blockCount }],
    ["llama.feed_forward_length", { type: "uint32", value: ff }],
    ["llama.attention.head_count", { type: "uint32", value: shape.headCount }],
    ["llama.attention.head_count_kv", { type: "uint32", value: shape.headCount }],
    ["llama.rope.dimension_count", { type: "uint32", value: embd / shape.headCount }],
    ["llama.attention.layer_norm_rms_epsilon", { type: "float32", value: 1e-5 }],
    ["tokenizer.ggml.model", { type: "string", value: "llama" }],
    ["tokenizer.ggml.tokens", { type: "strings", value: tokens }],
    ["tokenizer.ggml.scores", { type: "float32s", value: tokens.map(() => 0) }],
    ["tokenizer.ggml.token_type", { type: "int32s", value: types }],
    ["tokenizer.ggml.unknown_token_id", { type: "uint32", value: UNKNOWN }],
    ["tokenizer.ggml.bos_token_id", { type: "uint32", value: BOS }],
    ["tokenizer.ggml.eos_token_id", { type: "uint32", value: EOS }],
  ]);
  let stream = seed;
  // Each tensor gets its own seed, and a scale of 1/sqrt(fan-in) keeps activations finite.
  const random = (fanIn: number) => uniformFill(stream++, 1 / Math.sqrt(fanIn));
  const tensors: GgufTensor[] = [
    { name: "token_embd.weight", dims: [embd, tokens.length], fill: random(1) },
  ];
  for (let block = 0; block < shape.blockCount; block++) {
    const prefix = `blk.${block}`;
    tensors.push(
      { name: `${prefix}.attn_norm.weight`, dims: [embd], fill: ones },
      { name: `${prefix}.attn_q.weight`, dims: [embd, embd], fill: random(embd) },
      { name: `${prefix}.attn_k.weight`, dims: [embd, embd], fill: random(embd) },
      { name: `${prefix}.attn_v.weight`, dims: [embd, embd], fill: random(embd) },
      { name: `${prefix}.attn_output.weight`, dims: [embd, embd], fill: random(embd) },
      { name: `${prefix}.ffn_norm.weight`, dims: [embd], fill: ones },
      { name: `${prefix}.ffn_gate.weight`, dims: [embd, ff], fill: random(embd) },
      { name: `${prefix}.ffn_up.weight`, dims: [embd, ff], fill: random(embd) },
      { name: `${prefix}.ffn_down.weight`, dims: [ff, embd], fill: random(ff) },
    );
  }
  tensors.push(
    { name: "output_norm.weight", dims: [embd], fill: ones },
    { name: "output.weight", dims: [embd, tokens.length], fill: random(embd) },
  );
  const bytes = writeGguf(path, metadata, tensors);
  const parameters = tensors.reduce(
    (sum, tensor) => sum + tensor.dims.reduce((product, dim) => product * dim, 1),
    0,
  );
  return {
    path,
    shape,
    parameters,
    bytes,
    vocabularySize: tokens.length,
    bosTokenId: BOS,
    eosTokenId: EOS,
  };
}
