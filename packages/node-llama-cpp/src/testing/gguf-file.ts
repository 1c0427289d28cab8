import { closeSync, openSync, writeSync } from "node:fs";

/**
 * A minimal writer of GGUF version 3 files (ggml's model format): metadata and F32
 * tensors, nothing else. It exists so that tests, benchmarks and demos can run llama.cpp
 * on a model written in milliseconds instead of downloading one.
 */

/** A metadata value and the GGUF type it is written as. */
export type GgufValue =
  | { readonly type: "uint32"; readonly value: number }
  | { readonly type: "float32"; readonly value: number }
  | { readonly type: "string"; readonly value: string }
  | { readonly type: "strings"; readonly value: readonly string[] }
  | { readonly type: "float32s"; readonly value: readonly number[] }
  | { readonly type: "int32s"; readonly value: readonly number[] };

/** An F32 tensor: its dimensions innermost first (ggml's `ne`) and how to fill it. */
export interface GgufTensor {
  readonly name: string;
  readonly dims: readonly number[];
  /** Writes the tensor's `product(dims)` values into `target`. */
  readonly fill: (target: Float32Array) => void;
}

const MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32
const VERSION = 3;
const ALIGNMENT = 32;
const TYPE = { uint32: 4, int32: 5, float32: 6, string: 8, array: 9 } as const;
const GGML_TYPE_F32 = 0;

/** Grows as values are appended; the header and tensor index are small. */
class ByteWriter {
  private buffer = Buffer.alloc(1 << 16);
  length = 0;

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = Buffer.alloc(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
  u32(value: number): void {
    this.reserve(4);
    this.buffer.writeUInt32LE(value, this.length);
    this.length += 4;
  }
  i32(value: number): void {
    this.reserve(4);
    this.buffer.writeInt32LE(value, this.length);
    this.length += 4;
  }
  u64(value: number): void {
    this.reserve(8);
    this.buffer.writeBigUInt64LE(BigInt(value), this.length);
    this.length += 8;
  }
  f32(value: number): void {
    this.reserve(4);
    this.buffer.writeFloatLE(value, this.length);
    this.length += 4;
  }
  string(value: string): void {
    const bytes = Buffer.from(value, "utf8");
    this.u64(bytes.length);
    this.reserve(bytes.length);
    bytes.copy(this.buffer, this.length);
    this.length += bytes.length;
  }
  padTo(alignment: number): void {
    const padding = (alignment - (this.length % alignment)) % alignment;
    this.reserve(padding);
    this.buffer.fill(0, this.length, this.length + padding);
    this.length += padding;
  }
  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}

function writeArray<T>(
  out: ByteWriter,
  elementType: number,
  values: readonly T[],
  writeOne: (value: T) => void,
): void {
  out.u32(TYPE.array);
  out.u32(elementType);
  out.u64(values.length);
  for (const value of values) writeOne(value);
}

function writeValue(out: ByteWriter, entry: GgufValue): void {
  switch (entry.type) {
    case "uint32":
      out.u32(TYPE.uint32);
      out.u32(entry.value);
      return;
    case "float32":
      out.u32(TYPE.float32);
      out.f32(entry.value);
      return;
    case "string":
      out.u32(TYPE.string);
      out.string(entry.value);
      return;
    case "strings":
      writeArray(out, TYPE.string, entry.value, (item) => out.string(item));
      return;
    case "float32s":
      writeArray(out, TYPE.float32, entry.value, (item) => out.f32(item));
      return;
    case "int32s":
      writeArray(out, TYPE.int32, entry.value, (item) => out.i32(item));
      return;
  }
}

const elementsOf = (tensor: GgufTensor): number =>
  tensor.dims.reduce((product, dim) => product * dim, 1);

/** Writes a GGUF v3 file; returns its size in bytes. */
export function writeGguf(
  path: string,
  metadata: ReadonlyMap<string, GgufValue>,
  tensors: readonly GgufTensor[],
): number {
  const header = new ByteWriter();
  header.u32(MAGIC);
  header.u32(VERSION);
  header.u64(tensors.length);
  header.u64(metadata.size);
  for (const [key, value] of metadata) {
    header.string(key);
    writeValue(header, value);
  }
  let offset = 0;
  for (const tensor of tensors) {
    header.string(tensor.name);
    header.u32(tensor.dims.length);
    for (const dim of tensor.dims) header.u64(dim);
    header.u32(GGML_TYPE_F32);
    header.u64(offset);
    offset += Math.ceil((elementsOf(tensor) * 4) / ALIGNMENT) * ALIGNMENT;
  }
  header.padTo(ALIGNMENT);

  const file = openSync(path, "w");
  try {
    let written = writeSync(file, header.bytes());
    // One scratch array, sized for the largest tensor, is reused for every tensor.
    const scratch = new Float32Array(Math.max(0, ...tensors.map(elementsOf)));
    const zeros = Buffer.alloc(ALIGNMENT);
    for (const tensor of tensors) {
      const values = scratch.subarray(0, elementsOf(tensor));
      tensor.fill(values);
      written += writeSync(file, new Uint8Array(values.buffer, 0, values.byteLength));
      const padding = (ALIGNMENT - (values.byteLength % ALIGNMENT)) % ALIGNMENT;
      if (padding > 0) written += writeSync(file, zeros, 0, padding);
    }
    return written;
  } finally {
    closeSync(file);
  }
}
