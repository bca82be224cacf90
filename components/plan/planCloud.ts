import { findCloudGpu, findGpu, type ModelSpec } from "../catalog";
import { DEFAULTS, formatPath, type ConfigProblem, type ModelEntry } from "../spec";
import { describeMisfit, gpuFit, type GpuFitInput } from "./gpuFit";
import { GATED_ORGS } from "./planKubernetes";
import { servedPrecision } from "./precision";
import { revisionPins } from "./remoteCode";
import { secretEnvName } from "./secrets";
import type { CloudModel } from "./types";

/** A DNS-safe name for a model's endpoint or app, unique per stack: `ai-layer-<stack>-<model>`. */
export function cloudAppName(stack: string, model: string): string {
  return `ai-layer-${stack}-${model}`
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-");
}

/**
 * A Modal web endpoint's OpenAI base URL, known before deploy: `https://<workspace>--<app>-serve.modal.run/v1`
 * (modal.com/docs/guide/webhook-urls). The label after `--` must fit a 63-character DNS label.
 */
export function modalApiBase(workspace: string, appName: string): string | undefined {
  const host = `${workspace}--${appName}-serve`;
  return host.length <= 63 ? `https://${host}.modal.run/v1` : undefined;
}

/**
 * The proxy auth token a Modal endpoint requires (the app renders `@modal.web_server(..., requires_proxy_auth=True)`)
 * the header the gateway sends each part in, and the part's prefix. Modal 1.6.4 modal/cli/workspace.py PROXY_TOKENS_HELP_TEXT: proxy
 * tokens (`wk-` id, `ws-` secret) go in the `Modal-Key` / `Modal-Secret` request headers, and are created with
 * `modal workspace proxy-tokens create` (or in the dashboard; the secret is shown once).
 */
export const MODAL_PROXY_AUTH_KEYS = [
  ["modalProxyTokenId", "Modal-Key", "wk-"],
  ["modalProxyTokenSecret", "Modal-Secret", "ws-"],
] as const;

/** `chat-small` → `CHAT_SMALL`, for env var names. */
export const envName = (name: string) => name.toUpperCase().replace(/[^A-Z0-9]/g, "_");

/**
 * A model on a GPU cloud: the same GPU-fit rule as Kubernetes (the provider's GPU, API-reported memory), the
 * provider's price per worker, and the secrets it needs (there is nothing to generate: the account is theirs).
 */
export function planCloudModel(
  stack: string,
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
  const precision = servedPrecision(model, gpu, entry.precision, (...p) => at("backend", ...p), problems);
  if (!precision) return undefined;
  const needs = backend.kind === "runpod" ? ["runpodApiKey"] : ["modalTokenId", "modalTokenSecret"];
  for (const key of needs) {
    if (!provided.has(key)) {
      problems.push({
        path: at("backend"),
        message: `needs the secret ai-layer:${key}; run: pulumi config set --secret ai-layer:${key} <value>`,
      });
    }
  }
  if (backend.kind === "modal") {
    for (const [key, header, prefix] of MODAL_PROXY_AUTH_KEYS) {
      if (!provided.has(key)) {
        problems.push({
          path: at("backend"),
          message:
            `needs the secret ai-layer:${key} (the gateway sends it as ${header}: the Modal endpoint requires proxy ` +
            `auth); create a proxy token with \`modal workspace proxy-tokens create --name ai-layer\` (or in the ` +
            `Modal dashboard, Settings → Proxy Auth Tokens) and run: pulumi config set --secret ai-layer:${key} ${prefix}…`,
        });
      }
    }
  }
  // The worker downloads the weights itself (Runpod: worker-vllm's HF_TOKEN; Modal: the app's HF_TOKEN secret).
  const repo = entry.huggingFaceRepo ?? model.huggingFaceRepo;
  if (GATED_ORGS.some((o) => repo.startsWith(o)) && !provided.has("hfToken")) {
    problems.push({
      path: at("model"),
      message: `${repo} is gated on Hugging Face and the ${backend.kind} workers download it themselves; accept its licence and run: pulumi config set --secret ai-layer:hfToken hf_…`,
    });
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
  const pins = revisionPins(entry, model, at, problems);
  const appName = cloudAppName(stack, entry.name);
  const modalUrl = backend.kind === "modal" ? modalApiBase(backend.workspace!, appName) : undefined;
  if (backend.kind === "modal" && !modalUrl) {
    problems.push({
      path: at("name"),
      message: `the Modal URL host "${backend.workspace}--${appName}-serve" is longer than 63 characters; use a shorter model name or stack name`,
    });
    return undefined;
  }
  // Runpod authenticates with the account key; a Modal app is protected by vLLM's --api-key (the layer's key).
  const apiKey = backend.kind === "runpod" ? "runpodApiKey" : "vllmApiKey";
  return {
    name: entry.name,
    kind: model.kind,
    runtime: backend.kind,
    catalogId: model.id,
    huggingFaceRepo: repo,
    ...(pins.revision ? { revision: pins.revision } : {}),
    trustRemoteCode: model.trustRemoteCode ?? false,
    ...(pins.codeRevision ? { codeRevision: pins.codeRevision } : {}),
    precision,
    maxModelLen: input.maxModelLen,
    gpu: { type: gpu.id, providerId: offer.providerId, memoryMiB: gpu.memoryMiB, count: backend.gpu.count },
    gpuMemoryUtilization: input.gpuMemoryUtilization,
    fit,
    workers: backend.workers,
    idleTimeoutSeconds: backend.idleTimeoutSeconds,
    ...(backend.workspace ? { workspace: backend.workspace } : {}),
    usdPerWorkerHour: Math.round(offer.usdPerHour * backend.gpu.count * 10_000) / 10_000,
    appName,
    // Modal's URL is known now; Runpod's only once the endpoint exists (the gateway reads it from apiBaseEnv).
    ...(modalUrl ? { apiBase: modalUrl } : {}),
    apiBaseEnv: `${envName(entry.name)}_API_BASE`,
    apiKey: { configKey: apiKey, env: secretEnvName(apiKey) },
    ...(backend.kind === "modal"
      ? {
          proxyAuth: {
            tokenId: { configKey: "modalProxyTokenId", env: secretEnvName("modalProxyTokenId") },
            tokenSecret: { configKey: "modalProxyTokenSecret", env: secretEnvName("modalProxyTokenSecret") },
          },
        }
      : {}),
    image: vllmImage,
  };
}
