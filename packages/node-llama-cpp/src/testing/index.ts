export {
  GENERATED_MODEL_SHAPES,
  type GeneratedModel,
  type GeneratedModelOptions,
  type GeneratedModelShape,
  type GeneratedModelSize,
  writeGeneratedModel,
} from "./generated-model.js";
