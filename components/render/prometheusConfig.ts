import { isVllm, VLLM_PORT, type Plan } from "../plan";
import { yamlFile } from "./yamlFile";

/** Static scrape targets as Prometheus reaches them (`host:port`): the docker target. */
export interface StaticScrapeTargets {
  readonly gateway: string;
  readonly redisExporter?: string;
  readonly prometheus: string;
  /** vLLM servers on EC2 instances, listed by the control host into a file_sd file (aws-ec2). Default: none. */
  readonly vllmEc2?: Ec2VllmDiscovery;
}

/** Where the control host finds the vLLM instances of an aws-ec2 stack: by tag, in one region. */
export interface Ec2VllmDiscovery {
  /** AWS region the instances run in (the EC2 API endpoint the host calls). */
  readonly region: string;
  /** Port vLLM serves /metrics on inside every instance (TCP port). */
  readonly port: number;
  /** Stack name: only running instances tagged `ai-layer.dev/stack` = this are scraped. */
  readonly stack: string;
}

/**
 * Tags every vLLM instance of an aws-ec2 stack carries; the `vllm` job selects on the stack and copies model and
 * track into the same target labels the kubernetes job copies from pod labels (the dashboards and alerts read
 * `model` and `track`). The instance-side code must tag with these keys.
 */
export const FLEET_INSTANCE_TAGS = {
  stack: "ai-layer.dev/stack",
  model: "ai-layer.dev/model",
  track: "ai-layer.dev/track",
} as const;

/** Service discovery in a namespace instead of fixed addresses: the kubernetes target. */
export interface KubernetesScrapeTargets {
  readonly kubernetes: KubernetesScrapeOptions;
}

/** Where Prometheus finds its targets; the only part of prometheus.yml that differs per target. */
export type ScrapeTargets = StaticScrapeTargets | KubernetesScrapeTargets;

/**
 * File holding the gateway master key, relative to prometheus.yml (Prometheus resolves relative paths against
 * the config file's directory). LiteLLM's /metrics requires auth by default since v1.85 (runtime-facts.md §A8);
 * sending the key works with either default, and the key never enters prometheus.yml.
 */
export const GATEWAY_METRICS_KEY_FILE = "secrets/gateway-master-key";

/**
 * The rules file (renderAlertRules), relative to prometheus.yml like the key file. Named exactly rather than
 * globbed, so Prometheus and `promtool check config` fail loudly when it is missing.
 */
export const PROMETHEUS_RULES_FILE = "rules/ai-layer.yml";

/** dcgm-exporter's metrics port (NVIDIA/dcgm-exporter deployment/values.yaml `service.port`; runtime-facts.md §E). */
export const DCGM_EXPORTER_PORT = 9400;

/** `app.kubernetes.io/name` of the DCGM exporter pods; the scrape job selects them by it. */
export const DCGM_EXPORTER_COMPONENT = "dcgm-exporter";

/** `app.kubernetes.io/name` of every vLLM Service and pod (one Deployment + Service per model track). */
export const VLLM_COMPONENT = "vllm";

/** The `global` section both targets share: one interval for scrapes and rule evaluation, the stack as label. */
function globalSection(plan: Plan) {
  const interval = `${plan.monitoring.scrapeIntervalSeconds}s`;
  return {
    scrape_interval: interval,
    evaluation_interval: interval,
    external_labels: { stack: plan.stack },
  };
}

/** Recording and alerting rules, rendered by renderAlertRules next to prometheus.yml on both targets. */
const RULE_FILES = [PROMETHEUS_RULES_FILE];

/** Where Prometheus sends alerts: the layer's Alertmanager, when a receiver is configured. */
function alertingSection(plan: Plan) {
  if (!plan.alerting.slack && !plan.alerting.pagerduty) return {};
  const am = plan.services.alertmanager;
  return { alerting: { alertmanagers: [{ static_configs: [{ targets: [`${am.host}:${am.port}`] }] }] } };
}

/**
 * LiteLLM's scrape settings (path and auth), the same wherever it runs.
 *
 * The scrape sends the gateway MASTER key: LiteLLM 1.104.9 has no read-only way to scrape without a database.
 * - litellm/__init__.py:187 `require_auth_for_metrics_endpoint: Optional[bool] = True`, and
 *   litellm/proxy/middleware/prometheus_auth_middleware.py:51-94 runs the full `user_api_key_auth` on /metrics and
 *   /metrics/… (any failure → 401); `false` there makes /metrics public, which is worse.
 * - litellm/proxy/auth/user_api_key_auth.py:2052 accepts the master key (as PROXY_ADMIN); any other key is a
 *   virtual key looked up in the database, and with none connected (this layer has none until issue #15) it is
 *   refused at :2103-2111 ("No connected db."). A scrape-only virtual key therefore needs that database.
 * - The only other hook is `general_settings.custom_auth` (a Python module loaded into the gateway), which would
 *   replace LiteLLM's auth for every route; not worth the risk for a scrape.
 * Risk accepted and documented (README "Metrics scrape"): whoever can read Prometheus' key file (docker: the
 * Prometheus container's env and /tmp/ai-layer-prometheus/secrets, i.e. whoever can `docker inspect`/`exec` on the
 * host; Kubernetes: the layer Secret mounted 0440 in the Prometheus pod, i.e. whoever may read that Secret or exec
 * into the pod) holds the gateway's admin key. Prometheus itself never serves the file: prometheus.yml names it by
 * path (credentials_file), so /api/v1/status/config shows no key. test/e2e/monitoring.e2e.test.ts pins the
 * behaviour relied on (no key and a non-master key refused, the master key accepted).
 */
const LITELLM_SCRAPE = {
  job_name: "litellm",
  // /metrics answers 307 -> /metrics/ (BerriAI/litellm#30079, #33676): scrape the canonical path directly.
  metrics_path: "/metrics/",
  authorization: { type: "Bearer", credentials_file: GATEWAY_METRICS_KEY_FILE },
} as const;

/**
 * prometheus.yml: static targets (docker network), or Kubernetes service discovery when `targets.kubernetes`
 * is set (renderKubernetesPrometheusConfig).
 */
export function renderPrometheusConfig(plan: Plan, targets: ScrapeTargets): string {
  if ("kubernetes" in targets) return renderKubernetesPrometheusConfig(plan, targets.kubernetes);
  const config = {
    global: globalSection(plan),
    ...alertingSection(plan),
    rule_files: RULE_FILES,
    scrape_configs: [
      {
        ...LITELLM_SCRAPE,
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
      ...(targets.vllmEc2 ? [ec2VllmJob()] : []),
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

/** Where the kubernetes target's Prometheus looks for targets, and whether GPU nodes run the DCGM exporter. */
export interface KubernetesScrapeOptions {
  /** The layer's namespace; discovery stays inside it (the Role grants no more). */
  readonly namespace: string;
  /** Scrape the dcgm-exporter DaemonSet's pods. */
  readonly dcgm: boolean;
  /**
   * Namespace of the DCGM exporter pods. Default `namespace`; the kubernetes layer runs them in their own
   * (dcgmExporterNamespace: they need privileges the layer's namespace does not allow).
   */
  readonly dcgmNamespace?: string;
}

type Relabel = {
  source_labels?: string[];
  regex?: string;
  action?: "keep" | "replace";
  target_label?: string;
  replacement?: string;
};

// Kubernetes SD turns label names into meta labels by replacing every character outside [a-zA-Z0-9_] with `_`
// (prometheus docs configuration.md, kubernetes_sd_config: `__meta_kubernetes_pod_label_<labelname>`).
const metaLabel = (kind: "pod" | "service", label: string) =>
  `__meta_kubernetes_${kind}_label_${label.replace(/[^a-zA-Z0-9_]/g, "_")}`;

const keep = (source: string, regex: string): Relabel => ({ source_labels: [source], regex, action: "keep" });
const copy = (source: string, target: string): Relabel => ({ source_labels: [source], target_label: target });
// No source labels: the (empty) joined value matches the default regex `(.*)` and the target gets the literal.
const constant = (target: string, value: string): Relabel => ({ target_label: target, replacement: value });

/** Escapes a literal for a relabel regex (anchored by Prometheus). */
const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * An endpoints-role job keeping the addresses of Services that match `select`, on one port. The port is matched
 * on `__address__` (`<ip>:<port>`) rather than the port name, so it does not depend on how a Service names ports.
 */
function endpointsJob(
  namespace: string,
  job: { name: string; service: string; port: number; select: Relabel[]; extra?: Relabel[] },
  settings: Record<string, unknown> = {},
) {
  return {
    job_name: job.name,
    ...settings,
    // role endpoints: one target per ready or not-ready address of each Service port, with the backing pod's
    // labels attached (prometheus docs, kubernetes_sd_config "endpoints").
    kubernetes_sd_configs: [{ role: "endpoints", namespaces: { names: [namespace] } }],
    relabel_configs: [
      ...job.select,
      keep("__address__", `.+:${job.port}`),
      copy("__meta_kubernetes_namespace", "namespace"),
      copy("__meta_kubernetes_pod_name", "pod"),
      constant("service", job.service),
      ...(job.extra ?? []),
    ],
  };
}

/**
 * Where the aws-ec2 `vllm` job reads its targets: a file_sd JSON file, relative to prometheus.yml (Prometheus joins
 * a relative file_sd path with the config file's directory: prometheus discovery/file/file.go SDConfig.SetDirectory,
 * v3). The control host writes it (renderControlHostUserData, `discover`); Prometheus re-reads it on change (it
 * watches the file's directory with fsnotify) and every refresh_interval.
 */
export const EC2_VLLM_TARGETS_FILE = "targets/vllm-ec2.json";

/**
 * The `vllm` job on EC2: every running instance of the stack that carries a model tag, scraped on its private IP
 * (the instances have no other address). Prometheus itself calls no AWS API: it runs in a container, and the
 * control host's IMDS hop limit of 1 keeps the instance role from containers. A host-side timer lists the fleet
 * with the host's role and writes EC2_VLLM_TARGETS_FILE, each target already labelled like the kubernetes job's:
 * `model`, `track`, `pod` (the instance id, one vLLM server each: the KV-cache alert and panel group by it) and
 * `service` (ec2VllmTargetsQuery).
 */
function ec2VllmJob() {
  return {
    job_name: "vllm",
    // vLLM serves /metrics without auth even with --api-key (runtime-facts.md §B2).
    metrics_path: "/metrics",
    // The file changes are watched; the interval (default 5m) only backs up a missed event.
    file_sd_configs: [{ files: [EC2_VLLM_TARGETS_FILE], refresh_interval: "1m" }],
  };
}

/**
 * JMESPath (`aws ec2 describe-instances --query`) turning the fleet's instances into Prometheus file_sd target
 * groups: `[{ "targets": ["<private ip>:<port>"], "labels": { model, track, pod, service } }]`. A missing tag
 * becomes "" (`join` over no values), which Prometheus treats as an absent label. The describe call filters to the
 * stack's running instances with a model tag (ec2VllmFilters).
 */
export function ec2VllmTargetsQuery(d: Ec2VllmDiscovery): string {
  const tag = (key: string) => `join('', Tags[?Key=='${key}'].Value)`;
  return (
    `Reservations[].Instances[].{targets: [join(':', [PrivateIpAddress, '${d.port}'])], ` +
    `labels: {model: ${tag(FLEET_INSTANCE_TAGS.model)}, track: ${tag(FLEET_INSTANCE_TAGS.track)}, ` +
    `pod: InstanceId, service: 'inference'}}`
  );
}

/** `describe-instances --filters` (JSON form) of the vllm targets: the stack's running instances with a model tag. */
export function ec2VllmFilters(d: Ec2VllmDiscovery): string {
  return JSON.stringify([
    { Name: `tag:${FLEET_INSTANCE_TAGS.stack}`, Values: [d.stack] },
    { Name: "tag-key", Values: [FLEET_INSTANCE_TAGS.model] },
    { Name: "instance-state-name", Values: ["running"] },
  ]);
}

/** First DNS label of a `<name>.<namespace>.svc` host: the Service name. */
const serviceName = (host: string) => host.split(".")[0]!;

/**
 * prometheus.yml for the kubernetes target. Targets are discovered in the layer namespace with
 * `kubernetes_sd_configs` (in-cluster service-account auth, so the config names no API server), and relabelling
 * keeps only the layer's own services: the LiteLLM gateway, the Redis exporter, every vLLM track (labelled with
 * its deployment, model and track), the DCGM exporter pods when `opts.dcgm`, and Prometheus itself.
 */
export function renderKubernetesPrometheusConfig(plan: Plan, opts: KubernetesScrapeOptions): string {
  const { namespace } = opts;
  const s = plan.services;
  const hasVllm = plan.models.some(isVllm);
  const config = {
    global: globalSection(plan),
    ...alertingSection(plan),
    rule_files: RULE_FILES,
    scrape_configs: [
      endpointsJob(
        namespace,
        {
          name: LITELLM_SCRAPE.job_name,
          service: "gateway",
          port: s.gateway.port,
          select: [keep("__meta_kubernetes_service_name", literal(serviceName(s.gateway.host)))],
        },
        { metrics_path: LITELLM_SCRAPE.metrics_path, authorization: LITELLM_SCRAPE.authorization },
      ),
      ...(plan.cache.enabled
        ? [
            endpointsJob(namespace, {
              name: "redis",
              service: "cache",
              port: s.redisExporter.port,
              select: [keep("__meta_kubernetes_service_name", literal(serviceName(s.redisExporter.host)))],
            }),
          ]
        : []),
      ...(hasVllm
        ? [
            endpointsJob(
              namespace,
              {
                name: "vllm",
                service: "inference",
                port: VLLM_PORT,
                select: [keep(metaLabel("service", "app.kubernetes.io/name"), VLLM_COMPONENT)],
                // vLLM labels its series with model_name only (runtime-facts.md §B4); the pod labels say which
                // Deployment (stable or canary track) served them, so canary and stable can be compared.
                extra: [
                  copy(metaLabel("pod", "app.kubernetes.io/instance"), "deployment"),
                  copy(metaLabel("pod", "ai-layer.dev/model"), "model"),
                  copy(metaLabel("pod", "ai-layer.dev/track"), "track"),
                ],
              },
              // vLLM serves /metrics without auth even with --api-key (runtime-facts.md §B2).
              { metrics_path: "/metrics" },
            ),
          ]
        : []),
      ...(opts.dcgm
        ? [
            {
              job_name: "dcgm",
              // role pod: the exporter runs as a DaemonSet without a Service; one target per declared port.
              kubernetes_sd_configs: [
                { role: "pod", namespaces: { names: [opts.dcgmNamespace ?? namespace] } },
              ],
              relabel_configs: [
                keep(metaLabel("pod", "app.kubernetes.io/name"), DCGM_EXPORTER_COMPONENT),
                keep("__meta_kubernetes_pod_container_port_number", String(DCGM_EXPORTER_PORT)),
                // No `pod`/`namespace` target labels here: with DCGM_EXPORTER_KUBERNETES=true the exporter sets
                // them to the pod using the GPU, and target labels would rename those to exported_pod/... .
                copy("__meta_kubernetes_pod_node_name", "node"),
                constant("service", "gpu"),
              ],
            },
          ]
        : []),
      {
        job_name: "prometheus",
        static_configs: [{ targets: [`localhost:${s.prometheus.port}`], labels: { service: "monitoring" } }],
      },
    ],
  };
  return yamlFile(
    `Prometheus config for stack "${plan.stack}" on Kubernetes (namespace ${namespace}), ` +
      `rendered by ai-layer (renderKubernetesPrometheusConfig).`,
    config,
  );
}
