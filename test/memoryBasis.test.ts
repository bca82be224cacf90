// The memory basis vLLM really sees (issue 13 point 8): the fit budgets from the total CUDA reports and a start-up
// overhead per GPU class, so the accept/reject boundary matches vLLM's own start-up arithmetic. The reference
// figures are copied from a published vLLM start-up log (docs/gpu-memory.md), not from the planner.
import { describe, expect, it } from "vitest";
import { gpuFit, type GpuFitInput } from "../components/plan";
import { fitInput } from "./helpers/fitInput";

const on = (gpu: string, over: Partial<GpuFitInput> = {}) => fitInput("llama-3.1-8b-instruct", gpu, over);

describe("Llama-3.1-8B bf16 on one 24 GB-class GPU at gpu_memory_utilization 0.9", () => {
  // vLLM's log for this model on a 24 GB A10 (oracle-samples/oci-data-science-ai-samples, AI Quick Actions
  // troubleshooting): total_gpu_memory (22.07GiB) × 0.90 = 19.86GiB; weights 14.99; non_torch 0.05; activation
  // peak 0.22; KV Cache 4.60GiB → "maximum number of tokens that can be stored in KV cache (37696)".
  const VLLM_MAX_TOKENS = 37696;

  it("the longest accepted max-model-len on an L4 is within 3% of vLLM's own figure", () => {
    const fit = gpuFit(on("L4", { maxModelLen: 131072 }));
    expect(fit.fits).toBe(false);
    expect(Math.abs(fit.maxFittingModelLen - VLLM_MAX_TOKENS) / VLLM_MAX_TOKENS).toBeLessThan(0.03);
    expect(gpuFit(on("L4", { maxModelLen: fit.maxFittingModelLen })).fits).toBe(true);
    expect(gpuFit(on("L4", { maxModelLen: fit.maxFittingModelLen + 1 })).fits).toBe(false);
  });

  it("the KV cache left matches vLLM's 4.60 GiB within 3%, and the budget is 0.9 × CUDA's 22.04 GiB", () => {
    const fit = gpuFit(on("L4"));
    expect(fit.budgetGiB).toBeCloseTo(22.04 * 0.9, 6);
    expect(Math.abs(fit.kvBudgetGiB - 4.6) / 4.6).toBeLessThan(0.03);
    expect(Math.abs(gpuFit(on("A10G")).kvBudgetGiB - 4.6) / 4.6).toBeLessThan(0.03);
  });
});

describe("the budget is CUDA's total, not the EC2 API's MiB", () => {
  it("a T4 budgets 0.9 × 14.74 GiB (CUDA), not 0.9 × 16 GiB (API)", () => {
    expect(gpuFit(on("T4", { precision: "fp16" })).budgetGiB).toBeCloseTo(14.74 * 0.9, 6);
  });

  it("a GPU the catalog lacks keeps the API figure and the conservative 2 GiB overhead", () => {
    const custom = { id: "RTX4090", memoryMiB: 24 * 1024, bf16: true, fp8: true };
    const fit = gpuFit(on("L4", { gpu: custom }));
    expect(fit.budgetGiB).toBeCloseTo(24 * 0.9, 6);
    expect(fit.overheadGiB).toBe(2);
  });
});
