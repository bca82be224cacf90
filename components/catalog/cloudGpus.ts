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
  /** USD per GPU-second while a worker runs (both providers bill by the second). */
  readonly usdPerSecond: number;
  /** The same per GPU-hour. */
  readonly usdPerHour: number;
  /** Where the price comes from. */
  readonly source: string;
}

const RUNPOD_PRICING = "docs.runpod.io/serverless/pricing (flex), runtime-facts.md §F";
const MODAL_PRICING = "Modal pricing as collected in runtime-facts.md §F [third-party]";

/** An offer from a per-second price; Modal's figures are quoted per hour, so they come in as $/h ÷ 3600. */
const offer = (gpu: string, providerId: string, usdPerSecond: number, source: string): CloudGpuOffer => ({
  gpu,
  providerId,
  usdPerSecond,
  usdPerHour: Math.round(usdPerSecond * 3600 * 10_000) / 10_000,
  source,
});

export const CLOUD_GPUS: Readonly<Record<CloudProvider, readonly CloudGpuOffer[]>> = {
  runpod: [
    offer("L4", "NVIDIA L4", 0.00019, RUNPOD_PRICING),
    offer("L40S", "NVIDIA L40S", 0.00053, RUNPOD_PRICING),
    offer("A100-80GB", "NVIDIA A100 80GB PCIe", 0.00076, RUNPOD_PRICING),
    offer("H100", "NVIDIA H100 80GB HBM3", 0.00116, RUNPOD_PRICING),
  ],
  modal: [
    offer("T4", "T4", 0.5904 / 3600, MODAL_PRICING),
    offer("L4", "L4", 0.7992 / 3600, MODAL_PRICING),
    offer("A10G", "A10G", 1.1 / 3600, `${MODAL_PRICING}; A10G from memory`),
    offer("L40S", "L40S", 1.9512 / 3600, MODAL_PRICING),
    offer("A100-80GB", "A100-80GB", 2.4984 / 3600, MODAL_PRICING),
    offer("H100", "H100", 3.9492 / 3600, MODAL_PRICING),
  ],
};

export function findCloudGpu(provider: CloudProvider, gpu: string): CloudGpuOffer | undefined {
  return CLOUD_GPUS[provider].find((o) => o.gpu.toLowerCase() === gpu.toLowerCase());
}
