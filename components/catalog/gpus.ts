/**
 * GPUs the planner knows. Memory is what the cloud API (and `nvidia-smi`) reports, not the marketing number:
 * an "A10G 24 GB" exposes 22,888 MiB (about 22.35 GiB), and a fit computed from "24" would pass configs that
 * vLLM then refuses to start. Source: ../shared/reference/runtime-facts.md §F (Karpenter's generated
 * instance-type reference and its AWS pricing table, us-east-1 on-demand, generated 2026-07-20).
 */
export interface GpuSpec {
  /** Catalog id used in config (`target.gpu.type`). */
  readonly id: string;
  /** Human name. */
  readonly displayName: string;
  /** Memory per GPU as the API reports it, MiB. */
  readonly memoryMiB: number;
  /**
   * Total memory CUDA reports to vLLM (`torch.cuda.mem_get_info`, the `total_gpu_memory` of vLLM's start-up log),
   * GiB. vLLM multiplies gpu_memory_utilization by this figure, not by the API's MiB (docs/gpu-memory.md).
   */
  readonly cudaTotalGiB: number;
  /**
   * vLLM's start-up overhead per GPU outside weights and KV cache, GiB: non_torch_memory + PyTorch activation
   * peak of its profile run, from published start-up logs of this GPU class (docs/gpu-memory.md cites each).
   */
  readonly vllmOverheadGiB: number;
  /** Memory bandwidth per GPU, GB/s (NVIDIA datasheets; used for throughput estimates). */
  readonly bandwidthGBps: number;
  /** Native bfloat16 (Ampere and newer); a T4 (Turing) must serve fp16. */
  readonly bf16: boolean;
  /** FP8 tensor cores (Ada, Hopper): fp8 weights and KV cache run natively. */
  readonly fp8: boolean;
  /** Smallest AWS instance carrying this GPU, with its GPU count and on-demand $/h (us-east-1). */
  readonly aws?: { readonly instanceType: string; readonly gpus: number; readonly usdPerHour: number };
}

export const GPUS: readonly GpuSpec[] = [
  {
    id: "T4",
    displayName: "NVIDIA T4 16 GB",
    memoryMiB: 16384,
    // CUDA total: runtime-facts.md §H and a vLLM log "total_gpu_memory (14.74GiB)"; overhead 0.05 + 0.90 (docs/gpu-memory.md)
    cudaTotalGiB: 14.74,
    vllmOverheadGiB: 0.95,
    bandwidthGBps: 320,
    bf16: false,
    fp8: false,
    aws: { instanceType: "g4dn.xlarge", gpus: 1, usdPerHour: 0.526 },
  },
  {
    id: "A10G",
    displayName: "NVIDIA A10G 24 GB",
    memoryMiB: 22888,
    // CUDA total: runtime-facts.md §H; overhead 0.05 + 0.22 from a Llama-3.1-8B log on a 24 GB A10 (docs/gpu-memory.md)
    cudaTotalGiB: 22.06,
    vllmOverheadGiB: 0.27,
    bandwidthGBps: 600,
    bf16: true,
    fp8: false,
    aws: { instanceType: "g5.xlarge", gpus: 1, usdPerHour: 1.006 },
  },
  {
    id: "L4",
    displayName: "NVIDIA L4 24 GB",
    memoryMiB: 22888,
    // CUDA total: runtime-facts.md §H; overhead as the A10G (same 24 GB class, docs/gpu-memory.md)
    cudaTotalGiB: 22.04,
    vllmOverheadGiB: 0.27,
    bandwidthGBps: 300,
    bf16: true,
    fp8: true,
    aws: { instanceType: "g6.xlarge", gpus: 1, usdPerHour: 0.8048 },
  },
  {
    id: "L40S",
    displayName: "NVIDIA L40S 48 GB",
    memoryMiB: 45776,
    // CUDA total: vLLM logs "total_gpu_memory (44.39GiB)" on L40S; overhead 0.34 + 1.20 (docs/gpu-memory.md)
    cudaTotalGiB: 44.39,
    vllmOverheadGiB: 1.54,
    bandwidthGBps: 864,
    bf16: true,
    fp8: true,
    aws: { instanceType: "g6e.xlarge", gpus: 1, usdPerHour: 1.861 },
  },
  {
    id: "A100-40GB",
    displayName: "NVIDIA A100 40 GB",
    memoryMiB: 40960,
    // CUDA total: runtime-facts.md §H; overhead as the H100 (no A100 8B log found, docs/gpu-memory.md)
    cudaTotalGiB: 39.39,
    vllmOverheadGiB: 3.05,
    bandwidthGBps: 1555,
    bf16: true,
    fp8: false,
    aws: { instanceType: "p4d.24xlarge", gpus: 8, usdPerHour: 21.958 },
  },
  {
    id: "H100",
    displayName: "NVIDIA H100 80 GB",
    memoryMiB: 81920,
    // CUDA total: runtime-facts.md §H; overhead 1.79 + 1.26 from vLLM PR #10511 (8B on H100)
    cudaTotalGiB: 79.18,
    vllmOverheadGiB: 3.05,
    bandwidthGBps: 3350,
    bf16: true,
    fp8: true,
    aws: { instanceType: "p5.48xlarge", gpus: 8, usdPerHour: 55.04 },
  },
  {
    // Rented by the second on GPU clouds (no AWS instance in the catalog). Bandwidth: A100 80 GB SXM datasheet.
    id: "A100-80GB",
    displayName: "NVIDIA A100 80 GB",
    memoryMiB: 81920,
    // CUDA total: runtime-facts.md §H; overhead as the H100 (docs/gpu-memory.md)
    cudaTotalGiB: 79.15,
    vllmOverheadGiB: 3.05,
    bandwidthGBps: 2039,
    bf16: true,
    fp8: false,
  },
];

/** Looks a GPU up by id (case-insensitive). */
export function findGpu(id: string): GpuSpec | undefined {
  const wanted = id.toLowerCase();
  return GPUS.find((g) => g.id.toLowerCase() === wanted);
}

export function gpuMemoryGiB(gpu: Pick<GpuSpec, "memoryMiB">): number {
  return gpu.memoryMiB / 1024;
}
