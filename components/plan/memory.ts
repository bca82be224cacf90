import { BYTES_PER_PARAM, type ModelSpec, type Precision } from "../catalog";

const GiB = 1024 ** 3;

/** Memory one served model needs, GiB. */
export interface MemoryEstimate {
  /** Weights at the served precision. */
  readonly weightsGiB: number;
  /** KV cache for `sequences` sequences of `contextLength` tokens (0 for embedding models). */
  readonly kvCacheGiB: number;
  /** Runtime overhead (CUDA context, activations, compute graph). */
  readonly overheadGiB: number;
  /** Sum of the three. */
  readonly totalGiB: number;
}

/**
 * KV cache bytes per token: K and V × layers × KV heads × head dim × bytes per element.
 * Llama-3.1-8B at 16-bit: 2 × 32 × 8 × 128 × 2 = 131,072 B = 128 KiB/token (runtime-facts.md §G).
 */
export function kvBytesPerToken(
  model: Pick<ModelSpec, "layers" | "kvHeads" | "headDim">,
  bytesPerElement = 2,
): number {
  return 2 * model.layers * model.kvHeads * model.headDim * bytesPerElement;
}

/** Weights at a precision, GiB. */
export function weightsGiB(model: Pick<ModelSpec, "paramsB">, precision: Precision): number {
  return (model.paramsB * 1e9 * BYTES_PER_PARAM[precision]) / GiB;
}

/**
 * Estimated memory to serve `model`: weights + KV cache at the context length + a fixed overhead. The overhead
 * (1 GiB + 5% of weights) covers the CUDA context and activations; it is a planning figure, not a promise.
 */
export function estimateMemory(
  model: ModelSpec,
  opts: { precision: Precision; contextLength: number; sequences?: number; kvBytesPerElement?: number },
): MemoryEstimate {
  const weights = weightsGiB(model, opts.precision);
  const kv =
    model.kind === "embedding"
      ? 0
      : (kvBytesPerToken(model, opts.kvBytesPerElement ?? 2) * opts.contextLength * (opts.sequences ?? 1)) /
        GiB;
  const overhead = 1 + 0.05 * weights;
  return { weightsGiB: weights, kvCacheGiB: kv, overheadGiB: overhead, totalGiB: weights + kv + overhead };
}
