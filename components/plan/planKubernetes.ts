import { awsReplicaUsdPerHour, findGpu, weightsOnDisk } from "../catalog";
import { DEFAULTS, formatPath, type ConfigProblem, type KubernetesTarget } from "../spec";
import { describeMisfit, gpuFit, validTensorParallelSizes, type GpuFitInput } from "./gpuFit";
import { estimateMemory } from "./memory";
import { servedPrecision } from "./precision";
import { revisionPins } from "./remoteCode";
import type { SelfHosted } from "./planDocker";
import { clusterUrls, replicaHourlyUsd, type TargetEntry } from "./targetEntry";
import type { ServiceAddress, ServiceName, VllmModel, VllmTrack } from "./types";

/** vLLM's OpenAI server port (runtime-facts.md §B2). */
export const VLLM_PORT = 8000;

/** Hugging Face organisations whose repositories are gated (a token that accepted the licence is needed). */
export const GATED_ORGS = ["meta-llama/", "google/", "mistralai/"];

/** Service addresses inside the cluster: `<name>.<namespace>.svc`. */
export function kubernetesServices(namespace: string): Readonly<Record<ServiceName, ServiceAddress>> {
  const svc = (name: string, port: number) => ({ host: `${name}.${namespace}.svc`, port });
  return {
    ollama: svc("ollama", 11434),
    gateway: svc("litellm", 4000),
    redis: svc("redis", 6379),
    redisExporter: svc("redis-exporter", 9121),
    prometheus: svc("prometheus", 9090),
    grafana: svc("grafana", 3000),
    alertmanager: svc("alertmanager", 9093),
  };
}

/**
 * Namespace of the DCGM exporter the layer runs: its own, because the exporter needs root, SYS_ADMIN and a hostPath
 * (Pod Security Standard `privileged`) while the layer's namespace enforces `restricted`. `<namespace>-dcgm`, cut so
 * it stays a DNS label (at most 63 characters, no trailing dash).
 */
export const dcgmExporterNamespace = (namespace: string) =>
  `${namespace.slice(0, 63 - "-dcgm".length).replace(/-+$/, "")}-dcgm`;

/** Kubernetes name of a vLLM track's Deployment and Service. */
export const vllmResourceName = (trackId: string) => `vllm-${trackId}`;

const ceil = Math.ceil;

/**
 * A canary's replicas: its share of the model's max (at least one), and at least one running unless the model
 * scales to zero, in which case the canary does too.
 */
export function canaryReplicas(model: { min: number; max: number }, weightPercent: number) {
  const max = Math.max(1, ceil((model.max * weightPercent) / 100));
  return { min: model.min === 0 ? 0 : 1, max };
}

/** vLLM models on GPUs: GPU fit checked per model (with fixes), tracks for canaries, cost per replica. */
export function planVllmModels(
  target: Pick<KubernetesTarget, "costPerGpuHourUsd">,
  vllmImage: string,
  hosted: readonly SelfHosted[],
  provided: ReadonlySet<string>,
  problems: ConfigProblem[],
  warnings: string[],
): VllmModel[] {
  const out: VllmModel[] = [];
  for (const { entry, model, index } of hosted) {
    const at = (...p: PropertyKey[]) => formatPath(["models", index, ...p]);
    const gpu = findGpu(entry.gpu!.type)!;
    const count = entry.gpu!.count;
    const precision = servedPrecision(model, gpu, entry.precision, at, problems);
    if (!precision) continue;
    if (precision === "fp8" && !gpu.fp8) {
      warnings.push(
        `${entry.name}: fp8 on ${gpu.id} (no fp8 tensor cores) runs weight-only fp8: it saves memory, not time.`,
      );
    }
    if (!validTensorParallelSizes(model).includes(count)) {
      problems.push({
        path: at("gpu", "count"),
        message: `tensor parallelism must divide ${model.id}'s ${model.heads} attention heads and fit its ${model.kvHeads} KV heads; use one of ${validTensorParallelSizes(model).join(", ")}`,
      });
      continue;
    }
    const repo = entry.huggingFaceRepo ?? model.huggingFaceRepo;
    if (GATED_ORGS.some((o) => repo.startsWith(o)) && !provided.has("hfToken")) {
      problems.push({
        path: at("model"),
        message: `${repo} is gated on Hugging Face; accept its licence and run: pulumi config set --secret ai-layer:hfToken hf_…`,
      });
    }
    const input: GpuFitInput = {
      model,
      gpu,
      count,
      precision,
      maxModelLen: entry.contextLength ?? Math.min(DEFAULTS.contextLength, model.maxContext),
      gpuMemoryUtilization: entry.gpuMemoryUtilization ?? DEFAULTS.vllm.gpuMemoryUtilization,
      kvBytesPerElement: entry.kvCacheDtype === "fp8" ? 1 : 2,
    };
    const fit = gpuFit(input);
    if (!fit.fits) {
      problems.push({ path: at("gpu"), message: describeMisfit(input, fit) });
      continue;
    }
    if (model.kind === "chat" && fit.sequencesAtMaxLen < 4) {
      warnings.push(
        `${entry.name}: the KV cache holds only ${fit.sequencesAtMaxLen} full ${input.maxModelLen}-token sequences per replica; ` +
          `long requests will queue (a shorter contextLength, kvCacheDtype: fp8 or more GPUs raise it).`,
      );
    }
    const pins = revisionPins(entry, model, at, problems);
    const replicas = entry.replicas ?? DEFAULTS.vllm.replicas;
    const canary = entry.canary;
    const stable: VllmTrack = {
      id: entry.name,
      track: "stable",
      weightPercent: 100 - (canary?.weight ?? 0),
      replicas,
      huggingFaceRepo: repo,
      ...(pins.revision ? { revision: pins.revision } : {}),
      image: vllmImage,
    };
    const tracks: VllmTrack[] = [stable];
    if (canary) {
      // Another repository's commit is not this one's: a canary of another repo pins its own revision.
      const revision = canary.revision ?? (canary.huggingFaceRepo ? undefined : pins.revision);
      if (model.trustRemoteCode && canary.huggingFaceRepo && !revision)
        problems.push({
          path: at("canary", "revision"),
          message: `${model.id} runs remote code (vLLM --trust-remote-code); set ${at("canary", "revision")} to the commit sha of ${canary.huggingFaceRepo}`,
        });
      tracks.push({
        id: `${entry.name}-canary`,
        track: "canary",
        weightPercent: canary.weight,
        replicas: canaryReplicas(replicas, canary.weight),
        huggingFaceRepo: canary.huggingFaceRepo ?? repo,
        ...(revision ? { revision } : {}),
        image: canary.image ?? vllmImage,
      });
    }
    // A configured $/GPU-hour prices GPUs; otherwise a replica costs the AWS instance that carries its GPUs,
    // shared only by the replicas that fit on it (a 4 × A10G replica pays a whole g5.12xlarge).
    const catalogUsd = awsReplicaUsdPerHour(gpu.id, count);
    const usdPerReplicaHour =
      target.costPerGpuHourUsd !== undefined ? target.costPerGpuHourUsd * count : catalogUsd;
    const unpriced =
      usdPerReplicaHour === undefined
        ? `the catalog has no AWS price for ${count} × ${gpu.id}; set target.costPerGpuHourUsd to what a GPU-hour costs you`
        : undefined;
    if (unpriced) warnings.push(`${entry.name}: unpriced: ${unpriced}. Its $/h is left out of every total.`);
    out.push({
      name: entry.name,
      kind: model.kind,
      runtime: "vllm",
      catalogId: model.id,
      precision,
      maxModelLen: input.maxModelLen,
      gpu: { type: gpu.id, memoryMiB: gpu.memoryMiB, count },
      gpuMemoryUtilization: input.gpuMemoryUtilization,
      kvCacheDtype: entry.kvCacheDtype ?? "auto",
      fit,
      memory: estimateMemory(model, {
        precision,
        contextLength: input.maxModelLen,
        kvBytesPerElement: input.kvBytesPerElement,
      }),
      replicas,
      tracks,
      weightCacheGiB: ceil(weightsOnDisk(model, precision) * 1.2 + 5),
      trustRemoteCode: model.trustRemoteCode ?? false,
      ...(pins.codeRevision ? { codeRevision: pins.codeRevision } : {}),
      usdPerReplicaHour: Math.round((usdPerReplicaHour ?? 0) * 10_000) / 10_000,
      ...(unpriced ? { unpriced } : {}),
    });
  }
  return out;
}

/** The kubernetes target: vLLM on an existing cluster's GPU nodes, priced per GPU-hour. */
export const kubernetesTarget: TargetEntry<"kubernetes"> = {
  kind: "kubernetes",
  pricing: "kubernetes",
  place: (target, ctx) => ({
    target,
    models: planVllmModels(target, ctx.vllmImage, ctx.hosted, ctx.provided, ctx.problems, ctx.warnings),
  }),
  services: (target) => kubernetesServices(target.namespace),
  hourlyUsd: (_target, models) => replicaHourlyUsd(models),
  urls: (_target, services, monitoring) => clusterUrls(services, monitoring),
};
