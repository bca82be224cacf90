// Paths inside the service containers, and the start scripts of the services whose secrets must sit in files on
// a Docker host (Prometheus' key to the gateway's metrics, Alertmanager's receivers). Kubernetes mounts those from
// the layer Secret instead.
import { ALERTMANAGER_SECRET_FILES } from "./alertmanagerConfig";
import { GATEWAY_METRICS_KEY_FILE, PROMETHEUS_RULES_FILE } from "./prometheusConfig";

/** Where LiteLLM reads its config (a directory of its own: /app holds LiteLLM's code in the image). */
export const LITELLM_CONFIG_PATH = "/etc/litellm/config.yaml";
export const PROMETHEUS_CONFIG_PATH = "/etc/prometheus/prometheus.yml";
/** The rules file, where prometheus.yml names it (relative to its directory). */
export const PROMETHEUS_RULES_PATH = `/etc/prometheus/${PROMETHEUS_RULES_FILE}`;
export const ALERTMANAGER_CONFIG_PATH = "/etc/alertmanager/alertmanager.yml";
/** Grafana's provisioning files (the image's GF_PATHS_PROVISIONING is /etc/grafana/provisioning). */
export const GRAFANA_PROVISIONING_PATHS = {
  datasources: "/etc/grafana/provisioning/datasources/ai-layer.yaml",
  dashboards: "/etc/grafana/provisioning/dashboards/ai-layer.yaml",
} as const;
/** Env var carrying the ElastiCache primary endpoint (aws-ec2); the LiteLLM config reads the cache host from it. */
export const REDIS_HOST_ENV = "REDIS_HOST";
/** Prometheus runs as `nobody`, which cannot write under /etc/prometheus; the start script works in /tmp. */
const PROMETHEUS_RUN_DIR = "/tmp/ai-layer-prometheus";

/**
 * Prometheus' start script: copy the config and its rules file next to a key file written from the env, then
 * exec Prometheus (relative paths in prometheus.yml resolve against the run dir). The key never enters
 * prometheus.yml or a rendered file (both end up in the Pulumi state). Kubernetes mounts the key as a file instead.
 */
export function prometheusStartScript(retentionDays: number, port: number): string {
  return [
    "set -eu",
    "umask 077",
    `mkdir -p "${PROMETHEUS_RUN_DIR}/$(dirname ${GATEWAY_METRICS_KEY_FILE})" ` +
      `"${PROMETHEUS_RUN_DIR}/$(dirname ${PROMETHEUS_RULES_FILE})"`,
    `cp ${PROMETHEUS_CONFIG_PATH} ${PROMETHEUS_RUN_DIR}/prometheus.yml`,
    `cp ${PROMETHEUS_RULES_PATH} ${PROMETHEUS_RUN_DIR}/${PROMETHEUS_RULES_FILE}`,
    `printf '%s' "$GATEWAY_MASTER_KEY" > ${PROMETHEUS_RUN_DIR}/${GATEWAY_METRICS_KEY_FILE}`,
    `exec /bin/prometheus --config.file=${PROMETHEUS_RUN_DIR}/prometheus.yml --storage.tsdb.path=/prometheus ` +
      `--storage.tsdb.retention.time=${retentionDays}d --web.listen-address=:${port}`,
  ].join("\n");
}

/**
 * Alertmanager's start script: write the receivers' secrets from the env into the files alertmanager.yml names,
 * then exec Alertmanager. The image runs as nobody, which owns /etc/alertmanager (its Dockerfile chowns it).
 */
export function alertmanagerStartScript(port: number): string {
  const file = ALERTMANAGER_SECRET_FILES;
  return [
    "set -eu",
    "umask 077",
    `mkdir -p ${file.slackWebhookUrl.slice(0, file.slackWebhookUrl.lastIndexOf("/"))}`,
    `if [ -n "\${SLACK_WEBHOOK_URL:-}" ]; then printf '%s' "$SLACK_WEBHOOK_URL" > ${file.slackWebhookUrl}; fi`,
    `if [ -n "\${PAGERDUTY_ROUTING_KEY:-}" ]; then printf '%s' "$PAGERDUTY_ROUTING_KEY" > ${file.pagerdutyRoutingKey}; fi`,
    `exec /bin/alertmanager --config.file=${ALERTMANAGER_CONFIG_PATH} --storage.path=/alertmanager --web.listen-address=:${port}`,
  ].join("\n");
}

/** The arguments after LiteLLM's entrypoint. One worker: several would each keep their own Prometheus counters. */
export const gatewayArgs = (port: number) => [
  "--config",
  LITELLM_CONFIG_PATH,
  "--port",
  String(port),
  "--num_workers",
  "1",
];
