import type { SecretNeed } from "./types";

/** The secrets every layer has. Config keys are top-level `ai-layer:<key>` secrets, never inside `layer`. */
export const LAYER_SECRETS = [
  {
    configKey: "gatewayMasterKey",
    purpose: "LiteLLM master key (clients send it as Bearer)",
    env: "LITELLM_MASTER_KEY",
  },
  { configKey: "redisPassword", purpose: "Redis cache password", env: "REDIS_PASSWORD" },
  { configKey: "grafanaAdminPassword", purpose: "Grafana admin password", env: "GF_SECURITY_ADMIN_PASSWORD" },
] as const;

export type LayerSecretKey = (typeof LAYER_SECRETS)[number]["configKey"];

export function secretNeeds(
  provided: ReadonlySet<string>,
  opts: { cache: boolean; monitoring: boolean },
): SecretNeed[] {
  return LAYER_SECRETS.filter(
    (s) =>
      (s.configKey !== "redisPassword" || opts.cache) &&
      (s.configKey !== "grafanaAdminPassword" || opts.monitoring),
  ).map((s) => ({ ...s, generated: !provided.has(s.configKey) }));
}
