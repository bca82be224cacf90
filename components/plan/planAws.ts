import {
  AWS_CONTROL_HOST_USD_PER_HOUR,
  EKS_CONTROL_PLANE_USD_PER_HOUR,
  EKS_VERSIONS,
  eksSupportOn,
  KMS_KEY_USD_PER_HOUR,
  LOAD_BALANCER_USD_PER_HOUR,
  NAT_GATEWAY_USD_PER_HOUR,
  type AwsGpuInstance,
} from "../catalog";
import { formatPath, type AwsEksTarget, type ConfigProblem } from "../spec";
import { awsInstanceForModel } from "./planAwsEc2";
import { awsInstanceFor } from "../catalog";
import { kubernetesServices, planVllmModels } from "./planKubernetes";
import { clusterUrls, type TargetEntry } from "./targetEntry";
import { isVllm, type VllmModel } from "./types";

/** EKS managed node group AMI for NVIDIA GPUs on AL2023 (runtime-facts.md §E; AL2 GPU AMIs end at 1.32). */
export const NVIDIA_AMI_TYPE = "AL2023_x86_64_NVIDIA";
/** The CPU node group for the gateway, Redis, monitoring and system pods. */
export const CORE_NODE_GROUP = { instanceType: "m6i.large", min: 2, max: 4 } as const;

/** One managed GPU node group: a GPU type on one instance type, sized from the plan's replicas. */
export interface GpuNodeGroupPlan {
  /** `gpu-l4`, `gpu-a10g-4x`, … */
  readonly name: string;
  readonly gpuType: string;
  readonly instanceType: string;
  readonly gpusPerNode: number;
  readonly usdPerNodeHour: number;
  readonly minSize: number;
  readonly maxSize: number;
  /** Models whose replicas run here. */
  readonly models: readonly string[];
}

/** What the aws-eks target adds to the kubernetes plan. */
export interface AwsEksPlan {
  readonly region: string;
  readonly kubernetesVersion: string;
  readonly vpcCidr: string;
  readonly availabilityZones: number;
  /** A VPC the team has: the cluster goes into its private subnets and no network is created. */
  readonly existingNetwork?: AwsEksTarget["existingNetwork"];
  readonly endpointPublicAccess: boolean;
  readonly publicAccessCidrs: readonly string[];
  readonly capacityType: "ON_DEMAND" | "SPOT";
  readonly tags: Readonly<Record<string, string>>;
  readonly gpuNodeGroups: readonly GpuNodeGroupPlan[];
  readonly amiType: typeof NVIDIA_AMI_TYPE;
  /** What the cluster costs whatever the load, $/h (components/catalog/eks.ts, awsInstances.ts for the sources). */
  readonly fixedCost: {
    /** The version's support phase on the plan date, and the control plane's $/h in it. */
    readonly controlPlane: { readonly support: "standard" | "extended"; readonly usdPerHour: number };
    /** One NAT gateway per AZ the stack creates (none in an existing network). */
    readonly natGateways: { readonly count: number; readonly usdPerHour: number };
    /** The CPU node group (CORE_NODE_GROUP) at its min and max size. */
    readonly coreNodes: { readonly instanceType: string; readonly usdPerNodeHour: number };
    /** One load balancer per Service exposed as type LoadBalancer (the gateway's, Redis'). */
    readonly loadBalancers: { readonly count: number; readonly usdPerHour: number };
    /** The KMS key that envelope-encrypts the cluster's Secrets (its first year; rotations add to it). */
    readonly secretsKey: { readonly usdPerHour: number };
  };
}

/** The cluster's fixed $/h at min and max scale: control plane, NAT gateways, load balancers, KMS key, CPU nodes. */
export function eksFixedUsdPerHour(plan: Pick<AwsEksPlan, "fixedCost">): { min: number; max: number } {
  const f = plan.fixedCost;
  const base =
    f.controlPlane.usdPerHour +
    f.natGateways.count * f.natGateways.usdPerHour +
    f.loadBalancers.count * f.loadBalancers.usdPerHour +
    f.secretsKey.usdPerHour;
  return {
    min: base + CORE_NODE_GROUP.min * f.coreNodes.usdPerNodeHour,
    max: base + CORE_NODE_GROUP.max * f.coreNodes.usdPerNodeHour,
  };
}

/**
 * Picks the instance for each model from its GPU type and count, and sizes one node group per instance type:
 * replicas pack `gpusPerNode / count` to a node, so the group's min/max are the nodes min/max replicas need.
 */
export function planAwsEks(
  target: AwsEksTarget,
  models: readonly VllmModel[],
  indexOf: (name: string) => number,
  problems: ConfigProblem[],
  warnings: string[] = [],
  today = new Date().toISOString().slice(0, 10),
): AwsEksPlan {
  const support = eksSupportOn(target.kubernetesVersion, today) ?? "standard";
  const calendar = EKS_VERSIONS[target.kubernetesVersion];
  if (support === "ended" && calendar) {
    problems.push({
      path: formatPath(["target", "kubernetesVersion"]),
      message: `EKS ${target.kubernetesVersion} left extended support on ${calendar.extendedEnds}; EKS would upgrade it. Use a version in standard support`,
    });
  } else if (support === "extended" && calendar) {
    warnings.push(
      `EKS ${target.kubernetesVersion} left standard support on ${calendar.standardEnds}: the control plane costs ` +
        `$${EKS_CONTROL_PLANE_USD_PER_HOUR.extended}/h (extended support) instead of $${EKS_CONTROL_PLANE_USD_PER_HOUR.standard}/h. ` +
        "Upgrade target.kubernetesVersion to one in standard support.",
    );
  }
  if (target.endpointPublicAccess && target.publicAccessCidrs.length === 0) {
    problems.push({
      path: formatPath(["target", "publicAccessCidrs"]),
      message:
        "list the CIDRs allowed to the public EKS API (e.g. your office or VPN), or set endpointPublicAccess: false",
    });
  }
  const groups = new Map<
    string,
    {
      gpuType: string;
      instance: AwsGpuInstance;
      min: number;
      max: number;
      models: string[];
    }
  >();
  for (const m of models) {
    const instance = awsInstanceForModel(m, formatPath(["models", indexOf(m.name), "gpu"]), problems);
    if (!instance) continue;
    const perNode = Math.floor(instance.gpus / m.gpu.count);
    const replicas = (bound: "min" | "max") => m.tracks.reduce((n, t) => n + t.replicas[bound], 0);
    const g = groups.get(instance.instanceType) ?? {
      gpuType: m.gpu.type,
      instance,
      min: 0,
      max: 0,
      models: [],
    };
    g.min += Math.ceil(replicas("min") / perNode);
    g.max += Math.ceil(replicas("max") / perNode);
    g.models.push(m.name);
    groups.set(instance.instanceType, g);
  }
  return {
    region: target.region,
    kubernetesVersion: target.kubernetesVersion,
    vpcCidr: target.existingNetwork?.vpcCidr ?? target.vpcCidr,
    availabilityZones: target.availabilityZones,
    ...(target.existingNetwork ? { existingNetwork: target.existingNetwork } : {}),
    endpointPublicAccess: target.endpointPublicAccess,
    publicAccessCidrs: target.publicAccessCidrs,
    capacityType: target.capacityType,
    tags: target.tags,
    amiType: NVIDIA_AMI_TYPE,
    fixedCost: {
      controlPlane: {
        support: support === "standard" ? "standard" : "extended",
        usdPerHour: EKS_CONTROL_PLANE_USD_PER_HOUR[support === "standard" ? "standard" : "extended"],
      },
      natGateways: {
        count: target.existingNetwork ? 0 : target.availabilityZones,
        usdPerHour: NAT_GATEWAY_USD_PER_HOUR,
      },
      coreNodes: {
        instanceType: CORE_NODE_GROUP.instanceType,
        usdPerNodeHour: AWS_CONTROL_HOST_USD_PER_HOUR[CORE_NODE_GROUP.instanceType],
      },
      loadBalancers: {
        count: [target.gateway.expose, target.cache.expose].filter((e) => e === "load-balancer").length,
        usdPerHour: LOAD_BALANCER_USD_PER_HOUR,
      },
      secretsKey: { usdPerHour: KMS_KEY_USD_PER_HOUR },
    },
    gpuNodeGroups: [...groups.values()].map((g) => ({
      name: `gpu-${g.gpuType.toLowerCase()}${g.instance.gpus > 1 ? `-${g.instance.gpus}x` : ""}`,
      gpuType: g.gpuType,
      instanceType: g.instance.instanceType,
      gpusPerNode: g.instance.gpus,
      usdPerNodeHour: g.instance.usdPerHour,
      // An autoscaler cannot scale a node group below 1 when pods must start from zero quickly; 0 is allowed.
      minSize: g.min,
      maxSize: Math.max(g.max, 1),
      models: g.models,
    })),
  };
}

/** The aws-eks target: the cluster the stack creates (VPC, EKS, GPU node groups), billed per node. */
export const awsEksTarget: TargetEntry<"aws-eks"> = {
  kind: "aws-eks",
  pricing: "kubernetes",
  place(target, ctx) {
    const models = planVllmModels(
      target,
      ctx.vllmImage,
      ctx.hosted,
      ctx.provided,
      ctx.problems,
      ctx.warnings,
    );
    const aws = planAwsEks(target, models.filter(isVllm), ctx.indexOf, ctx.problems, ctx.warnings, ctx.today);
    const {
      region: _r,
      kubernetesVersion: _v,
      vpcCidr: _c,
      availabilityZones: _a,
      endpointPublicAccess: _e,
      publicAccessCidrs: _p,
      capacityType: _t,
      tags: _g,
      existingNetwork: _n,
      ...cluster
    } = target;
    // The planner picks the instance here, so a replica costs the whole instance that carries its GPUs (a 2 × L40S
    // replica pays a g6e.12xlarge, as one replica alone is billed), unless the config prices GPU-hours itself.
    const priced =
      target.costPerGpuHourUsd !== undefined
        ? models
        : models.map((m) => ({
            ...m,
            usdPerReplicaHour: awsInstanceFor(m.gpu.type, m.gpu.count)?.usdPerHour ?? m.usdPerReplicaHour,
          }));
    return { target: { ...cluster, aws }, models: priced };
  },
  services: (target) => kubernetesServices(target.namespace),
  // On AWS the bill is per node: node groups' min/max × the instance's $/h, plus the control plane, the NAT
  // gateways and the CPU node group.
  hourlyUsd: (target) => {
    const fixed = eksFixedUsdPerHour(target.aws);
    return {
      min: fixed.min + target.aws.gpuNodeGroups.reduce((sum, g) => sum + g.minSize * g.usdPerNodeHour, 0),
      max: fixed.max + target.aws.gpuNodeGroups.reduce((sum, g) => sum + g.maxSize * g.usdPerNodeHour, 0),
    };
  },
  urls: (_target, services, monitoring) => clusterUrls(services, monitoring),
};
