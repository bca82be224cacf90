// The aws-ec2 control host's layout: how the gateway reaches the GPU fleet and the cache (fleetEndpoints), and
// which containers run there (controlHostContainers): the layer's service descriptions, mapped to `docker run`.
import type { PlanFor } from "../plan";
import { posix } from "node:path";
import {
  CONTROL_HOST_TARGETS_DIR,
  describeServices,
  dockerEndpoints,
  EC2_VLLM_TARGETS_FILE,
  filesByKey,
  hostContainer,
  PROMETHEUS_CONFIG_PATH,
  REDIS_HOST_ENV,
  type HostContainer,
  type LayerEndpoints,
  type RenderedFile,
} from "../render";
import { ELASTICACHE_PORT } from "./elasticache";

export { REDIS_HOST_ENV };

/**
 * How services reach each other on aws-ec2: the docker target's aliases on the control host's network, plus the
 * GPU fleet and, when configured, ElastiCache. Their addresses exist only once created, so the LiteLLM config
 * names env vars: `os.environ/…` is resolved in every string of the config, model_list and cache_params included
 * (BerriAI/litellm litellm/proxy/proxy_server.py ProxyConfig.get_config → _check_for_os_environ_vars, which
 * recurses into dicts and list items; litellm/_redis.py _get_redis_client_logic resolves it again per kwarg).
 * Prometheus finds the vLLM instances in a file_sd file the control host writes (renderControlHostUserData).
 */
export function fleetEndpoints(plan: PlanFor<"aws-ec2">): LayerEndpoints {
  const aws = plan.target.aws;
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

/**
 * The control host's containers for this plan, as `docker run` data for renderControlHostUserData: the layer's
 * service descriptions (the same the docker target creates), mapped by hostContainer. With a GPU fleet, Prometheus
 * also mounts the host directory the fleet's targets are written to, where its config names the file_sd file.
 */
export function controlHostContainers(
  plan: PlanFor<"aws-ec2">,
  files: readonly RenderedFile[],
  opts: ControlHostContainersOptions,
): HostContainer[] {
  const elastiCacheHost = plan.cache.enabled ? opts.redisHost : undefined;
  return describeServices(plan, {
    files: filesByKey(files),
    ...(elastiCacheHost !== undefined ? { elastiCacheHost } : {}),
  }).map((service) => {
    const container = hostContainer(service, {
      stack: plan.stack,
      secretParameters: opts.secretParameters,
      deployTimeEnv: {
        ...opts.gatewayEnv,
        ...(elastiCacheHost !== undefined ? { [REDIS_HOST_ENV]: elastiCacheHost } : {}),
      },
      publish: { client: opts.publish.gatewayIp, operator: opts.publish.monitoringIp },
    });
    if (service.id !== "prometheus" || !plan.target.aws.tracks.length) return container;
    const configDir = posix.dirname(PROMETHEUS_CONFIG_PATH);
    const mountPath = posix.join(configDir, posix.dirname(EC2_VLLM_TARGETS_FILE));
    return { ...container, hostDirectories: [{ name: CONTROL_HOST_TARGETS_DIR, mountPath }] };
  });
}
