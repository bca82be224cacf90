// The ai-layer gateway and Redis cache in front of an OpenAI-compatible endpoint a team already runs (vLLM,
// TGI, a provider): one key for clients, retries, timeouts and cached answers. Nothing here serves a model.
// The layer spec is TypeScript, checked by the compiler as you type and by parseLayerSpec when it runs.
import * as pulumi from "@pulumi/pulumi";
import { DockerLayer, parseLayerSpec, plan, type LayerSpecInput } from "ai-layer";

const config = new pulumi.Config();
/** Base URL of the existing endpoint, including /v1, e.g. https://llm.internal.example.com/v1. */
const apiBase = config.require("apiBase");
/** The endpoint's own model id; clients keep asking for "chat". */
const upstreamModel = config.get("upstreamModel") ?? "meta-llama/Llama-3.1-8B-Instruct";
/** The key the endpoint expects: `pulumi config set --secret remoteApiKey …`. */
const remoteApiKey = config.requireSecret("remoteApiKey");

const layerSpec = {
  target: { kind: "docker" },
  models: [{ name: "chat", remote: { provider: "openai-compatible", apiBase, model: upstreamModel } }],
  gateway: { timeoutSeconds: 120, numRetries: 2 },
  cache: { ttlSeconds: 3600, maxMemoryMb: 512 },
  // The endpoint's owners already watch it; turn this on for Prometheus and Grafana next to the gateway.
  monitoring: { enabled: false },
} satisfies LayerSpecInput;

const layerPlan = plan(parseLayerSpec(layerSpec), {
  stack: pulumi.getStack(),
  providedSecrets: new Set(["remoteApiKey"]),
});
const layer = new DockerLayer("gateway", { plan: layerPlan, secrets: { remoteApiKey } });

/** OpenAI SDK base URL: clients send `Authorization: Bearer <gatewayMasterKey>` and `model: "chat"`. */
export const openaiBaseUrl = `${layer.gatewayUrl}/v1`;
export const gatewayMasterKey = layer.gatewayMasterKey;
export const models = layerPlan.models.map((m) => m.name);
