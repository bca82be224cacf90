// One description per service container of the layer, from the plan: what runs (image, entrypoint, args), with
// what (env: plain, secret by config key, or known only at deploy time), which rendered files where, which port,
// how its health is checked and how much memory it may take. The docker target (docker.Container), the aws-ec2
// control host (`docker run` in its boot script) and the Kubernetes manifests are mappings of these.
import {
  hostOllamaOf,
  isCloud,
  isRemote,
  isVllm,
  onDockerHost,
  redisExporterAddress,
  runsOllamaContainer,
  runsRedis,
  type DockerHostPlan,
  type DockerTargetPlan,
  type LayerSecretKey,
  type Plan,
} from "../plan";
import { GRAFANA_DASHBOARDS_DIR } from "./grafana";
import { DASHBOARD_KEYS, FILE_PATHS, type FileKey } from "./layerFiles";
import { GATEWAY_ENV } from "./litellmConfig";
import { REDIS_CONF_PATH, REDIS_START_SCRIPT, redisContainerMemoryMb } from "./redisConf";
import {
  ALERTMANAGER_CONFIG_PATH,
  alertmanagerStartScript,
  gatewayArgs,
  GRAFANA_PROVISIONING_PATHS,
  LITELLM_CONFIG_PATH,
  PROMETHEUS_CONFIG_PATH,
  PROMETHEUS_RULES_PATH,
  prometheusStartScript,
  REDIS_HOST_ENV,
} from "./serviceScripts";
import type { RenderedFile } from "./yamlFile";

export type {
  ServiceDescription,
  ServiceEnv,
  ServiceFile,
  ServiceHealth,
  ServiceId,
} from "./serviceDescription";
import type { ServiceDescription, ServiceEnv, ServiceFile, ServiceHealth } from "./serviceDescription";

const value = (name: string, v: string): ServiceEnv => ({ name, value: v });
const secret = (name: string, key: LayerSecretKey): ServiceEnv => ({ name, secret: key });
const health = (test: string[], h: Omit<ServiceHealth, "test" | "intervalSeconds" | "retries">) => ({
  test,
  intervalSeconds: 15,
  retries: 5,
  ...h,
});
const wget = (port: number, path: string) => [
  "CMD",
  "wget",
  "-q",
  "-O",
  "/dev/null",
  `http://localhost:${port}${path}`,
];

/** What the services need beyond the plan: which files were rendered, and the ElastiCache host when there is one. */
export interface DescribeOptions {
  readonly files: Partial<Record<FileKey, RenderedFile>>;
  /** aws-ec2 with ElastiCache: its primary endpoint (no Redis container; the exporter speaks TLS to it). */
  readonly elastiCacheHost?: string;
}

/** The gateway's env, in one order for every target; secrets by config key, endpoints known at deploy time last. */
export function gatewayEnv(plan: Plan, elastiCache = false): ServiceEnv[] {
  const env: ServiceEnv[] = [
    secret(GATEWAY_ENV.masterKey, "gatewayMasterKey"),
    value("LITELLM_MODE", "PRODUCTION"),
    value("LITELLM_LOG", "INFO"),
    // Use the cost map bundled with the pinned release instead of fetching it from GitHub at start-up: private
    // subnets have no route there, and v1.104.0–6 could exit when the fetch failed (BerriAI/litellm
    // litellm/litellm_core_utils/get_model_cost_map.py reads LITELLM_LOCAL_MODEL_COST_MAP, "true" in any case).
    value("LITELLM_LOCAL_MODEL_COST_MAP", "True"),
  ];
  if (plan.cache.enabled) env.push(secret(GATEWAY_ENV.redisPassword, "redisPassword"));
  if (plan.models.some(isVllm)) env.push(secret(GATEWAY_ENV.vllmApiKey, "vllmApiKey"));
  for (const m of [...plan.models.filter(isRemote), ...plan.models.filter(isCloud)])
    if (!env.some((e) => e.name === m.apiKey.env))
      env.push(secret(m.apiKey.env, m.apiKey.configKey as LayerSecretKey));
  // Modal proxy auth token parts, sent as the Modal-Key / Modal-Secret headers (renderLiteLlmConfig).
  for (const m of plan.models.filter(isCloud))
    for (const part of m.proxyAuth ? [m.proxyAuth.tokenId, m.proxyAuth.tokenSecret] : [])
      if (!env.some((e) => e.name === part.env)) env.push(secret(part.env, part.configKey as LayerSecretKey));
  // Base URLs that exist only once created: GPU-cloud endpoints without a known URL, the EC2 fleet's tracks.
  for (const m of plan.models.filter(isCloud))
    if (!m.apiBase) env.push({ name: m.apiBaseEnv, deployTime: `${m.runtime} endpoint of ${m.name}` });
  const fleet = plan.target.kind === "aws-ec2" ? plan.target.aws : undefined;
  for (const t of fleet?.tracks ?? [])
    env.push({ name: t.apiBaseEnv, deployTime: `load balancer of ${t.id}` });
  if (elastiCache) env.push({ name: REDIS_HOST_ENV, deployTime: "ElastiCache primary endpoint" });
  return env;
}

/** Context the per-service descriptions share. */
interface DescribeContext {
  readonly plan: Plan;
  readonly has: (k: FileKey) => boolean;
  /** The Docker host (docker, aws-ec2's control host); undefined on a cluster, which publishes nothing. */
  readonly host?: DockerHostPlan["target"];
  readonly elastiCacheHost?: string;
}

const file = (key: FileKey, mountPath: string, executable?: boolean): ServiceFile => ({
  key,
  path: FILE_PATHS[key],
  mountPath,
  ...(executable ? { executable } : {}),
});

const publish = (
  c: Pick<DescribeContext, "host">,
  to: "client" | "operator",
  port: "gateway" | "prometheus" | "grafana",
) => (c.host ? { publish: { to, hostPort: c.host.ports[port] } } : {});

function contextOf(plan: Plan, opts: DescribeOptions): DescribeContext {
  return {
    plan,
    has: (k) => opts.files[k] !== undefined,
    ...(onDockerHost(plan) ? { host: plan.target } : {}),
    ...(plan.cache.enabled && opts.elastiCacheHost !== undefined
      ? { elastiCacheHost: opts.elastiCacheHost }
      : {}),
  };
}

function describeOllama({ plan, host }: DescribeContext & { host: DockerTargetPlan }): ServiceDescription {
  const address = plan.services.ollama;
  return {
    id: "ollama",
    address,
    image: plan.images.ollama,
    // The image's own entrypoint and command (ENTRYPOINT ["/bin/ollama"], CMD ["serve"]: ollama/ollama
    // Dockerfile), spelled out so the service does not depend on the image's defaults.
    entrypoint: ["/bin/ollama"],
    args: ["serve"],
    env: [
      value("OLLAMA_HOST", `0.0.0.0:${address.port}`),
      value("OLLAMA_CONTEXT_LENGTH", String(plan.ollamaContextLength)),
      // One request per model at a time keeps memory at the planned figure (KV cache × parallel).
      value("OLLAMA_NUM_PARALLEL", "1"),
      value("OLLAMA_KEEP_ALIVE", "30m"),
    ],
    files: [],
    volumes: [{ name: "models", mountPath: "/root/.ollama" }],
    // The host memory the config gives models, plus 1 GiB for the server.
    memoryMb: Math.round(host.hostMemoryGiB * 1024) + 1024,
    // Healthy once the server answers (the image has no curl; the CLI talks to OLLAMA_HOST). The models are pulled
    // after that, through the API, by the pull step the gateway waits for (components/docker/ollamaModels.ts).
    health: {
      test: ["CMD", "/bin/ollama", "list"],
      intervalSeconds: 30,
      timeoutSeconds: 10,
      retries: 3,
      startPeriodSeconds: 60,
      startIntervalSeconds: 2,
      waitSeconds: 180,
    },
    after: [],
    ...(host.gpu?.count ? { gpus: host.gpu.count } : {}),
  };
}

/** Redis as the response cache: the rendered redis.conf, the password from a secret (never in a file). */
export function describeRedis(plan: Plan): ServiceDescription {
  return {
    id: "cache",
    address: plan.services.redis,
    image: plan.images.redis,
    entrypoint: ["/bin/sh", "-c", REDIS_START_SCRIPT],
    // REDISCLI_AUTH lets the health check's redis-cli authenticate without the password on its command line.
    env: [secret("REDIS_PASSWORD", "redisPassword"), secret("REDISCLI_AUTH", "redisPassword")],
    files: [file("redisConf", REDIS_CONF_PATH)],
    volumes: [],
    memoryMb: redisContainerMemoryMb(plan.cache),
    health: {
      test: ["CMD-SHELL", "redis-cli ping | grep -q PONG"],
      intervalSeconds: 10,
      timeoutSeconds: 5,
      retries: 5,
      startPeriodSeconds: 10,
      waitSeconds: 120,
    },
    after: [],
  };
}

/** The Redis exporter, watching the layer's Redis, the team's (existingRedis) or ElastiCache (TLS). */
export function describeRedisExporter(plan: Plan, elastiCacheHost?: string): ServiceDescription {
  const exporter = plan.services.redisExporter;
  return {
    id: "cache-exporter",
    address: exporter,
    image: plan.images.redisExporter,
    env: [
      // TLS to ElastiCache (oliver006/redis_exporter README, redis.addr: rediss://).
      value(
        "REDIS_ADDR",
        elastiCacheHost !== undefined
          ? `rediss://${elastiCacheHost}:${plan.services.redis.port}`
          : redisExporterAddress(plan),
      ),
      secret("REDIS_PASSWORD", "redisPassword"),
      value("REDIS_EXPORTER_WEB_LISTEN_ADDRESS", `0.0.0.0:${exporter.port}`),
    ],
    files: [],
    volumes: [],
    memoryMb: 128,
    // The image is FROM scratch (no shell, no health check tool); Prometheus' `up` watches it.
    after: runsRedis(plan) && elastiCacheHost === undefined ? ["cache"] : [],
  };
}

/** The LiteLLM gateway: the rendered config, the master key and every key the config reads from the env. */
export function describeGateway(
  plan: Plan,
  c?: Pick<DescribeContext, "host" | "has" | "elastiCacheHost">,
): ServiceDescription {
  const address = plan.services.gateway;
  return {
    id: "gateway",
    address,
    image: plan.images.gateway,
    // The image's entrypoint already runs `litellm`; pass only its args (runtime-facts.md §A9).
    args: gatewayArgs(address.port),
    env: gatewayEnv(plan, c?.elastiCacheHost !== undefined),
    files: [file("litellmConfig", LITELLM_CONFIG_PATH)],
    volumes: [],
    memoryMb: 2048,
    // The host's own Ollama, by the name Docker gives the host (Linux needs the entry; Docker Desktop has it).
    ...(hostOllamaOf(plan.target) &&
    new URL(hostOllamaOf(plan.target)!.url).hostname === "host.docker.internal"
      ? { extraHosts: [{ host: "host.docker.internal", ip: "host-gateway" }] }
      : {}),
    ...(c ? publish(c, "client", "gateway") : {}),
    // The image has python3 but no curl; /health/liveliness needs no key (runtime-facts.md §A7).
    health: health(
      [
        "CMD",
        "python3",
        "-c",
        `import urllib.request; urllib.request.urlopen('http://localhost:${address.port}/health/liveliness', timeout=5)`,
      ],
      { timeoutSeconds: 10, startPeriodSeconds: 60, startIntervalSeconds: 3, waitSeconds: 300 },
    ),
    // The gateway answers once created: its model server and cache come first.
    after: [
      ...(runsOllamaContainer(plan) ? (["ollama"] as const) : []),
      ...(plan.cache.enabled ? (["cache"] as const) : []),
    ],
  };
}

function describePrometheus(c: DescribeContext): ServiceDescription {
  const { plan } = c;
  const address = plan.services.prometheus;
  return {
    id: "prometheus",
    address,
    image: plan.images.prometheus,
    entrypoint: ["/bin/sh", "-c", prometheusStartScript(plan.monitoring.retentionDays, address.port)],
    env: [secret("GATEWAY_MASTER_KEY", "gatewayMasterKey")],
    files: [file("prometheusConfig", PROMETHEUS_CONFIG_PATH), file("alertRules", PROMETHEUS_RULES_PATH)],
    volumes: [{ name: "prometheus-data", mountPath: "/prometheus" }],
    memoryMb: 2048,
    ...publish(c, "operator", "prometheus"),
    health: health(wget(address.port, "/-/healthy"), {
      timeoutSeconds: 5,
      startPeriodSeconds: 20,
      waitSeconds: 180,
    }),
    after: ["gateway"],
  };
}

/** Grafana with the provisioned datasource and whichever dashboards were rendered; no sign-up, no phoning home. */
export function describeGrafana(plan: Plan, c?: Pick<DescribeContext, "host" | "has">): ServiceDescription {
  const address = plan.services.grafana;
  return {
    id: "grafana",
    address,
    image: plan.images.grafana,
    env: [
      // GF_<SECTION>_<KEY> override grafana.ini keys (conf/defaults.ini: [security], [users], [analytics], [server]).
      value("GF_SECURITY_ADMIN_USER", "admin"),
      secret("GF_SECURITY_ADMIN_PASSWORD", "grafanaAdminPassword"),
      value("GF_USERS_ALLOW_SIGN_UP", "false"),
      value("GF_ANALYTICS_REPORTING_ENABLED", "false"),
      value("GF_ANALYTICS_CHECK_FOR_UPDATES", "false"),
      value("GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES", "false"),
      value("GF_SERVER_HTTP_PORT", String(address.port)),
    ],
    files: [
      file("grafanaDatasources", GRAFANA_PROVISIONING_PATHS.datasources),
      file("grafanaDashboardProvider", GRAFANA_PROVISIONING_PATHS.dashboards),
      ...DASHBOARD_KEYS.filter((k) => c?.has(k) ?? false).map((k) =>
        file(k, `${GRAFANA_DASHBOARDS_DIR}/${FILE_PATHS[k].split("/").pop()}`),
      ),
    ],
    volumes: [],
    memoryMb: 512,
    ...(c ? publish(c, "operator", "grafana") : {}),
    health: health(
      ["CMD", "curl", "-fsS", "-o", "/dev/null", `http://localhost:${address.port}/api/health`],
      {
        timeoutSeconds: 5,
        startPeriodSeconds: 30,
        waitSeconds: 180,
      },
    ),
    after: ["prometheus"],
  };
}

function describeAlertmanager(plan: Plan): ServiceDescription {
  const address = plan.services.alertmanager;
  return {
    id: "alertmanager",
    address,
    image: plan.images.alertmanager,
    entrypoint: ["/bin/sh", "-c", alertmanagerStartScript(address.port)],
    env: [
      ...(plan.alerting.slack ? [secret("SLACK_WEBHOOK_URL", "slackWebhookUrl")] : []),
      ...(plan.alerting.pagerduty ? [secret("PAGERDUTY_ROUTING_KEY", "pagerdutyRoutingKey")] : []),
    ],
    files: [file("alertmanagerConfig", ALERTMANAGER_CONFIG_PATH)],
    volumes: [],
    memoryMb: 256,
    health: health(wget(address.port, "/-/healthy"), {
      timeoutSeconds: 5,
      startPeriodSeconds: 10,
      waitSeconds: 120,
    }),
    after: [],
  };
}

/**
 * Every service container of the layer for this plan, in start order. On a Docker host (docker, aws-ec2's control
 * host) they publish ports; a cluster reaches them through its own Services instead.
 */
export function describeServices(plan: Plan, opts: DescribeOptions): ServiceDescription[] {
  const c = contextOf(plan, opts);
  return [
    ...(c.host?.kind === "docker" && runsOllamaContainer(plan)
      ? [describeOllama({ ...c, host: c.host })]
      : []),
    ...(runsRedis(plan) && c.elastiCacheHost === undefined ? [describeRedis(plan)] : []),
    ...(plan.cache.enabled ? [describeRedisExporter(plan, c.elastiCacheHost)] : []),
    describeGateway(plan, c),
    ...(plan.monitoring.enabled ? [describePrometheus(c), describeGrafana(plan, c)] : []),
    ...(c.has("alertmanagerConfig") ? [describeAlertmanager(plan)] : []),
  ];
}

/** The config keys of every secret the services read. */
export const secretsRead = (services: readonly ServiceDescription[]): LayerSecretKey[] =>
  [...new Set(services.flatMap((d) => d.env.flatMap((e) => ("secret" in e ? [e.secret] : []))))].sort();
