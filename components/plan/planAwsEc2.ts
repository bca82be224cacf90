import {
  AWS_CONTROL_HOST_USD_PER_HOUR,
  AWS_ELASTICACHE_USD_PER_NODE_HOUR,
  LOAD_BALANCER_USD_PER_HOUR,
  NAT_GATEWAY_USD_PER_HOUR,
  awsInstanceFor,
  AWS_GPU_INSTANCES,
  type AwsGpuInstance,
} from "../catalog";
import { DEFAULTS, formatPath, type AwsEc2Target, type ConfigProblem } from "../spec";
import { DOCKER_SERVICES } from "./planDocker";
import { planVllmModels, VLLM_PORT } from "./planKubernetes";
import { dockerHostUrls, type TargetEntry } from "./targetEntry";
import type { VllmModel } from "./types";

/** The first NLB listener port; track i listens on FLEET_LISTENER_BASE_PORT + i (instances serve VLLM_PORT). */
export const FLEET_LISTENER_BASE_PORT = 8100;
/** The engine version each ElastiCache engine gets by default (LiteLLM's cache needs the Redis 7 protocol). */
export const ELASTICACHE_DEFAULT_VERSION = { valkey: "8.0", redis: "7.1" } as const;

/** One Auto Scaling group: the instances of one model track, each running one vLLM server. */
export interface GpuFleetTrackPlan {
  /** The track id (`chat`, `chat-canary`): names the group, its target group and its env var. */
  readonly id: string;
  /** The model name clients send. */
  readonly model: string;
  /** stable, or a canary sharing the model's traffic (the gateway's weights). */
  readonly track: "stable" | "canary";
  readonly gpuType: string;
  readonly gpusPerInstance: number;
  readonly instanceType: string;
  readonly usdPerInstanceHour: number;
  /** Auto Scaling group bounds: one vLLM server per instance, so the track's replicas. */
  readonly minSize: number;
  readonly maxSize: number;
  /** Port of this track's listener on the internal load balancer. */
  readonly listenerPort: number;
  /** Env var the gateway reads the track's base URL from (the load balancer's name exists only once created). */
  readonly apiBaseEnv: string;
  /** Pinned vLLM image; its arguments are rendered from the model's track (fleetVllmArgs), serving on VLLM_PORT. */
  readonly image: string;
}

/** ElastiCache instead of a Redis container. */
export interface ElastiCachePlan {
  readonly engine: "valkey" | "redis";
  readonly engineVersion: string;
  readonly nodeType: string;
  /** Nodes in all: the primary plus replicas. */
  readonly nodes: number;
  readonly usdPerHour: number;
}

/** What the aws-ec2 target adds to the docker plan of its control host. */
export interface AwsEc2Plan {
  readonly kind: "aws-ec2";
  readonly region: string;
  readonly vpcCidr: string;
  readonly availabilityZones: number;
  readonly existingNetwork?: AwsEc2Target["existingNetwork"];
  readonly tags: Readonly<Record<string, string>>;
  readonly controlHost: {
    readonly instanceType: string;
    readonly diskGiB: number;
    readonly usdPerHour: number;
  };
  readonly gatewayClientCidrs: readonly string[];
  readonly gpuDiskGiB: number;
  /** Port vLLM serves on inside every GPU instance (the target groups' port). */
  readonly vllmPort: number;
  /**
   * TCP idle timeout of the load balancer's listeners, seconds: the gateway's request timeout plus a minute, so a
   * long non-streaming completion is not cut (NLB's default is 350 s; LiteLLM would then retry it on the GPU).
   */
  readonly listenerIdleTimeoutSeconds: number;
  readonly tracks: readonly GpuFleetTrackPlan[];
  readonly elasticache?: ElastiCachePlan;
}

/** `chat-canary` → `VLLM_CHAT_CANARY_API_BASE`. */
export const fleetApiBaseEnv = (trackId: string) =>
  `VLLM_${trackId.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_API_BASE`;

/** The GPU instance for a model, or a problem naming the instances that exist for its GPU type. */
export function awsInstanceForModel(
  m: Pick<VllmModel, "gpu">,
  path: string,
  problems: ConfigProblem[],
): AwsGpuInstance | undefined {
  const instance = awsInstanceFor(m.gpu.type, m.gpu.count);
  if (instance) return instance;
  const offered = AWS_GPU_INSTANCES.filter((i) => i.gpu === m.gpu.type).map(
    (i) => `${i.instanceType} (${i.gpus} × ${i.gpu})`,
  );
  problems.push({
    path,
    message:
      `no AWS instance in the catalog carries ${m.gpu.count} × ${m.gpu.type}` +
      (offered.length
        ? `; ${m.gpu.type} comes as ${offered.join(", ")}`
        : `; ${m.gpu.type} is not offered on AWS here`) +
      ". Pick a count or GPU type an instance has, or run on the kubernetes target with your own nodes",
  });
  return undefined;
}

/**
 * One Auto Scaling group per model track: the instance from the model's GPU type and count, one vLLM server per
 * instance (tensor parallel over `gpu.count` GPUs), a listener port on the internal load balancer each.
 */
export function planAwsEc2(
  target: AwsEc2Target,
  models: readonly VllmModel[],
  indexOf: (name: string) => number,
  problems: ConfigProblem[],
  warnings: string[],
  gatewayTimeoutSeconds: number,
): AwsEc2Plan {
  const tracks: GpuFleetTrackPlan[] = [];
  for (const m of models) {
    const instance = awsInstanceForModel(m, formatPath(["models", indexOf(m.name), "gpu"]), problems);
    if (!instance) continue;
    if (instance.gpus > m.gpu.count) {
      warnings.push(
        `${m.name}: ${instance.instanceType} has ${instance.gpus} GPUs and the model uses ${m.gpu.count}; ` +
          `aws-ec2 runs one vLLM server per instance, so ${instance.gpus - m.gpu.count} stay idle (set gpu.count: ${instance.gpus} to use them).`,
      );
    }
    for (const track of m.tracks) {
      tracks.push({
        id: track.id,
        model: m.name,
        track: track.track,
        gpuType: m.gpu.type,
        gpusPerInstance: instance.gpus,
        instanceType: instance.instanceType,
        usdPerInstanceHour: instance.usdPerHour,
        minSize: track.replicas.min,
        maxSize: track.replicas.max,
        listenerPort: FLEET_LISTENER_BASE_PORT + tracks.length,
        apiBaseEnv: fleetApiBaseEnv(track.id),
        image: track.image,
      });
    }
  }
  const cache = target.elasticache;
  return {
    kind: "aws-ec2",
    region: target.region,
    vpcCidr: target.existingNetwork?.vpcCidr ?? target.vpcCidr,
    availabilityZones: target.availabilityZones,
    ...(target.existingNetwork ? { existingNetwork: target.existingNetwork } : {}),
    tags: target.tags,
    controlHost: {
      ...target.controlHost,
      usdPerHour: AWS_CONTROL_HOST_USD_PER_HOUR[target.controlHost.instanceType],
    },
    gatewayClientCidrs: target.gatewayClientCidrs,
    gpuDiskGiB: target.gpuDiskGiB,
    vllmPort: VLLM_PORT,
    // NLB accepts 60–6000 s.
    listenerIdleTimeoutSeconds: Math.min(6000, Math.max(60, gatewayTimeoutSeconds + 60)),
    tracks,
    ...(cache
      ? {
          elasticache: {
            engine: cache.engine,
            engineVersion: cache.engineVersion ?? ELASTICACHE_DEFAULT_VERSION[cache.engine],
            nodeType: cache.nodeType,
            nodes: 1 + cache.replicas,
            usdPerHour: elastiCacheUsdPerHour(cache),
          },
        }
      : {}),
  };
}

const rate = (n: number) => Math.round(n * 10_000) / 10_000;

function elastiCacheUsdPerHour(cache: NonNullable<AwsEc2Target["elasticache"]>): number {
  return rate(AWS_ELASTICACHE_USD_PER_NODE_HOUR[cache.engine][cache.nodeType] * (1 + cache.replicas));
}

/**
 * What an aws-ec2 target costs whatever the load, $/h: the control host, ElastiCache when set, one NAT gateway per
 * AZ of a network the stack creates, and the fleet's internal load balancer when a model runs on the fleet.
 */
export function ec2FixedUsdPerHour(target: AwsEc2Target, fleetTracks: number): number {
  return rate(
    AWS_CONTROL_HOST_USD_PER_HOUR[target.controlHost.instanceType] +
      (target.elasticache ? elastiCacheUsdPerHour(target.elasticache) : 0) +
      (target.existingNetwork ? 0 : target.availabilityZones * NAT_GATEWAY_USD_PER_HOUR) +
      (fleetTracks > 0 ? LOAD_BALANCER_USD_PER_HOUR : 0),
  );
}

/**
 * The aws-ec2 target: the control host runs the docker target's services (Grafana and Prometheus publish on its
 * loopback, reached through SSM port forwarding; the gateway's port is opened to the VPC by its security group),
 * and one Auto Scaling group of GPU instances serves each model track. A replica is a whole instance, priced as
 * one; the control host and the cache cost the same at any load.
 */
export const awsEc2Target: TargetEntry<"aws-ec2"> = {
  kind: "aws-ec2",
  pricing: "aws-ec2",
  place(target, ctx) {
    const vllm = planVllmModels({}, ctx.vllmImage, ctx.hosted, ctx.provided, ctx.problems, ctx.warnings);
    const aws = planAwsEc2(target, vllm, ctx.indexOf, ctx.problems, ctx.warnings, ctx.gateway.timeoutSeconds);
    const perInstance = new Map(aws.tracks.map((t) => [t.model, t.usdPerInstanceHour]));
    const d = DEFAULTS.target.docker;
    return {
      target: {
        kind: "aws-ec2",
        hostMemoryGiB: d.hostMemoryGiB,
        bindAddress: d.bindAddress,
        ports: { ...d.ports },
        costPerHourUsd: ec2FixedUsdPerHour(target, aws.tracks.length),
        modelPullTimeoutSeconds: d.modelPullTimeoutSeconds,
        aws,
      },
      models: vllm.map((m) => ({ ...m, usdPerReplicaHour: perInstance.get(m.name) ?? m.usdPerReplicaHour })),
    };
  },
  services: () => DOCKER_SERVICES,
  // GPU instances bill per group size.
  hourlyUsd: (target) => ({
    min:
      target.costPerHourUsd + target.aws.tracks.reduce((sum, t) => sum + t.minSize * t.usdPerInstanceHour, 0),
    max:
      target.costPerHourUsd + target.aws.tracks.reduce((sum, t) => sum + t.maxSize * t.usdPerInstanceHour, 0),
  }),
  urls: (target, _services, monitoring) => dockerHostUrls(target, monitoring),
};

/**
 * SSM Parameter Store name of a layer secret on aws-ec2 (a SecureString). Instances read it at boot with their
 * role; the value never enters user data, which the AWS provider keeps in clear text in the state (v7).
 */
export const ssmSecretName = (stack: string, configKey: string) => `/ai-layer/${stack}/${configKey}`;
