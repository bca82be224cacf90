import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import {
  GATEWAY_METRICS_KEY_FILE,
  GRAFANA_DASHBOARDS_DIR,
  PROMETHEUS_RULES_FILE,
  type RenderedFile,
} from "../render";
import { containerDefaults, envVar, pinnedImage, type DockerPlacement } from "./common";

export const PROMETHEUS_CONFIG_PATH = "/etc/prometheus/prometheus.yml";
/** The rules file, uploaded where prometheus.yml names it (relative to its directory). */
export const PROMETHEUS_RULES_PATH = `/etc/prometheus/${PROMETHEUS_RULES_FILE}`;
/** Prometheus runs as `nobody`, which cannot write under /etc/prometheus; the start script works in /tmp. */
const PROMETHEUS_RUN_DIR = "/tmp/ai-layer-prometheus";

export interface MonitoringArgs extends DockerPlacement {
  /** Pinned Prometheus image reference (IMAGES.prometheus). */
  readonly prometheusImage: string;
  /** Pinned Grafana image reference (IMAGES.grafana). */
  readonly grafanaImage: string;
  /** Rendered prometheus.yml (renderPrometheusConfig). */
  readonly prometheusConfig: RenderedFile;
  /** Rendered recording and alerting rules (renderAlertRules). */
  readonly alertRules: RenderedFile;
  /** Rendered Grafana datasource provisioning (renderGrafanaDatasources), uploaded under /etc/grafana. */
  readonly grafanaDatasources: RenderedFile;
  /** Rendered dashboard provider (renderGrafanaDashboardProvider): where Grafana loads dashboards from. */
  readonly grafanaDashboardProvider: RenderedFile;
  /** Rendered dashboards (dashboardFiles), one JSON file each. */
  readonly dashboards: readonly RenderedFile[];
  /** Gateway master key, for scraping LiteLLM's /metrics (auth required by default since LiteLLM v1.85). Secret. */
  readonly gatewayMasterKey: pulumi.Input<string>;
  /** Grafana `admin` password. Secret. */
  readonly grafanaAdminPassword: pulumi.Input<string>;
  /** How long Prometheus keeps samples, days. */
  readonly retentionDays: number;
  /** Prometheus' network alias and container port (default `prometheus`, 9090). */
  readonly prometheusAddress: { readonly host: string; readonly port: number };
  /** Grafana's network alias and container port (default `grafana`, 3000). */
  readonly grafanaAddress: { readonly host: string; readonly port: number };
  /** Host address and ports Prometheus and Grafana are published on. */
  readonly publish: { readonly ip: string; readonly prometheusPort: number; readonly grafanaPort: number };
}

/**
 * Prometheus' start script: copy the config and its rules file next to a key file written from the env, then
 * exec Prometheus (relative paths in prometheus.yml resolve against the run dir). The key never enters
 * prometheus.yml or an uploaded file (both end up in the Pulumi state).
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

/** Prometheus (scraping the gateway, the Redis exporter and itself) and Grafana with provisioned dashboards. */
export class Monitoring extends pulumi.ComponentResource {
  public readonly prometheus: docker.Container;
  public readonly grafana: docker.Container;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super(
      "ai-layer:index:Monitoring",
      name,
      { prometheusImage: args.prometheusImage, grafanaImage: args.grafanaImage },
      opts,
    );
    const built = createMonitoring(name, args, this);
    this.prometheus = built.prometheus;
    this.grafana = built.grafana;
    this.registerOutputs({});
  }
}

/** @internal */
export function createMonitoring(name: string, args: MonitoringArgs, parent: pulumi.Resource) {
  const promImage = pinnedImage(`${name}-prometheus-image`, args.prometheusImage, parent);
  const promData = new docker.Volume(`${name}-prometheus-data`, {}, { parent });
  const prometheus = new docker.Container(
    `${name}-prometheus`,
    {
      ...containerDefaults(args, "prometheus", args.prometheusAddress.host, args.prometheusImage),
      image: promImage.imageId,
      entrypoints: ["/bin/sh", "-c", prometheusStartScript(args.retentionDays, args.prometheusAddress.port)],
      envs: [envVar("GATEWAY_MASTER_KEY", args.gatewayMasterKey)],
      uploads: [
        { file: PROMETHEUS_CONFIG_PATH, content: args.prometheusConfig.content },
        { file: PROMETHEUS_RULES_PATH, content: args.alertRules.content },
      ],
      volumes: [{ volumeName: promData.name, containerPath: "/prometheus" }],
      ports: [
        { internal: args.prometheusAddress.port, external: args.publish.prometheusPort, ip: args.publish.ip },
      ],
      healthcheck: {
        tests: [
          "CMD",
          "wget",
          "-q",
          "-O",
          "/dev/null",
          `http://localhost:${args.prometheusAddress.port}/-/healthy`,
        ],
        interval: "15s",
        timeout: "5s",
        retries: 5,
        startPeriod: "20s",
      },
      wait: true,
      waitTimeout: 180,
    },
    { parent },
  );
  const grafanaImage = pinnedImage(`${name}-grafana-image`, args.grafanaImage, parent);
  const grafana = new docker.Container(
    `${name}-grafana`,
    {
      ...containerDefaults(args, "grafana", args.grafanaAddress.host, args.grafanaImage),
      image: grafanaImage.imageId,
      envs: [
        "GF_SECURITY_ADMIN_USER=admin",
        envVar("GF_SECURITY_ADMIN_PASSWORD", args.grafanaAdminPassword),
        "GF_USERS_ALLOW_SIGN_UP=false",
        "GF_ANALYTICS_REPORTING_ENABLED=false",
        "GF_ANALYTICS_CHECK_FOR_UPDATES=false",
        `GF_SERVER_HTTP_PORT=${args.grafanaAddress.port}`,
      ],
      uploads: [
        {
          file: "/etc/grafana/provisioning/datasources/ai-layer.yaml",
          content: args.grafanaDatasources.content,
        },
        {
          file: "/etc/grafana/provisioning/dashboards/ai-layer.yaml",
          content: args.grafanaDashboardProvider.content,
        },
        ...args.dashboards.map((d) => ({
          file: `${GRAFANA_DASHBOARDS_DIR}/${d.path.split("/").pop()}`,
          content: d.content,
        })),
      ],
      ports: [
        { internal: args.grafanaAddress.port, external: args.publish.grafanaPort, ip: args.publish.ip },
      ],
      healthcheck: {
        tests: [
          "CMD",
          "curl",
          "-fsS",
          "-o",
          "/dev/null",
          `http://localhost:${args.grafanaAddress.port}/api/health`,
        ],
        interval: "15s",
        timeout: "5s",
        retries: 5,
        startPeriod: "30s",
      },
      wait: true,
      waitTimeout: 180,
    },
    { parent, dependsOn: [prometheus] },
  );
  return { promImage, promData, prometheus, grafanaImage, grafana };
}
