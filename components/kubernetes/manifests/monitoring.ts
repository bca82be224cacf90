import { createHash } from "node:crypto";
import { posix } from "node:path";
import type { Plan } from "../../plan";
import {
  describeGrafana,
  GATEWAY_METRICS_KEY_FILE,
  GRAFANA_DASHBOARDS_DIR,
  PROMETHEUS_RULES_FILE,
} from "../../render";
import {
  clusterIpService,
  LAYER_SECRET_NAME,
  memoryQuantity,
  meta,
  selector,
  serviceEnv,
  type KubeContext,
  type KubeObject,
} from "./common";
import { dcgmExporterManifests, dcgmScrapeAccess, nvidiaDevicePluginManifests } from "./gpuAgents";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "./podSecurity";

export * from "./gpuAgents";

/** Rendered files the monitoring pods read (from components/render). */
export interface MonitoringFiles {
  /** renderKubernetesPrometheusConfig output. */
  readonly prometheusConfig: string;
  /** renderAlertRules output, mounted where prometheus.yml's rule_files points. */
  readonly alertRules: string;
  /** renderGrafanaDatasources output (URL of the in-cluster Prometheus Service). */
  readonly grafanaDatasources: string;
  /** renderGrafanaDashboardProvider output; its path must be GRAFANA_DASHBOARDS_DIR. */
  readonly grafanaDashboardProvider: string;
  /** Dashboards by file name (`gateway.json`, or the stem `gateway`). */
  readonly dashboards: readonly { readonly name: string; readonly json: string }[];
}

/** Which GPU node agents the layer installs (the cluster may already run them). */
export interface MonitoringOptions {
  readonly dcgm: boolean;
  readonly devicePlugin: boolean;
}

/** Directory of prometheus.yml in the Prometheus container; relative paths in the config resolve against it. */
export const PROMETHEUS_CONFIG_DIR = "/etc/prometheus";
/** Grafana's provisioning root (the image's GF_PATHS_PROVISIONING). */
export const GRAFANA_PROVISIONING_DIR = "/etc/grafana/provisioning";
/** Layer Secret key (the config key, plan/secrets.ts) Prometheus sends LiteLLM as Bearer. */
export const GATEWAY_MASTER_KEY_SECRET_KEY = "gatewayMasterKey";
/** Layer Secret key holding Grafana's admin password. */
export const GRAFANA_ADMIN_PASSWORD_SECRET_KEY = "grafanaAdminPassword";

// prom/prometheus runs as busybox's nobody (65534): prometheus/prometheus Dockerfile (v3 line, the stored revisions;
// the v3.14.0 tag itself was not read) `chown -R nobody:nobody /etc/prometheus /prometheus && chmod g+w /prometheus`,
// `USER nobody`. It writes only under --storage.tsdb.path, an emptyDir here.
const PROMETHEUS_UID = 65534;
// grafana/grafana runs as 472 (Dockerfile `ARG GF_UID="472"`, `ARG GF_GID="0"`; the 13.2.1 tag itself was not read),
// which owns its paths, so the group need not be the image's 0. packaging/docker/run.sh needs GF_PATHS_DATA
// (/var/lib/grafana) writable, creates the plugins directory inside it and forces `log.mode=console`, so no log
// files are written.
const GRAFANA_UID = 472;

/** sha256 of the files a pod reads, as a pod annotation: a changed ConfigMap rolls the Deployment. */
function checksum(...parts: string[]): Record<string, string> {
  const h = createHash("sha256");
  for (const p of parts) h.update(p).update("\0");
  return { "ai-layer.dev/config-checksum": h.digest("hex") };
}

const httpProbe = (path: string, port: number, extra: Record<string, number>) => ({
  httpGet: { path, port },
  ...extra,
});

function configMap(ctx: KubeContext, name: string, component: string, data: Record<string, string>) {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: meta(ctx, name, component), data } as KubeObject;
}

/** First DNS label of a `<name>.<namespace>.svc` host: the Service name. */
const serviceName = (host: string) => host.split(".")[0]!;

/** ConfigMap holding the rules file (renderAlertRules). */
export const PROMETHEUS_RULES_CONFIG_MAP = "prometheus-rules";

/**
 * Prometheus: ServiceAccount + namespaced Role/RoleBinding for service discovery, prometheus.yml and the rules
 * in ConfigMaps, the gateway key mounted where the config's credentials_file points, a Deployment and its Service.
 */
export function prometheusManifests(
  ctx: KubeContext,
  plan: Plan,
  files: Pick<MonitoringFiles, "prometheusConfig" | "alertRules">,
): KubeObject[] {
  const { prometheusConfig, alertRules } = files;
  const name = serviceName(plan.services.prometheus.host);
  const port = plan.services.prometheus.port;
  const m = meta(ctx, name, "prometheus");
  // The key file sits at <config dir>/<GATEWAY_METRICS_KEY_FILE>, the path prometheus.yml names relative to itself.
  const keyDir = posix.join(PROMETHEUS_CONFIG_DIR, posix.dirname(GATEWAY_METRICS_KEY_FILE));
  // Likewise the rules: <config dir>/<PROMETHEUS_RULES_FILE>.
  const rulesDir = posix.join(PROMETHEUS_CONFIG_DIR, posix.dirname(PROMETHEUS_RULES_FILE));
  return [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: m },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: m,
      // kubernetes_sd_configs roles endpoints and pod list/watch these (prometheus docs, kubernetes_sd_config).
      rules: [
        { apiGroups: [""], resources: ["pods", "services", "endpoints"], verbs: ["get", "list", "watch"] },
      ],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: m,
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
      subjects: [{ kind: "ServiceAccount", name, namespace: ctx.namespace }],
    },
    configMap(ctx, "prometheus-config", "prometheus", { "prometheus.yml": prometheusConfig }),
    configMap(ctx, PROMETHEUS_RULES_CONFIG_MAP, "prometheus", {
      [posix.basename(PROMETHEUS_RULES_FILE)]: alertRules,
    }),
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: m,
      spec: {
        replicas: 1,
        // One TSDB per pod on an emptyDir: replace the pod rather than run two scraping side by side.
        strategy: { type: "Recreate" },
        selector: { matchLabels: selector("prometheus", name) },
        template: {
          metadata: { labels: m.labels, annotations: checksum(prometheusConfig, alertRules) },
          spec: {
            serviceAccountName: name,
            securityContext: restrictedPodSecurityContext(PROMETHEUS_UID),
            containers: [
              {
                name: "prometheus",
                image: plan.images.prometheus,
                args: [
                  `--config.file=${PROMETHEUS_CONFIG_DIR}/prometheus.yml`,
                  "--storage.tsdb.path=/prometheus",
                  `--storage.tsdb.retention.time=${plan.monitoring.retentionDays}d`,
                  `--web.listen-address=:${port}`,
                ],
                ports: [{ name: "http", containerPort: port, protocol: "TCP" }],
                // Prometheus management API (docs/management_api.md): /-/ready answers once the TSDB is open
                // (after the WAL replay), /-/healthy always, so liveness never kills a long replay.
                readinessProbe: httpProbe("/-/ready", port, {
                  initialDelaySeconds: 10,
                  periodSeconds: 5,
                  timeoutSeconds: 4,
                }),
                livenessProbe: httpProbe("/-/healthy", port, {
                  initialDelaySeconds: 30,
                  periodSeconds: 15,
                  timeoutSeconds: 10,
                  failureThreshold: 3,
                }),
                resources: {
                  requests: { cpu: "200m", memory: "512Mi" },
                  limits: { cpu: "1", memory: "2Gi" },
                },
                // Writes only its TSDB (/prometheus, an emptyDir).
                securityContext: restrictedContainerSecurityContext(true),
                volumeMounts: [
                  { name: "config", mountPath: PROMETHEUS_CONFIG_DIR, readOnly: true },
                  // Nested inside the config mount: the kubelet creates the mount point for read-only API data
                  // volumes (kubernetes/kubernetes#60342), so the key lands at <config dir>/secrets/….
                  { name: "gateway-key", mountPath: keyDir, readOnly: true },
                  { name: "rules", mountPath: rulesDir, readOnly: true },
                  { name: "data", mountPath: "/prometheus" },
                ],
              },
            ],
            volumes: [
              { name: "config", configMap: { name: "prometheus-config" } },
              { name: "rules", configMap: { name: PROMETHEUS_RULES_CONFIG_MAP } },
              {
                name: "gateway-key",
                secret: {
                  secretName: LAYER_SECRET_NAME,
                  items: [
                    { key: GATEWAY_MASTER_KEY_SECRET_KEY, path: posix.basename(GATEWAY_METRICS_KEY_FILE) },
                  ],
                  defaultMode: 0o440,
                },
              },
              // Metrics live for the pod's lifetime; a PVC is a later option (retention is days, not months).
              { name: "data", emptyDir: { sizeLimit: "10Gi" } },
            ],
          },
        },
      },
    },
    clusterIpService(ctx, name, "prometheus", name, port),
  ];
}

/** Grafana: provisioning ConfigMaps (datasource, dashboard provider, dashboards), a Deployment and its Service. */
export function grafanaManifests(ctx: KubeContext, plan: Plan, files: MonitoringFiles): KubeObject[] {
  const name = serviceName(plan.services.grafana.host);
  const port = plan.services.grafana.port;
  const m = meta(ctx, name, "grafana");
  const fileName = (n: string) => (n.endsWith(".json") ? n : `${n}.json`);
  const dashboards = Object.fromEntries(files.dashboards.map((d) => [fileName(d.name), d.json]));
  const mounts = [
    {
      name: "datasources",
      configMap: "grafana-datasources",
      path: `${GRAFANA_PROVISIONING_DIR}/datasources`,
    },
    {
      name: "dashboard-provider",
      configMap: "grafana-dashboard-provider",
      path: `${GRAFANA_PROVISIONING_DIR}/dashboards`,
    },
    // The provider (renderGrafanaDashboardProvider) reads GRAFANA_DASHBOARDS_DIR: mount the dashboards there.
    { name: "dashboards", configMap: "grafana-dashboards", path: GRAFANA_DASHBOARDS_DIR },
  ];
  // The same image and env as on every target (describeGrafana); the files mount as ConfigMaps below.
  const service = describeGrafana(plan);
  return [
    configMap(ctx, "grafana-datasources", "grafana", { "ai-layer.yaml": files.grafanaDatasources }),
    configMap(ctx, "grafana-dashboard-provider", "grafana", {
      "ai-layer.yaml": files.grafanaDashboardProvider,
    }),
    configMap(ctx, "grafana-dashboards", "grafana", dashboards),
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: m,
      spec: {
        replicas: 1,
        // SQLite on an emptyDir: one pod at a time.
        strategy: { type: "Recreate" },
        selector: { matchLabels: selector("grafana", name) },
        template: {
          metadata: {
            labels: m.labels,
            annotations: checksum(
              files.grafanaDatasources,
              files.grafanaDashboardProvider,
              ...Object.values(dashboards),
            ),
          },
          spec: {
            securityContext: restrictedPodSecurityContext(GRAFANA_UID),
            // Grafana reads no Kubernetes API.
            automountServiceAccountToken: false,
            containers: [
              {
                name: "grafana",
                image: service.image,
                env: serviceEnv(service),
                ports: [{ name: "http", containerPort: port, protocol: "TCP" }],
                // /api/health is unauthenticated and checks the database (grafana/helm-charts grafana values).
                readinessProbe: httpProbe("/api/health", port, { periodSeconds: 10, timeoutSeconds: 5 }),
                livenessProbe: httpProbe("/api/health", port, {
                  initialDelaySeconds: 60,
                  timeoutSeconds: 30,
                  failureThreshold: 10,
                }),
                resources: {
                  requests: { cpu: "100m", memory: "256Mi" },
                  limits: { cpu: "500m", memory: memoryQuantity(service.memoryMb!) },
                },
                // Root filesystem left writable: grafana/helm-charts' chart does not run it read-only either, and
                // nothing here shows every path the image writes besides /var/lib/grafana.
                securityContext: restrictedContainerSecurityContext(false),
                volumeMounts: [
                  ...mounts.map((v) => ({ name: v.name, mountPath: v.path, readOnly: true })),
                  { name: "data", mountPath: "/var/lib/grafana" },
                ],
              },
            ],
            volumes: [
              ...mounts.map((v) => ({ name: v.name, configMap: { name: v.configMap } })),
              // Dashboards and datasources are provisioned and the admin password comes from the Secret, so
              // nothing in the data dir needs to survive a restart.
              { name: "data", emptyDir: { sizeLimit: "1Gi" } },
            ],
          },
        },
      },
    },
    clusterIpService(ctx, name, "grafana", name, port),
  ];
}

/**
 * Every monitoring object of the kubernetes target: Prometheus, Grafana and, as chosen, the DCGM exporter
 * (GPU metrics) and the NVIDIA device plugin (in kube-system; needed on AL2023 NVIDIA nodes, already present on
 * Bottlerocket, runtime-facts.md §E).
 */
export function monitoringManifests(
  ctx: KubeContext,
  plan: Plan,
  files: MonitoringFiles,
  opts: MonitoringOptions,
): KubeObject[] {
  return [
    ...prometheusManifests(ctx, plan, files),
    ...grafanaManifests(ctx, plan, files),
    ...(opts.dcgm
      ? [
          ...dcgmExporterManifests(ctx, plan),
          ...dcgmScrapeAccess(ctx, serviceName(plan.services.prometheus.host)),
        ]
      : []),
    ...(opts.devicePlugin ? nvidiaDevicePluginManifests(ctx, plan) : []),
  ];
}
