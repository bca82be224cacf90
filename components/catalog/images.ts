/**
 * Pinned container images, one place for every target. Never `latest`/`main-latest`/`main-stable`: a pinned tag
 * makes `up` reproducible and an upgrade a reviewed one-line change.
 */
export const IMAGES = {
  ollama: "ollama/ollama:0.12.6",
  gateway: "ghcr.io/berriai/litellm:v1.80.5-stable.1",
  redis: "redis:7.4.6-alpine",
  redisExporter: "oliver006/redis_exporter:v1.80.0",
  prometheus: "prom/prometheus:v3.7.3",
  grafana: "grafana/grafana:12.2.1",
} as const;
