/**
 * AWS GPU instance types the planner can pick, with their GPUs and us-east-1 on-demand $/h. Source:
 * ../shared/reference/runtime-facts.md §F (Karpenter's generated instance-type reference and pricing table,
 * 2026-07-20). Only instances whose price is in that table are listed: a choice the plan cannot price is not
 * offered.
 */
export interface AwsGpuInstance {
  readonly instanceType: string;
  /** GPU catalog id (gpus.ts). */
  readonly gpu: string;
  readonly gpus: number;
  readonly vcpu: number;
  readonly memoryGiB: number;
  readonly usdPerHour: number;
}

export const AWS_GPU_INSTANCES: readonly AwsGpuInstance[] = [
  { instanceType: "g4dn.xlarge", gpu: "T4", gpus: 1, vcpu: 4, memoryGiB: 16, usdPerHour: 0.526 },
  { instanceType: "g5.xlarge", gpu: "A10G", gpus: 1, vcpu: 4, memoryGiB: 16, usdPerHour: 1.006 },
  { instanceType: "g5.12xlarge", gpu: "A10G", gpus: 4, vcpu: 48, memoryGiB: 192, usdPerHour: 5.672 },
  { instanceType: "g5.48xlarge", gpu: "A10G", gpus: 8, vcpu: 192, memoryGiB: 768, usdPerHour: 16.288 },
  { instanceType: "g6.xlarge", gpu: "L4", gpus: 1, vcpu: 4, memoryGiB: 16, usdPerHour: 0.8048 },
  // runtime-facts.md §H (AWS prices): g6.12xlarge (4 × L4) $4.602/h.
  { instanceType: "g6.12xlarge", gpu: "L4", gpus: 4, vcpu: 48, memoryGiB: 192, usdPerHour: 4.602 },
  // Not in runtime-facts.md: AWS EC2 us-east-1 on-demand Linux list price ($13.3504/h, as public copies of the
  // AWS price list quote it). List price, re-check against the price list when it matters.
  { instanceType: "g6.48xlarge", gpu: "L4", gpus: 8, vcpu: 192, memoryGiB: 768, usdPerHour: 13.3504 },
  { instanceType: "g6e.xlarge", gpu: "L40S", gpus: 1, vcpu: 4, memoryGiB: 32, usdPerHour: 1.861 },
  { instanceType: "g6e.12xlarge", gpu: "L40S", gpus: 4, vcpu: 48, memoryGiB: 384, usdPerHour: 10.4926 },
  { instanceType: "p4d.24xlarge", gpu: "A100-40GB", gpus: 8, vcpu: 96, memoryGiB: 1152, usdPerHour: 21.958 },
  { instanceType: "p5.48xlarge", gpu: "H100", gpus: 8, vcpu: 192, memoryGiB: 2048, usdPerHour: 55.04 },
];

/** The smallest listed instance carrying at least `count` GPUs of `gpu`. */
export function awsInstanceFor(gpu: string, count: number): AwsGpuInstance | undefined {
  return AWS_GPU_INSTANCES.filter((i) => i.gpu === gpu && i.gpus >= count).sort((a, b) => a.gpus - b.gpus)[0];
}

/**
 * $/h of one replica that needs `count` × `gpu` on AWS: the instance that carries it, shared by the replicas that
 * fit on it (floor(instance GPUs / count)). A replica of 4 × A10G costs the whole g5.12xlarge; two replicas of
 * 2 × L40S share one g6e.12xlarge. Undefined when no listed instance carries the shape.
 */
export function awsReplicaUsdPerHour(gpu: string, count: number): number | undefined {
  const instance = awsInstanceFor(gpu, count);
  if (!instance) return undefined;
  return Math.round((instance.usdPerHour / Math.floor(instance.gpus / count)) * 10_000) / 10_000;
}

/**
 * CPU instances the aws-ec2 target's control host (gateway, Redis, Prometheus, Grafana) can be, with us-east-1
 * on-demand Linux $/h from the AWS EC2 price list. These are list prices, not in runtime-facts.md: re-check them
 * against the price list when they matter.
 */
export const AWS_CONTROL_HOST_USD_PER_HOUR = {
  "t3.large": 0.0832,
  "t3.xlarge": 0.1664,
  "m6i.large": 0.096,
  "m6i.xlarge": 0.192,
  "m6i.2xlarge": 0.384,
} as const;

/**
 * ElastiCache node-based $/h per node, us-east-1 on-demand (AWS ElastiCache price list; Valkey is priced 20%
 * below Redis OSS). List prices, not in runtime-facts.md.
 */
export const AWS_ELASTICACHE_USD_PER_NODE_HOUR = {
  redis: {
    "cache.t4g.micro": 0.016,
    "cache.t4g.small": 0.032,
    "cache.t4g.medium": 0.065,
    "cache.m7g.large": 0.158,
  },
  valkey: {
    "cache.t4g.micro": 0.0128,
    "cache.t4g.small": 0.0256,
    "cache.t4g.medium": 0.052,
    "cache.m7g.large": 0.1264,
  },
} as const;
