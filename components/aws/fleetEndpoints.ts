// The aws-ec2 control host's layout: how the gateway reaches the GPU fleet and the cache (fleetEndpoints), and
// which containers run there (controlHostContainers), the docker target's services on one host.
import { containerDefaults, dockerEndpoints } from "../docker/common";
import { LITELLM_CONFIG_PATH } from "../docker/gateway";
import { PROMETHEUS_CONFIG_PATH, PROMETHEUS_RULES_PATH, prometheusStartScript } from "../docker/monitoring";
import { alertmanagerStartScript } from "../docker/alertmanager";
import { isCloud, isRemote, redisExporterAddress, runsRedis, type AwsEc2Plan, type Plan } from "../plan";
import {
  DASHBOARD_KEYS,
  FILE_PATHS,
  GATEWAY_ENV,
  GRAFANA_DASHBOARDS_DIR,
  REDIS_CONF_PATH,
  REDIS_START_SCRIPT,
  redisContainerMemoryMb,
  type LayerEndpoints,
  type RenderedFile,
} from "../render";
import type { HostContainer } from "../render/controlHostUserData";
import { ELASTICACHE_PORT } from "./elasticache";

/** Env var carrying the ElastiCache primary endpoint; the LiteLLM config reads the cache host from it. */
export const REDIS_HOST_ENV = "REDIS_HOST";

/** The aws-ec2 part of a plan, or a plain error when the plan is for another target. */
export function ec2PlanOf(plan: Plan): AwsEc2Plan {
  if (plan.target.kind !== "docker" || !plan.target.aws)
    throw new Error(`this needs the plan of an aws-ec2 target; this plan targets ${plan.target.kind}`);
  return plan.target.aws;
}

/**
 * How services reach each other on aws-ec2: the docker target's aliases on the control host's network, plus the
 * GPU fleet and, when configured, ElastiCache. Their addresses exist only once created, so the LiteLLM config
 * names env vars: `os.environ/…` is resolved in every string of the config, model_list and cache_params included
 * (BerriAI/litellm litellm/proxy/proxy_server.py ProxyConfig.get_config → _check_for_os_environ_vars, which
 * recurses into dicts and list items; litellm/_redis.py _get_redis_client_logic resolves it again per kwarg).
 * Prometheus finds the vLLM instances with EC2 service discovery.
 */
export function fleetEndpoints(plan: Plan): LayerEndpoints {
  const aws = ec2PlanOf(plan);
  const docker = dockerEndpoints(plan);
  const apiBaseEnv = new Map(aws.tracks.map((t) => [t.id, t.apiBaseEnv]));
  const redis =
    plan.cache.enabled && aws.elasticache
      ? { host: `os.environ/${REDIS_HOST_ENV}`, port: ELASTICACHE_PORT, tls: true }
      : docker.gateway.redis;
  return {
    gateway: {
      // The track's internal load balancer URL (`http://<nlb>:<listener port>/v1`), set by the fleet.
      vllm: (trackId) => {
        const env = apiBaseEnv.get(trackId);
        if (!env) throw new Error(`fleetEndpoints: no GPU fleet track ${trackId} in the plan`);
        return `os.environ/${env}`;
      },
      ...(redis ? { redis } : {}),
    },
    scrape: {
      ...docker.scrape,
      ...(aws.tracks.length
        ? { vllmEc2: { region: aws.region, port: aws.vllmPort, stack: plan.stack } }
        : {}),
    },
    prometheusUrl: docker.prometheusUrl,
  };
}

export interface ControlHostContainersOptions {
  /** SSM Parameter Store name of each layer secret the containers need, by config key (ssmSecretName). */
  readonly secretParameters: Readonly<Record<string, string>>;
  /** Plain env the gateway gets besides its own: the fleet's VLLM_*_API_BASE URLs, GPU-cloud base URLs. */
  readonly gatewayEnv: Readonly<Record<string, string>>;
  /** ElastiCache primary endpoint: no Redis container, the gateway and exporter use TLS to it. */
  readonly redisHost?: string;
  /** Host addresses the gateway and the monitoring UIs are published on. */
  readonly publish: { readonly gatewayIp: string; readonly monitoringIp: string };
}

/** Grafana's provisioning files, where the docker target uploads them (components/docker/monitoring.ts). */
export const GRAFANA_PROVISIONING_PATHS = {
  datasources: "/etc/grafana/provisioning/datasources/ai-layer.yaml",
  dashboards: "/etc/grafana/provisioning/dashboards/ai-layer.yaml",
} as const;
/** Where the docker target uploads alertmanager.yml (components/docker/alertmanager.ts). */
export const ALERTMANAGER_CONFIG_PATH = "/etc/alertmanager/alertmanager.yml";
/** Named volume of Prometheus' TSDB on the control host's root volume. */
export const PROMETHEUS_DATA_VOLUME = "ai-layer-prometheus-data";

/**
 * The docker target's containers for this plan, as `docker run` data for renderControlHostUserData: the same
 * images, aliases, entrypoints and commands, env names, files (mounted read-only instead of uploaded) and memory
 * limits as DockerLayer's components. Values that those components write inline are repeated here;
 * test/render.controlHost.test.ts compares both for the same plan, so a change to one side fails there.
 */
export function controlHostContainers(
  plan: Plan,
  files: readonly RenderedFile[],
  opts: ControlHostContainersOptions,
): HostContainer[] {
  const { services: s, images } = plan;
  if (plan.target.kind !== "docker") throw new Error("controlHostContainers: the plan must be a docker plan");
  const ports = plan.target.ports;
  const paths = new Set(files.map((f) => f.path));
  const has = (path: string) => paths.has(path);
  const param = (configKey: string) => {
    const name = opts.secretParameters[configKey];
    if (!name) throw new Error(`controlHostContainers: no SSM parameter for the secret ${configKey}`);
    return name;
  };
  const base = (service: string, alias: string, image: string) => {
    const d = containerDefaults({ networkName: "", stack: plan.stack }, service, alias, image);
    return {
      service,
      image,
      alias,
      restart: d.restart,
      logDriver: d.logDriver,
      logOpts: d.logOpts,
      labels: Object.fromEntries(d.labels.map((l) => [l.label, l.value])),
      ...("memory" in d ? { memoryMb: d.memory } : {}),
      env: {} as Record<string, string>,
      secretEnv: {} as Record<string, string>,
      files: [] as { path: string; mountPath: string }[],
      volumes: [] as { name: string; mountPath: string }[],
    };
  };
  const containers: HostContainer[] = [];

  // The docker target's rule (runsRedis: no container for an existing Redis), and none with ElastiCache.
  if (runsRedis(plan) && !opts.redisHost) {
    containers.push({
      ...base("cache", s.redis.host, images.redis),
      entrypoint: ["/bin/sh", "-c", REDIS_START_SCRIPT],
      secretEnv: { REDIS_PASSWORD: param("redisPassword"), REDISCLI_AUTH: param("redisPassword") },
      files: [{ path: FILE_PATHS.redisConf, mountPath: REDIS_CONF_PATH }],
      memoryMb: redisContainerMemoryMb(plan.cache),
    });
  }
  if (plan.cache.enabled) {
    const addr = opts.redisHost
      ? `rediss://${opts.redisHost}:${ELASTICACHE_PORT}` // TLS (oliver006/redis_exporter README, redis.addr)
      : redisExporterAddress(plan);
    containers.push({
      ...base("cache-exporter", s.redisExporter.host, images.redisExporter),
      env: { REDIS_ADDR: addr, REDIS_EXPORTER_WEB_LISTEN_ADDRESS: `0.0.0.0:${s.redisExporter.port}` },
      secretEnv: { REDIS_PASSWORD: param("redisPassword") },
    });
  }

  const gatewaySecrets: Record<string, string> = { [GATEWAY_ENV.masterKey]: param("gatewayMasterKey") };
  if (plan.cache.enabled) gatewaySecrets[GATEWAY_ENV.redisPassword] = param("redisPassword");
  if (plan.models.some((m) => m.runtime === "vllm"))
    gatewaySecrets[GATEWAY_ENV.vllmApiKey] = param("vllmApiKey");
  for (const m of [...plan.models.filter(isRemote), ...plan.models.filter(isCloud)])
    gatewaySecrets[m.apiKey.env] = param(m.apiKey.configKey);
  containers.push({
    ...base("gateway", s.gateway.host, images.gateway),
    command: ["--config", LITELLM_CONFIG_PATH, "--port", String(s.gateway.port), "--num_workers", "1"],
    env: {
      LITELLM_MODE: "PRODUCTION",
      LITELLM_LOG: "INFO",
      ...opts.gatewayEnv,
      ...(opts.redisHost && plan.cache.enabled ? { [REDIS_HOST_ENV]: opts.redisHost } : {}),
    },
    secretEnv: gatewaySecrets,
    files: [{ path: FILE_PATHS.litellmConfig, mountPath: LITELLM_CONFIG_PATH }],
    publish: { ip: opts.publish.gatewayIp, hostPort: ports.gateway, containerPort: s.gateway.port },
  });

  if (plan.monitoring.enabled) {
    containers.push({
      ...base("prometheus", s.prometheus.host, images.prometheus),
      entrypoint: ["/bin/sh", "-c", prometheusStartScript(plan.monitoring.retentionDays, s.prometheus.port)],
      secretEnv: { GATEWAY_MASTER_KEY: param("gatewayMasterKey") },
      files: [
        { path: FILE_PATHS.prometheusConfig, mountPath: PROMETHEUS_CONFIG_PATH },
        { path: FILE_PATHS.alertRules, mountPath: PROMETHEUS_RULES_PATH },
      ],
      volumes: [{ name: PROMETHEUS_DATA_VOLUME, mountPath: "/prometheus" }],
      publish: {
        ip: opts.publish.monitoringIp,
        hostPort: ports.prometheus,
        containerPort: s.prometheus.port,
      },
    });
    const dashboards = DASHBOARD_KEYS.map((k) => FILE_PATHS[k]).filter(has);
    containers.push({
      ...base("grafana", s.grafana.host, images.grafana),
      env: {
        GF_SECURITY_ADMIN_USER: "admin",
        GF_USERS_ALLOW_SIGN_UP: "false",
        GF_ANALYTICS_REPORTING_ENABLED: "false",
        GF_ANALYTICS_CHECK_FOR_UPDATES: "false",
        GF_SERVER_HTTP_PORT: String(s.grafana.port),
      },
      secretEnv: { GF_SECURITY_ADMIN_PASSWORD: param("grafanaAdminPassword") },
      files: [
        { path: FILE_PATHS.grafanaDatasources, mountPath: GRAFANA_PROVISIONING_PATHS.datasources },
        { path: FILE_PATHS.grafanaDashboardProvider, mountPath: GRAFANA_PROVISIONING_PATHS.dashboards },
        ...dashboards.map((p) => ({ path: p, mountPath: `${GRAFANA_DASHBOARDS_DIR}/${p.split("/").pop()}` })),
      ],
      publish: { ip: opts.publish.monitoringIp, hostPort: ports.grafana, containerPort: s.grafana.port },
    });
  }

  if (has(FILE_PATHS.alertmanagerConfig)) {
    containers.push({
      ...base("alertmanager", s.alertmanager.host, images.alertmanager),
      entrypoint: ["/bin/sh", "-c", alertmanagerStartScript(s.alertmanager.port)],
      secretEnv: {
        ...(plan.alerting.slack ? { SLACK_WEBHOOK_URL: param("slackWebhookUrl") } : {}),
        ...(plan.alerting.pagerduty ? { PAGERDUTY_ROUTING_KEY: param("pagerdutyRoutingKey") } : {}),
      },
      files: [{ path: FILE_PATHS.alertmanagerConfig, mountPath: ALERTMANAGER_CONFIG_PATH }],
    });
  }
  return containers;
}
