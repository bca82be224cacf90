import { findGpu, gpuMemoryGiB, type ModelSpec, type Precision } from "../catalog";
import {
  DEFAULTS,
  formatPath,
  type ConfigProblem,
  type DockerTarget,
  type HostOllama,
  type ModelEntry,
} from "../spec";
import { estimateMemory } from "./memory";
import { dockerHostUrls, type TargetEntry } from "./targetEntry";
import type { OllamaModel, Placement, PlannedTarget, ServiceAddress, ServiceName } from "./types";

/** In-network names and ports on Docker: the renderers and the docker target both read these. */
export const DOCKER_SERVICES: Readonly<Record<ServiceName, ServiceAddress>> = {
  ollama: { host: "ollama", port: 11434 },
  gateway: { host: "litellm", port: 4000 },
  redis: { host: "redis", port: 6379 },
  redisExporter: { host: "redis-exporter", port: 9121 },
  prometheus: { host: "prometheus", port: 9090 },
  grafana: { host: "grafana", port: 3000 },
  alertmanager: { host: "alertmanager", port: 9093 },
};

const round1 = (n: number) => Math.round(n * 10) / 10;

/** Where a model of `totalGiB` goes on a host with `gpuGiB` of GPU memory (0 = none) and `hostGiB` of RAM. */
export function placeOnHost(totalGiB: number, gpuGiB: number, hostGiB: number): Placement | undefined {
  if (gpuGiB > 0 && totalGiB <= gpuGiB) return "gpu";
  if (totalGiB <= gpuGiB + hostGiB) return gpuGiB > 0 ? "gpu+cpu" : "cpu";
  return undefined;
}

export interface SelfHosted {
  readonly entry: ModelEntry;
  readonly index: number;
  readonly model: ModelSpec;
}

/** Ollama models on one Docker host: one server-wide context length, memory checked against GPU + RAM. */
export function planOllamaModels(
  target: DockerTarget,
  hosted: readonly SelfHosted[],
  problems: ConfigProblem[],
  warnings: string[],
): { models: OllamaModel[]; ollamaContextLength: number; perGpuGiB?: number } {
  if (target.ollama.on === "host") return planHostOllamaModels(target.ollama, hosted, problems);
  const gpu = target.gpu;
  const perGpuGiB = gpu ? (gpu.memoryGiB ?? gpuMemoryGiB(findGpu(gpu.type!)!)) : 0;
  const gpuGiB = gpu ? perGpuGiB * gpu.count : 0;
  const ollamaContextLength = serverContextLength(hosted);

  const models = hosted.map((h): OllamaModel => {
    const { entry, model, index } = h;
    const sized = sizeOnOllama(h, ollamaContextLength);
    const { precision, contextLength, memory } = sized;
    const placement = placeOnHost(memory.totalGiB, gpuGiB, target.hostMemoryGiB);
    const need =
      `${model.id} (${entry.ollamaTag ?? model.ollamaTag}, ${precision}) needs about ${round1(memory.totalGiB)} GiB ` +
      `(weights ${round1(memory.weightsGiB)} + KV cache ${round1(memory.kvCacheGiB)} at ${contextLength} tokens + overhead ${round1(memory.overheadGiB)})`;
    if (!placement) {
      problems.push({
        path: formatPath(["models", index, "model"]),
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
    return ollamaModel(h, sized, placement ?? "cpu");
  });
  return { models, ollamaContextLength, ...(gpu ? { perGpuGiB } : {}) };
}

/**
 * Models on the host's own Ollama (target.ollama.on: host): each must fit the memory the user declares for it (on
 * Apple Silicon the Metal share of unified memory — there is no catalog GPU to read it from). Ollama loads one model
 * at a time when memory is short, so each is checked alone, as on the container path.
 */
function planHostOllamaModels(
  ollama: HostOllama,
  hosted: readonly SelfHosted[],
  problems: ConfigProblem[],
): { models: OllamaModel[]; ollamaContextLength: number } {
  const ollamaContextLength = serverContextLength(hosted);
  const placement: Placement = ollama.accelerator === "cpu" ? "cpu" : "gpu";
  const models = hosted.map((h): OllamaModel => {
    const { entry, model, index } = h;
    const sized = sizeOnOllama(h, ollamaContextLength);
    const { precision, contextLength, memory } = sized;
    if (memory.totalGiB > ollama.memoryGiB) {
      problems.push({
        path: formatPath(["models", index, "model"]),
        message:
          `${model.id} (${entry.ollamaTag ?? model.ollamaTag}, ${precision}) needs about ${round1(memory.totalGiB)} GiB ` +
          `at ${contextLength} tokens, but the host's Ollama has ${ollama.memoryGiB} GiB (layer.target.ollama.memoryGiB). ` +
          "Fixes: a smaller model (e.g. llama-3.2-3b-instruct), a shorter contextLength, a more quantized ollamaTag, " +
          "or raise memoryGiB if the machine has it.",
      });
    }
    return ollamaModel(h, sized, placement);
  });
  return { models, ollamaContextLength };
}

/** An Ollama model's precision, context (the server's, capped at the model's maximum) and memory estimate. */
function sizeOnOllama({ entry, model }: SelfHosted, serverContextLength: number) {
  const precision: Precision = entry.precision ?? model.ollamaPrecision;
  const contextLength = Math.min(serverContextLength, model.maxContext);
  return { precision, contextLength, memory: estimateMemory(model, { precision, contextLength }) };
}

const ollamaModel = (
  { entry, model }: SelfHosted,
  sized: ReturnType<typeof sizeOnOllama>,
  placement: Placement,
): OllamaModel => ({
  name: entry.name,
  catalogId: model.id,
  kind: model.kind,
  runtime: "ollama",
  ollamaTag: entry.ollamaTag ?? model.ollamaTag,
  ...sized,
  placement,
});

/**
 * Ollama's context length is one server-wide setting; serve the largest any chat model asks for (each model is
 * capped at its own maximum by Ollama).
 */
function serverContextLength(hosted: readonly SelfHosted[]): number {
  const requested = (h: SelfHosted) =>
    h.entry.contextLength ?? Math.min(DEFAULTS.contextLength, h.model.maxContext);
  const chat = hosted.filter((h) => h.model.kind === "chat");
  return hosted.length ? Math.max(...(chat.length ? chat : hosted).map(requested)) : DEFAULTS.contextLength;
}

/** The docker target: Ollama and the services on one Docker host, which costs what the config says it does. */
export const dockerTarget: TargetEntry<"docker"> = {
  kind: "docker",
  pricing: "docker",
  place(target, ctx) {
    const d = planOllamaModels(target, ctx.hosted, ctx.problems, ctx.warnings);
    return {
      target: { ...target, ...(d.perGpuGiB !== undefined ? { gpuMemoryGiB: d.perGpuGiB } : {}) },
      models: d.models,
      ollamaContextLength: d.ollamaContextLength,
    };
  },
  services: () => DOCKER_SERVICES,
  hourlyUsd: (target) => ({ min: target.costPerHourUsd, max: target.costPerHourUsd }),
  urls: (target, _services, monitoring) => dockerHostUrls(target, monitoring),
};

/** The host's own Ollama of a docker plan, with its URL resolved; undefined when Ollama runs in a container. */
export function hostOllamaOf(
  target: Pick<PlannedTarget, "kind"> & { readonly ollama?: DockerTarget["ollama"] },
): (HostOllama & { readonly url: string }) | undefined {
  if (target.kind !== "docker" || target.ollama?.on !== "host") return undefined;
  return { ...target.ollama, url: target.ollama.url ?? DEFAULTS.target.docker.hostOllama.url };
}

/** Whether the layer runs its own Ollama container: a docker target with Ollama models, not the host's Ollama. */
export const runsOllamaContainer = (plan: {
  readonly target: Pick<PlannedTarget, "kind"> & { readonly ollama?: DockerTarget["ollama"] };
  readonly models: readonly { readonly runtime: string }[];
}): boolean =>
  plan.target.kind === "docker" &&
  plan.models.some((m) => m.runtime === "ollama") &&
  !hostOllamaOf(plan.target);
