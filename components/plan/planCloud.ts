import { findCloudGpu, findGpu, type ModelSpec, type Precision } from "../catalog";
import { DEFAULTS, formatPath, type ConfigProblem, type ModelEntry } from "../spec";
import { describeMisfit, gpuFit, type GpuFitInput } from "./gpuFit";
import { secretEnvName } from "./secrets";
import type { CloudModel } from "./types";

/** `chat-small` → `CHAT_SMALL`, for env var names. */
export const envName = (name: string) => name.toUpperCase().replace(/[^A-Z0-9]/g, "_");

/**
 * A model on a GPU cloud: the same GPU-fit rule as Kubernetes (the provider's GPU, API-reported memory), the
 * provider's price per worker, and the secrets it needs (there is nothing to generate: the account is theirs).
 */
export function planCloudModel(
  entry: ModelEntry,
  index: number,
  model: ModelSpec,
  vllmImage: string,
  provided: ReadonlySet<string>,
  problems: ConfigProblem[],
): CloudModel | undefined {
  const backend = entry.backend!;
  const at = (...p: PropertyKey[]) => formatPath(["models", index, ...p]);
  const offer = findCloudGpu(backend.kind, backend.gpu.type)!;
  const gpu = findGpu(offer.gpu)!;
  const precision: Precision = entry.precision ?? (gpu.bf16 ? "bf16" : "fp16");
  const needs = backend.kind === "runpod" ? ["runpodApiKey"] : ["modalTokenId", "modalTokenSecret"];
  for (const key of needs) {
    if (!provided.has(key)) {
      problems.push({
        path: at("backend"),
        message: `needs the secret ai-layer:${key}; run: pulumi config set --secret ai-layer:${key} <value>`,
      });
    }
  }
  const input: GpuFitInput = {
    model,
    gpu,
    count: backend.gpu.count,
    precision,
    maxModelLen: entry.contextLength ?? Math.min(DEFAULTS.contextLength, model.maxContext),
    gpuMemoryUtilization: entry.gpuMemoryUtilization ?? DEFAULTS.vllm.gpuMemoryUtilization,
    kvBytesPerElement: entry.kvCacheDtype === "fp8" ? 1 : 2,
  };
  const fit = gpuFit(input);
  if (!fit.fits) {
    problems.push({ path: at("backend", "gpu"), message: describeMisfit(input, fit) });
    return undefined;
  }
  // Runpod authenticates with the account key; a Modal app is protected by vLLM's --api-key (the layer's key).
  const apiKey = backend.kind === "runpod" ? "runpodApiKey" : "vllmApiKey";
  return {
    name: entry.name,
    kind: model.kind,
    runtime: backend.kind,
    catalogId: model.id,
    huggingFaceRepo: entry.huggingFaceRepo ?? model.huggingFaceRepo,
    ...(entry.revision ? { revision: entry.revision } : {}),
    precision,
    maxModelLen: input.maxModelLen,
    gpu: { type: gpu.id, providerId: offer.providerId, memoryMiB: gpu.memoryMiB, count: backend.gpu.count },
    gpuMemoryUtilization: input.gpuMemoryUtilization,
    fit,
    workers: backend.workers,
    idleTimeoutSeconds: backend.idleTimeoutSeconds,
    ...(backend.workspace ? { workspace: backend.workspace } : {}),
    usdPerWorkerHour: Math.round(offer.usdPerHour * backend.gpu.count * 10_000) / 10_000,
    apiBaseEnv: `${envName(entry.name)}_API_BASE`,
    apiKey: { configKey: apiKey, env: secretEnvName(apiKey) },
    image: vllmImage,
  };
}
