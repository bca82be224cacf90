import type { Plan, PlannedModel } from "../plan";
import { yamlFile } from "./yamlFile";

/** Where the gateway reaches each backend; the only part of the LiteLLM config that differs per target. */
export interface GatewayEndpoints {
  /** Base URL of the Ollama server as the gateway sees it (no `/v1`: `ollama_chat/` calls `/api/chat`). */
  readonly ollama: string;
  /** Redis host and port as the gateway sees them (cache enabled only). */
  readonly redis?: { readonly host: string; readonly port: number };
}

/** Env vars the gateway container must carry; the config references them with `os.environ/NAME`. */
export const GATEWAY_ENV = { masterKey: "LITELLM_MASTER_KEY", redisPassword: "REDIS_PASSWORD" } as const;

const env = (name: string) => `os.environ/${name}`;

/**
 * LiteLLM's provider prefix per model kind on Ollama: `ollama_chat/` is the recommended chat route (POST
 * /api/chat); embeddings go through `ollama/` (POST /api/embed). runtime-facts.md §A2.
 */
function ollamaDeployment(model: PlannedModel, endpoints: GatewayEndpoints) {
  const chat = model.kind === "chat";
  return {
    model_name: model.name,
    litellm_params: {
      model: `${chat ? "ollama_chat" : "ollama"}/${model.ollamaTag}`,
      api_base: endpoints.ollama,
      // Keep the model loaded between requests instead of Ollama's 5-minute default.
      keep_alive: "30m",
    },
    model_info: {
      id: `${model.name}-ollama`,
      mode: chat ? "chat" : "embedding",
      max_input_tokens: model.contextLength,
    },
  };
}

/** The LiteLLM proxy config.yaml, shared by every target. Secrets appear only as `os.environ/` references. */
export function renderLiteLlmConfig(plan: Plan, endpoints: GatewayEndpoints): string {
  const { gateway, cache } = plan;
  if (cache.enabled && !endpoints.redis)
    throw new Error("renderLiteLlmConfig: the cache is enabled but no Redis endpoint was given");
  const fallbacks = Object.entries(gateway.fallbacks).map(([from, to]) => ({ [from]: to }));
  const config = {
    model_list: plan.models.map((m) => ollamaDeployment(m, endpoints)),
    litellm_settings: {
      drop_params: gateway.dropParams,
      request_timeout: gateway.timeoutSeconds,
      json_logs: true,
      callbacks: ["prometheus"],
      ...(cache.enabled && endpoints.redis
        ? {
            cache: true,
            cache_params: {
              type: "redis",
              host: endpoints.redis.host,
              port: endpoints.redis.port,
              password: env(GATEWAY_ENV.redisPassword),
              ttl: cache.ttlSeconds,
              namespace: "litellm.cache",
              // The proxy calls the async variants; listing them keeps the cache on for chat and embeddings.
              supported_call_types: ["acompletion", "atext_completion", "aembedding"],
            },
          }
        : {}),
    },
    router_settings: {
      routing_strategy: gateway.routingStrategy,
      // Set explicitly: the code default (2) and the docs (3) disagree, and the timeout default is 6000 s.
      num_retries: gateway.numRetries,
      timeout: gateway.timeoutSeconds,
      stream_timeout: gateway.streamTimeoutSeconds,
      allowed_fails: gateway.allowedFails,
      cooldown_time: gateway.cooldownSeconds,
      // Needed for LiteLLM to enforce max_input_tokens before calling a self-hosted model.
      enable_pre_call_checks: true,
      ...(fallbacks.length ? { fallbacks } : {}),
    },
    general_settings: {
      master_key: env(GATEWAY_ENV.masterKey),
    },
  };
  return yamlFile(
    `LiteLLM proxy config for stack "${plan.stack}", rendered by ai-layer (renderLiteLlmConfig).\nSecrets are read from the environment (os.environ/…); none is written here.`,
    config,
  );
}
