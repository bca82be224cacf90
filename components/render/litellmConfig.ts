import {
  isCloud,
  isOllama,
  isRemote,
  isVllm,
  type CloudModel,
  type OllamaModel,
  type Plan,
  type RemoteModel,
  type VllmModel,
} from "../plan";
import { yamlFile } from "./yamlFile";

/** Where the gateway reaches each backend; the only part of the LiteLLM config that differs per target. */
export interface GatewayEndpoints {
  /** Base URL of the Ollama server as the gateway sees it (no `/v1`: `ollama_chat/` calls `/api/chat`). */
  readonly ollama?: string;
  /**
   * The Ollama server is not the layer's (the host's own app, whose OLLAMA_CONTEXT_LENGTH we do not set): send the
   * planned context length with each chat request instead (`num_ctx`, which LiteLLM's ollama_chat puts in the
   * request's `options`: litellm/llms/ollama/chat/transformation.py OllamaChatConfig). Default false.
   */
  readonly ollamaSendsContextLength?: boolean;
  /** Base URL of one vLLM track (a Deployment's Service), ending in `/v1` as LiteLLM's hosted_vllm expects. */
  readonly vllm?: (trackId: string) => string;
  /**
   * Redis host and port as the gateway sees them (cache enabled only). The host may be an `os.environ/NAME`
   * reference (resolved by LiteLLM at load). `tls`: connect with TLS (ElastiCache with in-transit encryption);
   * default false.
   */
  readonly redis?: { readonly host: string; readonly port: number; readonly tls?: boolean };
}

/** Env vars the gateway container must carry; the config references them with `os.environ/NAME`. */
export const GATEWAY_ENV = {
  masterKey: "LITELLM_MASTER_KEY",
  redisPassword: "REDIS_PASSWORD",
  vllmApiKey: "VLLM_API_KEY",
} as const;

const env = (name: string) => `os.environ/${name}`;

/** Headers Modal's proxy reads a proxy auth token from (modal 1.6.4 modal/_partial_function.py `_web_server`). */
export const MODAL_PROXY_HEADERS = { tokenId: "Modal-Key", tokenSecret: "Modal-Secret" } as const;

/** One model_list entry, loosely typed: each provider adds its own litellm_params. */
interface Deployment {
  model_name: string;
  litellm_params: Record<string, string | number | Record<string, string>>;
  model_info: Record<string, string | number>;
}

/**
 * LiteLLM's provider prefix per model kind on Ollama: `ollama_chat/` is the recommended chat route (POST
 * /api/chat); embeddings go through `ollama/` (POST /api/embed). runtime-facts.md §A2.
 */
function ollamaDeployment(model: OllamaModel, endpoints: GatewayEndpoints): Deployment[] {
  if (!endpoints.ollama)
    throw new Error(`renderLiteLlmConfig: ${model.name} runs on Ollama but no Ollama endpoint was given`);
  const chat = model.kind === "chat";
  return [
    {
      model_name: model.name,
      litellm_params: {
        model: `${chat ? "ollama_chat" : "ollama"}/${model.ollamaTag}`,
        api_base: endpoints.ollama,
        // Keep the model loaded between requests instead of Ollama's 5-minute default.
        keep_alive: "30m",
        ...(chat && endpoints.ollamaSendsContextLength ? { num_ctx: model.contextLength } : {}),
      },
      model_info: {
        id: `${model.name}-ollama`,
        mode: chat ? "chat" : "embedding",
        max_input_tokens: model.contextLength,
      },
    },
  ];
}

/**
 * One deployment per vLLM track. `hosted_vllm/<served name>` with an api_base ending in /v1 (runtime-facts.md
 * §A2); tracks of one name share its traffic by `weight` (simple-shuffle), which is how a canary gets its share.
 */
function vllmDeployments(model: VllmModel, endpoints: GatewayEndpoints): Deployment[] {
  if (!endpoints.vllm)
    throw new Error(`renderLiteLlmConfig: ${model.name} runs on vLLM but no vLLM endpoints were given`);
  return model.tracks.map((track) => ({
    model_name: model.name,
    litellm_params: {
      model: `hosted_vllm/${model.name}`,
      api_base: endpoints.vllm!(track.id),
      api_key: env(GATEWAY_ENV.vllmApiKey),
      ...(model.tracks.length > 1 ? { weight: track.weightPercent } : {}),
    },
    model_info: {
      id: track.id,
      mode: model.kind === "chat" ? "chat" : "embedding",
      max_input_tokens: model.maxModelLen,
    },
  }));
}

/**
 * A model on a GPU cloud (Runpod worker-vllm or a Modal vLLM app): an OpenAI-compatible vLLM server, so the same
 * `hosted_vllm/` route. Its base URL exists only once the endpoint is created, so the config names an env var
 * (`os.environ/…` works in any LiteLLM string value) that the target fills from the endpoint's output.
 *
 * A Modal endpoint requires proxy auth, so its deployment carries `extra_headers` with the token's two parts as
 * `os.environ/` references. From LiteLLM 1.104.9: the proxy resolves `os.environ/` at any depth of the config
 * (litellm/proxy/proxy_server.py ProxyConfig._check_for_os_environ_vars, called on the whole config in
 * load_config), the router passes a deployment's litellm_params to the call as kwargs (litellm/router.py
 * `data = deployment["litellm_params"].copy()` … `**data`), and completion() and embedding() merge `extra_headers`
 * into the request headers that the hosted_vllm handler sends (litellm/main.py: `headers.update(extra_headers)`,
 * then `_complete_hosted_vllm` / the `hosted_vllm` embedding branch pass `headers=`). vLLM's own key still goes
 * as `Authorization: Bearer` (api_key), which is why the token travels in Modal-Key/Modal-Secret and not in Modal's
 * alternative `Authorization: Bearer wk-….ws-…` form (modal 1.6.4 modal/cli/workspace.py PROXY_TOKENS_HELP_TEXT).
 */
function cloudDeployment(model: CloudModel): Deployment[] {
  return [
    {
      model_name: model.name,
      litellm_params: {
        model: `hosted_vllm/${model.name}`,
        api_base: model.apiBase ?? env(model.apiBaseEnv),
        api_key: env(model.apiKey.env),
        ...(model.proxyAuth
          ? {
              extra_headers: {
                [MODAL_PROXY_HEADERS.tokenId]: env(model.proxyAuth.tokenId.env),
                [MODAL_PROXY_HEADERS.tokenSecret]: env(model.proxyAuth.tokenSecret.env),
              },
            }
          : {}),
      },
      model_info: {
        id: `${model.name}-${model.runtime}`,
        mode: model.kind === "chat" ? "chat" : "embedding",
        max_input_tokens: model.maxModelLen,
      },
    },
  ];
}

const REMOTE_PREFIX: Record<RemoteModel["provider"], string> = {
  openai: "openai",
  anthropic: "anthropic",
  "openai-compatible": "openai",
};

/** A hosted API; its key comes from the env like every other secret. */
function remoteDeployment(model: RemoteModel): Deployment[] {
  return [
    {
      model_name: model.name,
      litellm_params: {
        model: `${REMOTE_PREFIX[model.provider]}/${model.remoteModel}`,
        ...(model.apiBase ? { api_base: model.apiBase } : {}),
        api_key: env(model.apiKey.env),
      },
      model_info: { id: `${model.name}-remote`, mode: "chat" },
    },
  ];
}

/** The LiteLLM proxy config.yaml, shared by every target. Secrets appear only as `os.environ/` references. */
export function renderLiteLlmConfig(plan: Plan, endpoints: GatewayEndpoints): string {
  const { gateway, cache } = plan;
  if (cache.enabled && !endpoints.redis)
    throw new Error("renderLiteLlmConfig: the cache is enabled but no Redis endpoint was given");
  const fallbacks = Object.entries(gateway.fallbacks).map(([from, to]) => ({ [from]: to }));
  const config = {
    model_list: plan.models.flatMap((m) =>
      isOllama(m)
        ? ollamaDeployment(m, endpoints)
        : isVllm(m)
          ? vllmDeployments(m, endpoints)
          : isRemote(m)
            ? remoteDeployment(m)
            : isCloud(m)
              ? cloudDeployment(m)
              : [],
    ),
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
              // A redis-py kwarg LiteLLM passes through; its connection pool switches to SSLConnection when set
              // (BerriAI/litellm litellm/_redis.py get_redis_connection_pool).
              ...(endpoints.redis.tls ? { ssl: true } : {}),
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
      // Several gateway replicas share cooldowns and rpm/tpm counters through Redis (host/port/password, not
      // redis_url, which litellm-docs prod.md calls slower).
      ...(gateway.replicas.max > 1 && endpoints.redis
        ? {
            redis_host: endpoints.redis.host,
            redis_port: endpoints.redis.port,
            redis_password: env(GATEWAY_ENV.redisPassword),
            // The router has no TLS flag of its own; cache_kwargs is merged into its Redis client's kwargs
            // (BerriAI/litellm litellm/router.py Router.__init__: cache_config.update(cache_kwargs)).
            ...(endpoints.redis.tls ? { cache_kwargs: { ssl: true } } : {}),
          }
        : {}),
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
