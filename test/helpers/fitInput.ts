import { findGpu, findModel, type ModelSpec } from "../../components/catalog";
import type { GpuFitInput } from "../../components/plan";

/** A GPU-fit input for a catalog model on a catalog GPU (or one described inline): one GPU, bf16, 8192 tokens, 0.9. */
export const fitInput = (
  model: string,
  gpu: string | GpuFitInput["gpu"],
  over: Partial<GpuFitInput> = {},
): GpuFitInput => ({
  model: findModel(model) as ModelSpec,
  gpu: typeof gpu === "string" ? findGpu(gpu)! : gpu,
  count: 1,
  precision: "bf16",
  maxModelLen: 8192,
  gpuMemoryUtilization: 0.9,
  kvBytesPerElement: 2,
  ...over,
});
