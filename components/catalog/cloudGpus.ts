/**
 * GPU clouds that rent GPUs by the second, and their prices per GPU-hour. Sources: Runpod serverless "flex"
 * prices (docs.runpod.io/serverless/pricing, $/s × 3600); Modal's published per-second prices as collected in
 * ../shared/reference/runtime-facts.md §F (third-party, "verified 2026-05-07"; A10G from memory). GPU memory
 * and bandwidth come from the shared GPU catalog (gpus.ts), so the fit check is the same as on Kubernetes.
 */
export type CloudProvider = "runpod" | "modal";

export interface CloudGpuOffer {
  /** GPU catalog id (gpus.ts). */
  readonly gpu: string;
  /** What the provider's API calls it. */
  readonly providerId: string;
  /** USD per GPU-hour while a worker runs. */
  readonly usdPerHour: number;
  /** Where the price comes from. */
  readonly source: string;
}

const RUNPOD_PRICING = "docs.runpod.io/serverless/pricing (flex), runtime-facts.md §F";
const MODAL_PRICING = "Modal pricing as collected in runtime-facts.md §F [third-party]";

export const CLOUD_GPUS: Readonly<Record<CloudProvider, readonly CloudGpuOffer[]>> = {
  runpod: [
    { gpu: "L4", providerId: "NVIDIA L4", usdPerHour: 0.00019 * 3600, source: RUNPOD_PRICING },
    { gpu: "L40S", providerId: "NVIDIA L40S", usdPerHour: 0.00053 * 3600, source: RUNPOD_PRICING },
    {
      gpu: "A100-80GB",
      providerId: "NVIDIA A100 80GB PCIe",
      usdPerHour: 0.00076 * 3600,
      source: RUNPOD_PRICING,
    },
    { gpu: "H100", providerId: "NVIDIA H100 80GB HBM3", usdPerHour: 0.00116 * 3600, source: RUNPOD_PRICING },
  ],
  modal: [
    { gpu: "T4", providerId: "T4", usdPerHour: 0.5904, source: MODAL_PRICING },
    { gpu: "L4", providerId: "L4", usdPerHour: 0.7992, source: MODAL_PRICING },
    { gpu: "A10G", providerId: "A10G", usdPerHour: 1.1, source: `${MODAL_PRICING}; A10G from memory` },
    { gpu: "L40S", providerId: "L40S", usdPerHour: 1.9512, source: MODAL_PRICING },
    { gpu: "A100-80GB", providerId: "A100-80GB", usdPerHour: 2.4984, source: MODAL_PRICING },
    { gpu: "H100", providerId: "H100", usdPerHour: 3.9492, source: MODAL_PRICING },
  ],
};

export function findCloudGpu(provider: CloudProvider, gpu: string): CloudGpuOffer | undefined {
  return CLOUD_GPUS[provider].find((o) => o.gpu.toLowerCase() === gpu.toLowerCase());
}
