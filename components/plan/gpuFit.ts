import { GPUS, type GpuSpec, type ModelSpec, type Precision } from "../catalog";
import { kvBytesPerToken, weightsGiB } from "./memory";

const GiB = 1024 ** 3;

/**
 * Overhead for a GPU the catalog lacks (no published start-up log): the conservative 2 GiB the planner used before
 * it had per-class figures. Catalog GPUs carry their own `vllmOverheadGiB` (docs/gpu-memory.md).
 */
export const VLLM_OVERHEAD_GIB_PER_GPU = 2;

/**
 * The memory basis of one GPU as vLLM sees it: CUDA's total (else the API figure) and the start-up overhead
 * (non_torch_memory + activation peak of the profile run) for its class. vLLM's own arithmetic
 * (v1/worker/gpu_worker.py determine_available_memory, see docs/gpu-memory.md):
 *   KV cache = total × gpu_memory_utilization − (weights + non_torch + activation peak).
 * CUDA graphs are captured after the KV cache is allocated and come out of the (1 − utilization) headroom.
 */
export function memoryBasis(gpu: GpuFitInput["gpu"]): { totalGiB: number; overheadGiB: number } {
  return {
    totalGiB: gpu.cudaTotalGiB ?? gpu.memoryMiB / 1024,
    overheadGiB: gpu.vllmOverheadGiB ?? VLLM_OVERHEAD_GIB_PER_GPU,
  };
}

export interface GpuFitInput {
  readonly model: ModelSpec;
  readonly gpu:
    | GpuSpec
    | {
        readonly id: string;
        readonly memoryMiB: number;
        readonly bf16: boolean;
        readonly fp8: boolean;
        readonly cudaTotalGiB?: number;
        readonly vllmOverheadGiB?: number;
      };
  /** GPUs per replica = tensor-parallel size. */
  readonly count: number;
  readonly precision: Precision;
  readonly maxModelLen: number;
  readonly gpuMemoryUtilization: number;
  /** Bytes per KV element: 2 (bf16/fp16) or 1 (fp8). */
  readonly kvBytesPerElement: number;
}

/** The arithmetic of one fit, per GPU, GiB. */
export interface GpuFit {
  readonly fits: boolean;
  /** Memory vLLM may use on each GPU: utilization × the total CUDA reports. */
  readonly budgetGiB: number;
  readonly weightsGiB: number;
  readonly overheadGiB: number;
  /** KV cache of one token on each GPU. */
  readonly kvPerTokenGiB: number;
  /** KV cache of one sequence at max-model-len. */
  readonly kvPerSequenceGiB: number;
  /** KV cache left after weights and overhead (what vLLM logs as "reserved for KV Cache"). */
  readonly kvBudgetGiB: number;
  /** Weights + overhead + one full sequence. */
  readonly requiredGiB: number;
  /** How many max-length sequences the KV budget holds (concurrency at full context). */
  readonly sequencesAtMaxLen: number;
  /** Longest max-model-len that fits on this shape (0 when not even the weights fit). */
  readonly maxFittingModelLen: number;
}

/**
 * Does `model` at `precision` with `maxModelLen` fit `count` × `gpu` at the memory utilization? vLLM refuses to
 * start when one max-length sequence does not fit the KV budget, so the plan rejects the config first.
 * Tensor parallelism shards weights and KV heads across the GPUs; the overhead is per GPU.
 */
export function gpuFit(input: GpuFitInput): GpuFit {
  const { model, gpu, count } = input;
  const basis = memoryBasis(gpu);
  const overhead = basis.overheadGiB;
  const budget = basis.totalGiB * input.gpuMemoryUtilization;
  const weights = weightsGiB(model, input.precision) / count;
  // Tensor parallelism splits KV heads across GPUs; past the KV-head count vLLM replicates them (one per GPU),
  // so each GPU holds total / min(count, kvHeads).
  const kvPerToken = kvBytesPerToken(model, input.kvBytesPerElement) / Math.min(count, model.kvHeads) / GiB;
  const kvPerSequence = model.kind === "embedding" ? 0 : kvPerToken * input.maxModelLen;
  const required = weights + overhead + kvPerSequence;
  const kvBudget = budget - weights - overhead;
  const maxFitting =
    kvBudget <= 0 ? 0 : model.kind === "embedding" ? model.maxContext : Math.floor(kvBudget / kvPerToken);
  return {
    fits: required <= budget,
    budgetGiB: budget,
    weightsGiB: weights,
    overheadGiB: overhead,
    kvBudgetGiB: Math.max(0, kvBudget),
    kvPerTokenGiB: model.kind === "embedding" ? 0 : kvPerToken,
    kvPerSequenceGiB: kvPerSequence,
    requiredGiB: required,
    sequencesAtMaxLen: kvPerSequence > 0 ? Math.max(0, Math.floor(kvBudget / kvPerSequence)) : Infinity,
    maxFittingModelLen: Math.min(maxFitting, model.maxContext),
  };
}

/**
 * Tensor-parallel sizes vLLM accepts for a model: they must divide the attention heads, and either divide the KV
 * heads or be a multiple of them (then KV heads are replicated). One node has at most 8 GPUs.
 */
export function validTensorParallelSizes(model: Pick<ModelSpec, "heads" | "kvHeads">): number[] {
  return [1, 2, 4, 8].filter(
    (tp) => model.heads % tp === 0 && (model.kvHeads % tp === 0 || tp % model.kvHeads === 0),
  );
}

const f1 = (n: number) => n.toFixed(1);
const floorTo = (n: number, step: number) => Math.floor(n / step) * step;

/**
 * Concrete ways to make a config fit, each checked with gpuFit: a shorter context, fp8 KV cache, quantized
 * weights, more GPUs with tensor parallelism, a larger GPU. Returns the sentences, most direct first.
 */
export function fitFixes(input: GpuFitInput, fit: GpuFit): string[] {
  const fixes: string[] = [];
  const ok = (change: Partial<GpuFitInput>) => gpuFit({ ...input, ...change }).fits;
  if (fit.maxFittingModelLen >= 1024) {
    fixes.push(`set contextLength to ${floorTo(fit.maxFittingModelLen, 1024)} or less`);
  }
  if (input.kvBytesPerElement === 2 && input.model.kind === "chat" && ok({ kvBytesPerElement: 1 })) {
    fixes.push("set kvCacheDtype: fp8 (halves the KV cache)");
  }
  if ((input.precision === "bf16" || input.precision === "fp16") && ok({ precision: "fp8" })) {
    fixes.push(
      `set precision: fp8 (quantizes weights on load${input.gpu.fp8 ? "" : "; slower on GPUs without fp8 tensor cores"})`,
    );
  }
  if (input.precision !== "int4" && ok({ precision: "int4" })) {
    fixes.push("serve a 4-bit (AWQ/GPTQ) variant: set huggingFaceRepo to it and precision: int4");
  }
  const tp = validTensorParallelSizes(input.model).find((n) => n > input.count && ok({ count: n }));
  if (tp) fixes.push(`use gpu.count: ${tp} (tensor parallelism over ${tp} × ${input.gpu.id})`);
  const bigger = [...GPUS]
    .sort((a, b) => a.cudaTotalGiB - b.cudaTotalGiB)
    .find((g) => g.cudaTotalGiB > memoryBasis(input.gpu).totalGiB && ok({ gpu: g }));
  if (bigger) fixes.push(`use a larger GPU: gpu.type: ${bigger.id} (${f1(bigger.cudaTotalGiB)} GiB)`);
  return fixes;
}

/** The rejection text: the numbers, then the fixes. */
export function describeMisfit(input: GpuFitInput, fit: GpuFit): string {
  const shape =
    `${input.count} × ${input.gpu.id} (${memoryBasis(input.gpu).totalGiB.toFixed(2)} GiB as CUDA reports, ` +
    `${input.gpuMemoryUtilization} usable → ${f1(fit.budgetGiB)} GiB per GPU)`;
  const need =
    `weights ${f1(fit.weightsGiB)} + overhead ${f1(fit.overheadGiB)} + KV cache ${f1(fit.kvPerSequenceGiB)} ` +
    `for one ${input.maxModelLen}-token sequence = ${f1(fit.requiredGiB)} GiB per GPU`;
  const fixes = fitFixes(input, fit);
  return (
    `${input.model.id} at ${input.precision} does not fit ${shape}: needs ${need}; vLLM would refuse to start. ` +
    (fixes.length ? `Fixes: ${fixes.join("; or ")}.` : "No single change fits it; pick a smaller model.")
  );
}
