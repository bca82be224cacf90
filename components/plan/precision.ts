import {
  FLOAT16_UNSUPPORTED_MODEL_TYPES,
  GPUS,
  type GpuSpec,
  type ModelSpec,
  type Precision,
} from "../catalog";
import type { ConfigProblem } from "../spec";

/** GPUs of the catalog with bfloat16 (Ampere and newer), for the fix of a model that needs it. */
const bf16Gpus = () => GPUS.filter((g) => g.bf16).map((g) => g.id);

/**
 * The precision vLLM serves a model at on a GPU: the config's, else bf16 where the GPU has it and fp16 where it
 * does not. Pushes a problem (and returns undefined) when vLLM would refuse it: bf16 on a GPU without it, or fp16
 * for an architecture vLLM refuses in float16 (FLOAT16_UNSUPPORTED_MODEL_TYPES: Gemma 2/3, GLM-4).
 */
export function servedPrecision(
  model: Pick<ModelSpec, "id" | "modelType">,
  gpu: Pick<GpuSpec, "id" | "bf16">,
  requested: Precision | undefined,
  at: (...p: PropertyKey[]) => string,
  problems: ConfigProblem[],
): Precision | undefined {
  const precision: Precision = requested ?? (gpu.bf16 ? "bf16" : "fp16");
  const fp16Refused = model.modelType !== undefined && FLOAT16_UNSUPPORTED_MODEL_TYPES.has(model.modelType);
  if (precision === "bf16" && !gpu.bf16) {
    problems.push({
      path: at("precision"),
      message: fp16Refused
        ? `${gpu.id} has no bfloat16 support and vLLM refuses ${model.id} in float16 (numerical instability); ` +
          `use a GPU with bfloat16: ${bf16Gpus().join(", ")}`
        : `${gpu.id} has no bfloat16 support; set precision: fp16`,
    });
    return undefined;
  }
  if (precision === "fp16" && fp16Refused) {
    problems.push({
      path: at(requested ? "precision" : "gpu"),
      message:
        `vLLM refuses ${model.id} (${model.modelType}) in float16: numerical instability ` +
        `(vllm/config/model.py _FLOAT16_NOT_SUPPORTED_MODELS). ` +
        (requested
          ? gpu.bf16
            ? "Set precision: bf16 (or remove it)"
            : `Use a GPU with bfloat16 (${bf16Gpus().join(", ")}) and precision: bf16`
          : `${gpu.id} has no bfloat16; use a GPU with it: ${bf16Gpus().join(", ")}`),
    });
    return undefined;
  }
  return precision;
}
