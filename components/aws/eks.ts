import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CORE_NODE_GROUP, type AwsEksPlan, type PlanFor } from "../plan";
import { AwsEksAddons, podIdentityNetworking } from "./addons";
import { managedPolicyArn, roleWithPolicies, serviceTrustPolicy } from "./common";
import { EKS_CONTROL_PLANE_LOG_TYPES, secretsEncryptionKey } from "./eksHardening";
import { eksKubeconfig } from "./kubeconfig";
import { AwsNetwork, existingNetwork } from "./network";
import { AwsGpuNodeGroup, CORE_POOL_LABEL, managedNodeGroup } from "./nodeGroup";

export { CORE_POOL_LABEL, EKS_GPU_TAINT } from "./nodeGroup";

export interface AwsEksClusterArgs {
  /** The layer plan of an aws-eks target: its VPC, EKS version and GPU node groups. */
  readonly plan: PlanFor<"aws-eks">;
  /**
   * Root volume of each GPU node, GiB. vLLM caches model weights on the node, so it is at least 200.
   * Default 200.
   */
  readonly gpuNodeDiskGiB?: number;
  /**
   * AWS provider to create everything with. Default: one for the plan's region with the plan's tags as
   * defaultTags.
   */
  readonly awsProvider?: aws.Provider;
}

/** Minimum GPU node root volume: a 70B model at bf16 is ~140 GB of weights before the image and logs. */
export const MIN_GPU_NODE_DISK_GIB = 200;
/** The aws part of an aws-eks plan and the node label the vLLM pods select. */
export function awsPlanOf(plan: PlanFor<"aws-eks">): { aws: AwsEksPlan; gpuNodeLabel: string } {
  return { aws: plan.target.aws, gpuNodeLabel: plan.target.gpuNodeLabel };
}

/**
 * An EKS cluster for the layer: its VPC, a CPU node group for the gateway, cache, monitoring and system pods,
 * one managed GPU node group per GPU type the plan needs (NVIDIA AL2023 AMI, the GPU taint, the node label the
 * vLLM pods select), the EBS CSI driver with a default gp3 StorageClass, cluster-autoscaler, and a Kubernetes
 * provider for the kubernetes target to deploy with.
 */
export class AwsEksCluster extends pulumi.ComponentResource {
  public readonly clusterName: pulumi.Output<string>;
  public readonly clusterEndpoint: pulumi.Output<string>;
  /** kubeconfig with `aws eks get-token` exec auth (secret: it names the endpoint and CA). */
  public readonly kubeconfig: pulumi.Output<string>;
  /** Kubernetes provider for the new cluster (pass it to KubernetesLayer). */
  public readonly provider: k8s.Provider;
  public readonly awsProvider: aws.Provider;
  public readonly vpcId: pulumi.Output<string>;
  public readonly publicSubnetIds: pulumi.Output<string[]>;
  public readonly privateSubnetIds: pulumi.Output<string[]>;
  /** EKS names of the GPU node groups, by plan node group name (gpu-l4, gpu-a10g-4x, …). */
  public readonly gpuNodeGroupNames: Record<string, pulumi.Output<string>>;
  /** The default StorageClass (gp3, encrypted). */
  public readonly storageClassName: pulumi.Output<string>;

  constructor(name: string, args: AwsEksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-layer:index:AwsEksCluster", name, { gpuNodeDiskGiB: args.gpuNodeDiskGiB }, opts);
    const { aws: plan, gpuNodeLabel } = awsPlanOf(args.plan);
    const diskSize = args.gpuNodeDiskGiB ?? MIN_GPU_NODE_DISK_GIB;
    if (diskSize < MIN_GPU_NODE_DISK_GIB)
      throw new Error(
        `gpuNodeDiskGiB ${diskSize} is below ${MIN_GPU_NODE_DISK_GIB}: model weights live on the node`,
      );
    const tags = { ...plan.tags };
    const region = plan.region;

    this.awsProvider =
      args.awsProvider ??
      new aws.Provider(`${name}-aws`, { region, defaultTags: { tags } }, { parent: this });
    const res = { parent: this, provider: this.awsProvider };

    // A team's own VPC (target.existingNetwork): use its private subnets and create no network.
    const network = plan.existingNetwork
      ? existingNetwork(plan.existingNetwork)
      : new AwsNetwork(
          `${name}-net`,
          { vpcCidr: plan.vpcCidr, availabilityZones: plan.availabilityZones, tags },
          { parent: this, providers: { aws: this.awsProvider } },
        );

    const clusterRole = roleWithPolicies(
      `${name}-cluster`,
      {
        description: "EKS control plane",
        assumeRolePolicy: serviceTrustPolicy("eks.amazonaws.com", ["sts:AssumeRole", "sts:TagSession"]),
        policyArns: [managedPolicyArn(region, "AmazonEKSClusterPolicy")],
        tags,
      },
      res,
    );
    const nodeRole = roleWithPolicies(
      `${name}-node`,
      {
        description: "EKS worker nodes",
        assumeRolePolicy: serviceTrustPolicy("ec2.amazonaws.com"),
        // No AmazonEKS_CNI_Policy: the VPC CNI gets it through Pod Identity (podIdentityNetworking), so the
        // node role cannot create or attach network interfaces. AmazonEKSWorkerNodePolicy carries the agent's
        // eks-auth:AssumeRoleForPodIdentity.
        policyArns: [
          managedPolicyArn(region, "AmazonEKSWorkerNodePolicy"),
          managedPolicyArn(region, "AmazonEC2ContainerRegistryReadOnly"),
        ],
        tags,
      },
      res,
    );

    const secrets = secretsEncryptionKey(name, { clusterRoleName: clusterRole.role.name, tags }, res);
    const cluster = new aws.eks.Cluster(
      `${name}-eks`,
      {
        roleArn: clusterRole.role.arn,
        version: plan.kubernetesVersion,
        // Access entries only (no aws-auth ConfigMap); whoever creates the cluster is its first admin.
        accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true },
        vpcConfig: {
          subnetIds: network.privateSubnetIds,
          endpointPrivateAccess: true,
          endpointPublicAccess: plan.endpointPublicAccess,
          ...(plan.endpointPublicAccess ? { publicAccessCidrs: [...plan.publicAccessCidrs] } : {}),
        },
        // Every control-plane log, for audit and for debugging auth (CloudWatch Logs).
        enabledClusterLogTypes: [...EKS_CONTROL_PLANE_LOG_TYPES],
        // Secrets are envelope-encrypted with the layer's own KMS key, not only by the EBS default.
        encryptionConfig: { provider: { keyArn: secrets.key.arn }, resources: ["secrets"] },
        tags,
      },
      { ...res, dependsOn: [...clusterRole.attachments, secrets.rolePolicy] },
    );

    // Before any node: the VPC CNI must have its role when the first aws-node pod starts, since the nodes' IMDS
    // hop limit of 1 (managedNodeGroup) keeps the node role from pods and the node role no longer has the CNI
    // policy. DaemonSet add-ons turn ACTIVE without nodes (terraform-aws-eks creates these `before_compute`).
    const networking = podIdentityNetworking(`${name}-net`, { clusterName: cluster.name, region, tags }, res);
    const beforeNodes = [...nodeRole.attachments, networking.vpcCni];

    const nodeGroupArgs = {
      clusterName: cluster.name,
      kubernetesVersion: cluster.version,
      nodeRoleArn: nodeRole.role.arn,
      // Nodes never get public addresses: private subnets only, egress through NAT.
      subnetIds: network.privateSubnetIds,
      tags,
    };
    const core = managedNodeGroup(
      `${name}-core`,
      {
        ...nodeGroupArgs,
        group: "core",
        amiType: "AL2023_x86_64_STANDARD",
        instanceType: CORE_NODE_GROUP.instanceType,
        capacityType: "ON_DEMAND",
        minSize: CORE_NODE_GROUP.min,
        maxSize: CORE_NODE_GROUP.max,
        diskSizeGiB: 50,
        labels: { ...CORE_POOL_LABEL },
      },
      { ...res, dependsOn: beforeNodes },
    );
    const gpuGroups = plan.gpuNodeGroups.map(
      (g) =>
        new AwsGpuNodeGroup(
          `${name}-${g.name}`,
          {
            ...nodeGroupArgs,
            nodeGroup: g,
            gpuNodeLabel,
            capacityType: plan.capacityType,
            diskSizeGiB: diskSize,
          },
          { parent: this, providers: { aws: this.awsProvider }, dependsOn: beforeNodes },
        ),
    );

    this.kubeconfig = pulumi.secret(
      pulumi
        .all([cluster.name, cluster.endpoint, cluster.certificateAuthority])
        .apply(([clusterName, endpoint, ca]) =>
          eksKubeconfig({ clusterName, endpoint, certificateAuthorityData: ca.data ?? "", region }),
        ),
    );
    this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig }, { parent: this });

    const addons = new AwsEksAddons(
      `${name}-addons`,
      {
        clusterName: cluster.name,
        clusterArn: cluster.arn,
        region,
        kubernetesVersion: plan.kubernetesVersion,
        tags,
        k8sProvider: this.provider,
        nodeSelector: { ...CORE_POOL_LABEL },
        podIdentityAgent: networking.podIdentityAgent,
      },
      // Add-ons schedule pods: wait for the nodes (an add-on created before any node sits DEGRADED).
      { parent: this, providers: { aws: this.awsProvider }, dependsOn: [core] },
    );

    this.clusterName = cluster.name;
    this.clusterEndpoint = cluster.endpoint;
    this.vpcId = network.vpcId;
    this.publicSubnetIds = network.publicSubnetIds;
    this.privateSubnetIds = network.privateSubnetIds;
    this.gpuNodeGroupNames = Object.fromEntries(
      plan.gpuNodeGroups.map((g, i) => [g.name, gpuGroups[i]!.nodeGroupName]),
    );
    this.storageClassName = addons.storageClassName;
    this.registerOutputs({
      clusterName: this.clusterName,
      clusterEndpoint: this.clusterEndpoint,
      kubeconfig: this.kubeconfig,
      vpcId: this.vpcId,
      publicSubnetIds: this.publicSubnetIds,
      privateSubnetIds: this.privateSubnetIds,
      storageClassName: this.storageClassName,
    });
  }
}
