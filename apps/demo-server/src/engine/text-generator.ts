import { hashString, mix32 } from "./seeded-random.js";

/**
 * The placeholder words the simulated model "generates". Lorem ipsum on purpose: no one
 * can mistake this output for a real model's.
 */
export const SIMULATED_VOCABULARY: readonly string[] = Object.freeze([
  "lorem",
  "ipsum",
  "dolor",
  "sit",
  "amet",
  "consectetur",
  "adipiscing",
  "elit",
  "sed",
  "do",
  "eiusmod",
  "tempor",
  "incididunt",
  "ut",
  "labore",
  "et",
  "dolore",
  "magna",
  "aliqua",
  "enim",
  "ad",
  "minim",
  "veniam",
  "quis",
  "nostrud",
  "exercitation",
  "ullamco",
  "laboris",
  "nisi",
  "aliquip",
  "ex",
  "ea",
  "commodo",
  "consequat",
]);

/** Shortest and longest natural output (the simulated end-of-sequence), in tokens. */
export const MIN_NATURAL_LENGTH = 16;
export const MAX_NATURAL_LENGTH = 256;

/** The simulated model's output for one prompt. */
export interface SimulatedText {
  /** Output length at which the model "emits end-of-sequence"; the request then stops. */
  readonly naturalLength: number;
  /** The text of output token `index` (0-based): one word, with its leading space. */
  token(index: number): string;
}

// Distinct salts keep the length, the words and the punctuation independent of each other.
const LENGTH_SALT = 0x4c454e47;
const PERIOD_SALT = 0x2e2e2e2e;

/**
 * Deterministic simulated output: the same prompt always yields the same tokens and the
 * same natural length. Each token depends only on the prompt and its index, so recompute
 * after a preemption regenerates exactly what was generated before.
 */
export function simulateText(prompt: string): SimulatedText {
  const seed = hashString(prompt);
  const span = MAX_NATURAL_LENGTH - MIN_NATURAL_LENGTH + 1;
  const naturalLength = MIN_NATURAL_LENGTH + (mix32(seed ^ LENGTH_SALT, 0) % span);
  return {
    naturalLength,
    token(index: number): string {
      const word =
        SIMULATED_VOCABULARY[mix32(seed, index) % SIMULATED_VOCABULARY.length] ?? "lorem";
      const endsSentence = mix32(seed ^ PERIOD_SALT, index) % 9 === 0;
      return `${index === 0 ? "" : " "}${word}${endsSentence ? "." : ""}`;
    },
  };
}
