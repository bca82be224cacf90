import type { Plan } from "../plan";
import { yamlFile } from "./yamlFile";

/** Scrape targets as Prometheus reaches them (`host:port`); the only part that differs per target. */
export interface ScrapeTargets {
  readonly gateway: string;
  readonly redisExporter?: string;
  readonly prometheus: string;
}

/**
 * File holding the gateway master key, relative to prometheus.yml (Prometheus resolves relative paths against
 * the config file's directory). LiteLLM's /metrics requires auth by default since v1.85 (runtime-facts.md §A8);
 * sending the key works with either default, and the key never enters prometheus.yml.
 */
export const GATEWAY_METRICS_KEY_FILE = "secrets/gateway-master-key";

export function renderPrometheusConfig(plan: Plan, targets: ScrapeTargets): string {
  const interval = `${plan.monitoring.scrapeIntervalSeconds}s`;
  const config = {
    global: {
      scrape_interval: interval,
      evaluation_interval: interval,
      external_labels: { stack: plan.stack },
    },
    scrape_configs: [
      {
        job_name: "litellm",
        // /metrics answers 307 -> /metrics/ (BerriAI/litellm#30079, #33676): scrape the canonical path directly.
        metrics_path: "/metrics/",
        authorization: { type: "Bearer", credentials_file: GATEWAY_METRICS_KEY_FILE },
        static_configs: [{ targets: [targets.gateway], labels: { service: "gateway" } }],
      },
      ...(targets.redisExporter
        ? [
            {
              job_name: "redis",
              static_configs: [{ targets: [targets.redisExporter], labels: { service: "cache" } }],
            },
          ]
        : []),
      {
        job_name: "prometheus",
        static_configs: [{ targets: [targets.prometheus], labels: { service: "monitoring" } }],
      },
    ],
  };
  return yamlFile(
    `Prometheus config for stack "${plan.stack}", rendered by ai-layer (renderPrometheusConfig).`,
    config,
  );
}
