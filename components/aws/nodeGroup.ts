import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { GPU_TAINT } from "../kubernetes/manifests/common";
import { NVIDIA_AMI_TYPE, type GpuNodeGroupPlan } from "../plan";
import { DEFAULTS } from "../spec";

/** The EKS taint of GPU nodes: the kubernetes target's GPU_TAINT, in EKS's spelling. */
export const EKS_GPU_TAINT = {
  key: GPU_TAINT.key,
  value: "true",
  effect: { NoSchedule: "NO_SCHEDULE", NoExecute: "NO_EXECUTE", PreferNoSchedule: "PREFER_NO_SCHEDULE" }[
    GPU_TAINT.effect
  ],
} as const;
/**
 * IMDSv2 PUT hop limit of every node: 1, so pods on the pod network get no IMDS token and hence never the node
 * role (EKS Best Practices Guide, "Restrict access to the instance profile assigned to the worker node"). Left
 * unset, AL2023 AMIs (ImdsSupport v2.0) launch with 2 (EC2 API, Image.imdsSupport). Host-network pods (aws-node, the Pod Identity agent) are one hop away and keep
 * IMDS; pods that call AWS get their own role through Pod Identity.
 */
export const EKS_NODE_IMDS_HOP_LIMIT = 1;
/** Root device of the EKS AL2023 AMIs (standard and NVIDIA), as of Amazon Linux 2023 AMIs generally. */
export const EKS_NODE_ROOT_DEVICE = "/dev/xvda";
/** Label of the CPU node group's nodes. */
export const CORE_POOL_LABEL = { "ai-layer.dev/pool": "core" } as const;

/** Where a managed node group joins: the cluster, its node role and subnets. */
export interface NodeGroupPlacement {
  /** EKS cluster the nodes join. */
  readonly clusterName: pulumi.Input<string>;
  /** Kubernetes version of the nodes; the cluster's when omitted. */
  readonly kubernetesVersion?: pulumi.Input<string>;
  /** IAM role of the nodes (AmazonEKSWorkerNodePolicy, AmazonEC2ContainerRegistryReadOnly). */
  readonly nodeRoleArn: pulumi.Input<string>;
  /** Private subnets of the nodes (no public addresses). */
  readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Tags of the node group (owner, environment, cost-center). */
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * One managed node group, sized by min/max; cluster-autoscaler owns its desired size once created. Its launch
 * template requires IMDSv2 with hop limit EKS_NODE_IMDS_HOP_LIMIT and gives the encrypted gp3 root volume (with a
 * launch template the disk size must live there: EKS CreateNodegroup `diskSize` "If you specify launchTemplate,
 * then don't specify diskSize").
 */
export function managedNodeGroup(
  name: string,
  args: NodeGroupPlacement & {
    group: string;
    amiType: string;
    instanceType: string;
    capacityType: string;
    minSize: number;
    maxSize: number;
    diskSizeGiB: number;
    labels: Record<string, string>;
    taints?: { key: string; value: string; effect: string }[];
  },
  opts: pulumi.CustomResourceOptions,
): aws.eks.NodeGroup {
  const tags = { ...args.tags, "ai-layer.dev/node-group": args.group };
  const template = new aws.ec2.LaunchTemplate(
    name,
    {
      description: `ai-layer EKS node group ${args.group}`,
      metadataOptions: {
        httpEndpoint: "enabled",
        httpTokens: "required",
        httpPutResponseHopLimit: EKS_NODE_IMDS_HOP_LIMIT,
      },
      blockDeviceMappings: [
        {
          deviceName: EKS_NODE_ROOT_DEVICE,
          ebs: {
            volumeSize: args.diskSizeGiB,
            volumeType: "gp3",
            encrypted: "true",
            deleteOnTermination: "true",
          },
        },
      ],
      tagSpecifications: [
        { resourceType: "instance", tags },
        { resourceType: "volume", tags },
      ],
      tags,
    },
    opts,
  );
  return new aws.eks.NodeGroup(
    name,
    {
      clusterName: args.clusterName,
      ...(args.kubernetesVersion ? { version: args.kubernetesVersion } : {}),
      nodeRoleArn: args.nodeRoleArn,
      subnetIds: args.subnetIds,
      amiType: args.amiType,
      instanceTypes: [args.instanceType],
      capacityType: args.capacityType,
      launchTemplate: { id: template.id, version: template.latestVersion.apply(String) },
      scalingConfig: { minSize: args.minSize, maxSize: args.maxSize, desiredSize: args.minSize },
      updateConfig: { maxUnavailable: 1 },
      labels: args.labels,
      ...(args.taints ? { taints: args.taints } : {}),
      tags,
    },
    // cluster-autoscaler owns desiredSize once the group exists.
    { ...opts, ignoreChanges: ["scalingConfig.desiredSize"] },
  );
}

export interface AwsGpuNodeGroupArgs extends NodeGroupPlacement {
  /** The group from the plan (plan.target.aws.gpuNodeGroups[i]): instance type, GPU type, min/max nodes. */
  readonly nodeGroup: GpuNodeGroupPlan;
  /**
   * Node label whose value is the GPU type; vLLM pods select on it. Default `ai-layer.dev/gpu` (the kubernetes
   * target's target.gpuNodeLabel default).
   */
  readonly gpuNodeLabel?: string;
  /** ON_DEMAND or SPOT. Default ON_DEMAND. */
  readonly capacityType?: "ON_DEMAND" | "SPOT";
  /** Root volume of each node, GiB (model weights are cached on the node). Default 200. */
  readonly diskSizeGiB?: number;
}

/**
 * A managed EKS node group of one GPU instance type for vLLM: the NVIDIA AL2023 AMI, the `nvidia.com/gpu`
 * taint the vLLM pods tolerate and the GPU-type label they select, one definition shared with the kubernetes
 * target so the two cannot drift. Add it to a cluster you have, or let AwsEksCluster create one per GPU type.
 */
export class AwsGpuNodeGroup extends pulumi.ComponentResource {
  public readonly nodeGroup: aws.eks.NodeGroup;
  /** EKS name of the node group. */
  public readonly nodeGroupName: pulumi.Output<string>;

  constructor(name: string, args: AwsGpuNodeGroupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-layer:index:AwsGpuNodeGroup", name, { nodeGroup: args.nodeGroup }, opts);
    const g = args.nodeGroup;
    this.nodeGroup = managedNodeGroup(
      name,
      {
        ...args,
        group: g.name,
        amiType: NVIDIA_AMI_TYPE,
        instanceType: g.instanceType,
        capacityType: args.capacityType ?? "ON_DEMAND",
        minSize: g.minSize,
        maxSize: g.maxSize,
        diskSizeGiB: args.diskSizeGiB ?? 200,
        labels: { [args.gpuNodeLabel ?? DEFAULTS.target.kubernetes.gpuNodeLabel]: g.gpuType },
        taints: [{ ...EKS_GPU_TAINT }],
      },
      { parent: this },
    );
    this.nodeGroupName = this.nodeGroup.nodeGroupName;
    this.registerOutputs({ nodeGroupName: this.nodeGroupName });
  }
}
