import { countTokens, setMergeCacheSize } from "gpt-tokenizer";

/**
 * The longest token of the simulated model's vocabulary (o200k_base), in characters: a
 * run of 128 spaces. Every token is at least one UTF-8 byte of at most 128, and a string
 * has at least as many UTF-8 bytes as UTF-16 units, so a prompt of `n` characters has at
 * least `ceil(n / 128)` tokens.
 */
export const MAX_TOKEN_CHARS = 128;

/**
 * The most text given to the BPE at once. Its merge loop is quadratic in the length of a
 * piece of text without a break (300,000 × "a" took 42 s in one call); cut into segments
 * of at most this length, a prompt costs time linear in its length, a few µs per
 * character in the worst case. Cuts fall just before a whitespace character that follows
 * a letter or digit when the segment's second half has one: o200k_base starts a new
 * piece there anyway, so only runs of more than 64 characters without such a boundary
 * are counted differently from the uncut text (by about 1%).
 */
const SEGMENT_CHARS = 128;

/** Work done before yielding to the event loop, in ms. */
const DEFAULT_SLICE_MS = 5;

// Treat special-token text in a prompt as plain text instead of refusing the prompt.
const PLAIN_TEXT_ONLY = { disallowedSpecial: new Set<string>() };

// The tokenizer's merge cache keeps each distinct piece of text it encoded, 100,000 by
// default; segments bound a piece's length, this bounds their number (a few MB at most).
setMergeCacheSize(10_000);

export interface PromptTokenCountOptions {
  /** Past this many tokens the count stops: the result is then a lower bound above it. */
  readonly limit: number;
  /** Work done before yielding to the event loop, in ms. Default: 5. */
  readonly sliceMs?: number;
}

/**
 * Counts the prompt's tokens without holding the event loop: the count runs in slices of
 * `sliceMs`, each followed by a turn of the event loop, and `done` is called with the
 * count (at once, when it fits in one slice). It stops as soon as the count passes
 * `limit`, and does not start when the prompt's length alone proves it would: then
 * `done` receives a lower bound greater than `limit`. The total work is bounded by the
 * smaller of the prompt's length and `limit × 128` characters.
 *
 * Returns a function that cancels the count; `done` is then never called. Idempotent.
 */
export function countPromptTokens(
  prompt: string,
  options: PromptTokenCountOptions,
  done: (tokens: number) => void,
): () => void {
  const { limit } = options;
  const sliceMs = options.sliceMs ?? DEFAULT_SLICE_MS;
  const atLeast = Math.ceil(prompt.length / MAX_TOKEN_CHARS);
  if (atLeast > limit) {
    done(atLeast);
    return () => {};
  }
  let tokens = 0;
  let start = 0;
  let next: ReturnType<typeof setImmediate> | undefined;
  const slice = () => {
    next = undefined;
    const deadline = performance.now() + sliceMs;
    while (start < prompt.length && tokens <= limit) {
      const end = segmentEnd(prompt, start);
      tokens += countTokens(prompt.slice(start, end), PLAIN_TEXT_ONLY);
      start = end;
      if (performance.now() >= deadline && start < prompt.length && tokens <= limit) {
        next = setImmediate(slice);
        return;
      }
    }
    done(tokens);
  };
  slice();
  return () => {
    if (next !== undefined) clearImmediate(next);
    next = undefined;
  };
}

function segmentEnd(text: string, start: number): number {
  const hardEnd = start + SEGMENT_CHARS;
  if (hardEnd >= text.length) return text.length;
  for (let cut = hardEnd; cut > start + SEGMENT_CHARS / 2; cut--) {
    if (isWhitespace(text.charCodeAt(cut)) && WORD_CHAR.test(text.charAt(cut - 1))) return cut;
  }
  // Never between the two halves of a surrogate pair.
  const last = text.charCodeAt(hardEnd - 1);
  return last >= 0xd800 && last <= 0xdbff ? hardEnd - 1 : hardEnd;
}

/** A letter, mark or digit: a whitespace character after one starts a new piece. */
const WORD_CHAR = /[\p{L}\p{M}\p{N}]/u;

function isWhitespace(code: number): boolean {
  return (
    code === 0x20 ||
    (code >= 0x09 && code <= 0x0d) ||
    code === 0xa0 ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x3000 ||
    (code >= 0x2000 && code <= 0x200a)
  );
}
