#!/usr/bin/env node
// Writes a generated llama model (random weights, GGUF) for tests, benchmarks and demos:
//   llm-journey-write-gguf FILE [--size tiny|larger] [--seed N]
import { parseArgs } from "node:util";
import {
  GENERATED_MODEL_SHAPES,
  type GeneratedModelSize,
  writeGeneratedModel,
} from "./generated-model.js";

const USAGE = `usage: llm-journey-write-gguf FILE [--size ${Object.keys(GENERATED_MODEL_SHAPES).join("|")}] [--seed N]`;

try {
  const { values, positionals } = parseArgs({
    options: { size: { type: "string" }, seed: { type: "string" }, help: { type: "boolean" } },
    allowPositionals: true,
  });
  if (values.help || positionals.length !== 1) {
    console.log(USAGE);
    process.exitCode = values.help ? 0 : 2;
  } else {
    const model = writeGeneratedModel(positionals[0] as string, {
      size: (values.size ?? "tiny") as GeneratedModelSize,
      seed: values.seed === undefined ? 1 : Number(values.seed),
    });
    console.log(
      `${model.path}: ${model.parameters} parameters, ${model.bytes} bytes (random weights: its text is gibberish)`,
    );
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  console.error(USAGE);
  process.exitCode = 2;
}
