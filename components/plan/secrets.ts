import type { SecretNeed } from "./types";

/** The secrets a layer may need. Config keys are top-level `ai-layer:<key>` secrets, never inside `layer`. */
export const LAYER_SECRETS = [
  {
    configKey: "gatewayMasterKey",
    purpose: "LiteLLM master key (clients send it as Bearer)",
    env: "LITELLM_MASTER_KEY",
  },
  { configKey: "redisPassword", purpose: "Redis cache password", env: "REDIS_PASSWORD" },
  { configKey: "grafanaAdminPassword", purpose: "Grafana admin password", env: "GF_SECURITY_ADMIN_PASSWORD" },
  { configKey: "vllmApiKey", purpose: "Key vLLM servers require from the gateway", env: "VLLM_API_KEY" },
  { configKey: "hfToken", purpose: "Hugging Face token for gated repositories", env: "HF_TOKEN" },
  { configKey: "openaiApiKey", purpose: "OpenAI API key (remote models)", env: "OPENAI_API_KEY" },
  { configKey: "anthropicApiKey", purpose: "Anthropic API key (remote models)", env: "ANTHROPIC_API_KEY" },
  {
    configKey: "remoteApiKey",
    purpose: "Key of the openai-compatible remote endpoint",
    env: "REMOTE_API_KEY",
  },
  {
    configKey: "runpodApiKey",
    purpose: "Runpod API key (creates endpoints; the gateway sends it)",
    env: "RUNPOD_API_KEY",
  },
  { configKey: "modalTokenId", purpose: "Modal token id (modal deploy)", env: "MODAL_TOKEN_ID" },
  { configKey: "modalTokenSecret", purpose: "Modal token secret (modal deploy)", env: "MODAL_TOKEN_SECRET" },
  {
    configKey: "modalProxyTokenId",
    purpose: "Modal proxy auth token id (wk-…); the gateway sends it as Modal-Key",
    env: "MODAL_PROXY_TOKEN_ID",
  },
  {
    configKey: "modalProxyTokenSecret",
    purpose: "Modal proxy auth token secret (ws-…); the gateway sends it as Modal-Secret",
    env: "MODAL_PROXY_TOKEN_SECRET",
  },
  {
    configKey: "slackWebhookUrl",
    purpose: "Slack incoming-webhook URL alerts are sent to",
    env: "SLACK_WEBHOOK_URL",
  },
  {
    configKey: "pagerdutyRoutingKey",
    purpose: "PagerDuty Events v2 routing key for critical alerts",
    env: "PAGERDUTY_ROUTING_KEY",
  },
] as const;

export type LayerSecretKey = (typeof LAYER_SECRETS)[number]["configKey"];

/** Secrets only a user can supply (nothing to generate). */
export const USER_SUPPLIED: ReadonlySet<LayerSecretKey> = new Set([
  "hfToken",
  "openaiApiKey",
  "anthropicApiKey",
  "remoteApiKey",
  "runpodApiKey",
  "modalTokenId",
  "modalTokenSecret",
  "modalProxyTokenId",
  "modalProxyTokenSecret",
  "slackWebhookUrl",
  "pagerdutyRoutingKey",
]);

export function secretNeeds(
  provided: ReadonlySet<string>,
  wanted: ReadonlySet<LayerSecretKey>,
): SecretNeed[] {
  return LAYER_SECRETS.filter((s) => wanted.has(s.configKey)).map((s) => ({
    ...s,
    generated: !provided.has(s.configKey) && !USER_SUPPLIED.has(s.configKey),
  }));
}

export function secretEnvName(key: LayerSecretKey): string {
  return LAYER_SECRETS.find((s) => s.configKey === key)!.env;
}
