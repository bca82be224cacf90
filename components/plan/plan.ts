import { findGpu, findModel, gpuMemoryGiB, IMAGES, type ModelSpec, type Precision } from "../catalog";
import {
  DEFAULTS,
  extraModels,
  formatPath,
  HOURS_PER_MONTH,
  LayerConfigError,
  type ConfigProblem,
  type LayerSpec,
} from "../spec";
import { estimateMemory } from "./memory";
import { secretNeeds } from "./secrets";
import type { Placement, Plan, PlannedModel, ServiceAddress, ServiceName } from "./types";

export interface PlanOptions {
  /** Stack name (names resources and appears in the summary). */
  readonly stack: string;
  /** Secret config keys the stack sets (`ai-layer:<key>`); the others are generated. */
  readonly providedSecrets?: ReadonlySet<string>;
}

/** In-network names and ports: the renderers and the docker target both read these, so they cannot drift. */
export const SERVICES: Readonly<Record<ServiceName, ServiceAddress>> = {
  ollama: { host: "ollama", port: 11434 },
  gateway: { host: "litellm", port: 4000 },
  redis: { host: "redis", port: 6379 },
  redisExporter: { host: "redis-exporter", port: 9121 },
  prometheus: { host: "prometheus", port: 9090 },
  grafana: { host: "grafana", port: 3000 },
};

const round1 = (n: number) => Math.round(n * 10) / 10;

/** Where a model of `totalGiB` goes on a host with `gpuGiB` of GPU memory (0 = none) and `hostGiB` of RAM. */
export function placeOnHost(totalGiB: number, gpuGiB: number, hostGiB: number): Placement | undefined {
  if (gpuGiB > 0 && totalGiB <= gpuGiB) return "gpu";
  if (totalGiB <= gpuGiB + hostGiB) return gpuGiB > 0 ? "gpu+cpu" : "cpu";
  return undefined;
}

/**
 * Resolves a parsed spec for its target: runtime names, memory per model and where it fits, addresses, images,
 * secrets, cost. Pure. Throws LayerConfigError (path, numbers, fixes) when a model cannot run on the host.
 */
export function plan(spec: LayerSpec, opts: PlanOptions): Plan {
  const extras = extraModels(spec);
  const target = spec.target;
  const gpu = target.gpu;
  const perGpuGiB = gpu ? (gpu.memoryGiB ?? gpuMemoryGiB(findGpu(gpu.type!)!)) : 0;
  const gpuGiB = gpu ? perGpuGiB * gpu.count : 0;

  const resolved = spec.models.map((entry) => {
    const model = findModel(entry.model, extras) as ModelSpec;
    return {
      entry,
      model,
      requested: entry.contextLength ?? Math.min(DEFAULTS.contextLength, model.maxContext),
    };
  });
  // Ollama's context length is one server-wide setting; serve the largest any chat model asks for (each model is
  // capped at its own maximum by Ollama).
  const chat = resolved.filter((r) => r.model.kind === "chat");
  const ollamaContextLength = Math.max(...(chat.length ? chat : resolved).map((r) => r.requested));

  const problems: ConfigProblem[] = [];
  const warnings: string[] = [];
  const models: PlannedModel[] = resolved.map(({ entry, model }, i) => {
    const precision: Precision = entry.precision ?? model.ollamaPrecision;
    const contextLength = Math.min(ollamaContextLength, model.maxContext);
    const memory = estimateMemory(model, { precision, contextLength });
    const placement = placeOnHost(memory.totalGiB, gpuGiB, target.hostMemoryGiB);
    const need =
      `${model.id} (${entry.ollamaTag ?? model.ollamaTag}, ${precision}) needs about ${round1(memory.totalGiB)} GiB ` +
      `(weights ${round1(memory.weightsGiB)} + KV cache ${round1(memory.kvCacheGiB)} at ${contextLength} tokens + overhead ${round1(memory.overheadGiB)})`;
    if (!placement) {
      problems.push({
        path: formatPath(["models", i, "model"]),
        message:
          `${need}, but the host offers ${gpu ? `${round1(gpuGiB)} GiB of GPU memory and ` : ""}${target.hostMemoryGiB} GiB of RAM ` +
          `(layer.target${gpu ? ".gpu / layer.target" : ""}.hostMemoryGiB). Fixes: a smaller model (e.g. llama-3.1-8b-instruct), ` +
          `a shorter contextLength, a more quantized ollamaTag, a host with more memory (raise hostMemoryGiB if it has it), ` +
          (gpu ? `or a bigger GPU or more of them (target.gpu).` : `or a GPU target (target.gpu).`),
      });
    } else if (placement === "gpu+cpu") {
      warnings.push(
        `${entry.name}: ${need}; only ${round1(gpuGiB)} GiB of GPU memory, so Ollama runs part of it on the CPU (slow).`,
      );
    } else if (placement === "cpu" && model.kind === "chat" && model.paramsB > 4) {
      warnings.push(
        `${entry.name}: ${need}; no GPU configured, so it runs on the CPU (expect a few tokens/s).`,
      );
    }
    return {
      name: entry.name,
      catalogId: model.id,
      kind: model.kind,
      runtime: "ollama",
      ollamaTag: entry.ollamaTag ?? model.ollamaTag,
      precision,
      contextLength,
      memory,
      placement: placement ?? "cpu",
    };
  });
  if (problems.length) throw new LayerConfigError(problems, "The layer does not fit its host");

  const bind = target.bindAddress === "0.0.0.0" ? "localhost" : target.bindAddress;
  const perHourUsd = target.costPerHourUsd;
  return {
    stack: opts.stack,
    target: { ...target, ...(gpu ? { gpuMemoryGiB: perGpuGiB } : {}) },
    models,
    gateway: spec.gateway,
    cache: spec.cache,
    monitoring: spec.monitoring,
    services: SERVICES,
    images: IMAGES,
    ollamaContextLength,
    secrets: secretNeeds(opts.providedSecrets ?? new Set(), {
      cache: spec.cache.enabled,
      monitoring: spec.monitoring.enabled,
    }),
    urls: {
      gateway: `http://${bind}:${target.ports.gateway}`,
      ...(spec.monitoring.enabled
        ? {
            grafana: `http://${bind}:${target.ports.grafana}`,
            prometheus: `http://${bind}:${target.ports.prometheus}`,
          }
        : {}),
    },
    cost: { perHourUsd, perMonthUsd: Math.round(perHourUsd * HOURS_PER_MONTH * 100) / 100 },
    warnings,
  };
}
