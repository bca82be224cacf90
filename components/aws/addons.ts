import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { managedPolicyArn, POD_IDENTITY_TRUST_POLICY, roleWithPolicies } from "./common";

export interface AwsEksAddonsArgs {
  /** Name of the EKS cluster. */
  readonly clusterName: pulumi.Input<string>;
  /** ARN of the EKS cluster (scopes the autoscaler's eks:DescribeNodegroup to its node groups). */
  readonly clusterArn: pulumi.Input<string>;
  /** Region of the cluster. */
  readonly region: string;
  /** The cluster's pinned Kubernetes minor version, e.g. 1.33 (picks the matching autoscaler image). */
  readonly kubernetesVersion: string;
  /** Tags for every taggable resource. */
  readonly tags: Readonly<Record<string, string>>;
  /** Provider for the cluster (the StorageClass and the autoscaler's Helm release). */
  readonly k8sProvider: k8s.Provider;
  /** Node labels of the CPU nodes the autoscaler runs on (never on a GPU node it might scale away). */
  readonly nodeSelector: Readonly<Record<string, string>>;
  /**
   * The cluster's eks-pod-identity-agent add-on, when the caller made it already (AwsEksCluster does, before any
   * node, with podIdentityNetworking). Default: this component creates it.
   */
  readonly podIdentityAgent?: aws.eks.Addon;
}

/** Service account of the VPC CNI's DaemonSet (aws-node in kube-system; EKS User Guide "cni-iam-role"). */
export const VPC_CNI_SERVICE_ACCOUNT = "aws-node";

/**
 * The add-ons a node needs before it can run pods, with the VPC CNI's AWS permissions through EKS Pod Identity
 * instead of the node role: the eks-pod-identity-agent add-on, a role with AmazonEKS_CNI_Policy that only
 * kube-system/aws-node may assume, and the vpc-cni add-on associated with it (aws.eks.Addon
 * `podIdentityAssociations`, @pulumi/aws 7.48; the CNI "also supports Amazon EKS Pod Identities", EKS User Guide
 * "Configure Amazon VPC CNI plugin to use IRSA"). aws-node and the agent run on the host network, so the nodes'
 * IMDS hop limit of 1 does not cut them off; the CNI's own role replaces the node role's.
 */
export function podIdentityNetworking(
  name: string,
  args: { clusterName: pulumi.Input<string>; region: string; tags: Readonly<Record<string, string>> },
  opts: pulumi.CustomResourceOptions,
): { podIdentityAgent: aws.eks.Addon; vpcCni: aws.eks.Addon; cniRole: aws.iam.Role } {
  const tags = { ...args.tags };
  const podIdentityAgent = new aws.eks.Addon(
    `${name}-pod-identity-agent`,
    { clusterName: args.clusterName, addonName: "eks-pod-identity-agent", tags },
    opts,
  );
  const cniRole = roleWithPolicies(
    `${name}-vpc-cni`,
    {
      description: "Amazon VPC CNI, aws-node (Pod Identity)",
      assumeRolePolicy: POD_IDENTITY_TRUST_POLICY,
      policyArns: [managedPolicyArn(args.region, "AmazonEKS_CNI_Policy")],
      tags,
    },
    opts,
  );
  const vpcCni = new aws.eks.Addon(
    `${name}-vpc-cni`,
    {
      clusterName: args.clusterName,
      addonName: "vpc-cni",
      // EKS installs a self-managed VPC CNI with every cluster: the managed add-on takes it over.
      resolveConflictsOnCreate: "OVERWRITE",
      resolveConflictsOnUpdate: "PRESERVE",
      podIdentityAssociations: [{ serviceAccount: VPC_CNI_SERVICE_ACCOUNT, roleArn: cniRole.role.arn }],
      // Enforce the layer's NetworkPolicies (components/kubernetes/networkFlows.ts): without this the VPC CNI
      // accepts them and enforces nothing. EKS User Guide "Configure your cluster for Kubernetes network policies"
      // (cni-network-policy.html): add-on configuration value `enableNetworkPolicy: "true"` (a string), VPC CNI
      // ≥1.14 (the network policy agent ships with it, aws/aws-network-policy-agent README), BPF FS mounted (every
      // EKS AMI from 1.27; the pinned version is 1.35).
      configurationValues: JSON.stringify({ enableNetworkPolicy: "true" }),
      tags,
    },
    { ...opts, dependsOn: [podIdentityAgent, ...cniRole.attachments] },
  );
  return { podIdentityAgent, vpcCni, cniRole: cniRole.role };
}

/** cluster-autoscaler Helm chart, pinned (kubernetes/autoscaler tag cluster-autoscaler-chart-9.59.0). */
export const CLUSTER_AUTOSCALER_CHART = {
  chart: "cluster-autoscaler",
  version: "9.59.0",
  repo: "https://kubernetes.github.io/autoscaler",
} as const;
/**
 * The autoscaler's minor must match the cluster's: newest patch tag per minor in kubernetes/autoscaler
 * (cluster-autoscaler-1.x.y tags, 2026-07). The chart's own default (v1.35.0) is only right for 1.35.
 */
export const CLUSTER_AUTOSCALER_IMAGE_TAGS: Readonly<Record<string, string>> = {
  "1.31": "v1.31.5",
  "1.32": "v1.32.7",
  "1.33": "v1.33.6",
  "1.34": "v1.34.5",
  "1.35": "v1.35.2",
};
export const CLUSTER_AUTOSCALER_SERVICE_ACCOUNT = "cluster-autoscaler";
export const EBS_CSI_SERVICE_ACCOUNT = "ebs-csi-controller-sa";
export const GP3_STORAGE_CLASS = "gp3";

/**
 * The least privilege cluster-autoscaler needs on AWS (its cloudprovider/aws README): read ASGs, instance types
 * and this cluster's node groups; resize and terminate only ASGs EKS tagged as owned by this cluster.
 */
export function clusterAutoscalerPolicy(clusterName: string, clusterArn: string): string {
  const nodegroups = `${clusterArn.replace(":cluster/", ":nodegroup/")}/*/*`;
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "Read",
        Effect: "Allow",
        Action: [
          "autoscaling:DescribeAutoScalingGroups",
          "autoscaling:DescribeAutoScalingInstances",
          "autoscaling:DescribeLaunchConfigurations",
          "autoscaling:DescribeScalingActivities",
          "autoscaling:DescribeTags",
          "ec2:DescribeImages",
          "ec2:DescribeInstanceTypes",
          "ec2:DescribeLaunchTemplateVersions",
          "ec2:GetInstanceTypesFromInstanceRequirements",
        ],
        Resource: "*",
      },
      { Sid: "NodeGroups", Effect: "Allow", Action: ["eks:DescribeNodegroup"], Resource: nodegroups },
      {
        Sid: "ScaleOwnGroups",
        Effect: "Allow",
        Action: ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
        Resource: "*",
        Condition: {
          StringEquals: { [`aws:ResourceTag/k8s.io/cluster-autoscaler/${clusterName}`]: "owned" },
        },
      },
    ],
  });
}

/**
 * What the cluster needs before the layer lands on it: the Pod Identity agent, the EBS CSI driver (Pod Identity
 * role with AmazonEBSCSIDriverPolicy) and a default encrypted gp3 StorageClass for weight caches, and
 * cluster-autoscaler for the GPU node groups.
 */
export class AwsEksAddons extends pulumi.ComponentResource {
  public readonly storageClassName: pulumi.Output<string>;
  public readonly autoscalerRelease: k8s.helm.v3.Release;

  constructor(name: string, args: AwsEksAddonsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-layer:index:AwsEksAddons", name, {}, opts);
    const imageTag = CLUSTER_AUTOSCALER_IMAGE_TAGS[args.kubernetesVersion];
    if (!imageTag)
      throw new Error(
        `no pinned cluster-autoscaler for Kubernetes ${args.kubernetesVersion}; pinned: ${Object.keys(CLUSTER_AUTOSCALER_IMAGE_TAGS).join(", ")}`,
      );
    const child = { parent: this };
    const tags = { ...args.tags };
    const k8sOpts = { parent: this, provider: args.k8sProvider };

    const podIdentityAgent =
      args.podIdentityAgent ??
      new aws.eks.Addon(
        `${name}-pod-identity-agent`,
        { clusterName: args.clusterName, addonName: "eks-pod-identity-agent", tags },
        child,
      );
    const podIdentity = (sa: string, namespace: string, roleArn: pulumi.Input<string>) =>
      new aws.eks.PodIdentityAssociation(
        `${name}-${sa}`,
        { clusterName: args.clusterName, namespace, serviceAccount: sa, roleArn, tags },
        child,
      );

    const ebsRole = roleWithPolicies(
      `${name}-ebs-csi`,
      {
        description: "EBS CSI driver controller (Pod Identity)",
        assumeRolePolicy: POD_IDENTITY_TRUST_POLICY,
        policyArns: [managedPolicyArn(args.region, "service-role/AmazonEBSCSIDriverPolicy")],
        tags,
      },
      child,
    );
    const ebsIdentity = podIdentity(EBS_CSI_SERVICE_ACCOUNT, "kube-system", ebsRole.role.arn);
    const ebsCsi = new aws.eks.Addon(
      `${name}-ebs-csi`,
      {
        clusterName: args.clusterName,
        addonName: "aws-ebs-csi-driver",
        resolveConflictsOnCreate: "OVERWRITE",
        resolveConflictsOnUpdate: "PRESERVE",
        tags,
      },
      { ...child, dependsOn: [podIdentityAgent, ebsIdentity, ...ebsRole.attachments] },
    );

    const storageClass = new k8s.storage.v1.StorageClass(
      `${name}-gp3`,
      {
        metadata: {
          name: GP3_STORAGE_CLASS,
          annotations: { "storageclass.kubernetes.io/is-default-class": "true" },
        },
        provisioner: "ebs.csi.aws.com",
        parameters: { type: "gp3", encrypted: "true", "csi.storage.k8s.io/fstype": "ext4" },
        // Bind in the AZ the pod is scheduled to (EBS volumes are zonal).
        volumeBindingMode: "WaitForFirstConsumer",
        allowVolumeExpansion: true,
        reclaimPolicy: "Delete",
      },
      { ...k8sOpts, dependsOn: [ebsCsi] },
    );

    const autoscalerRole = new aws.iam.Role(
      `${name}-cluster-autoscaler`,
      { description: "cluster-autoscaler (Pod Identity)", assumeRolePolicy: POD_IDENTITY_TRUST_POLICY, tags },
      child,
    );
    const autoscalerPolicy = new aws.iam.RolePolicy(
      `${name}-cluster-autoscaler`,
      {
        role: autoscalerRole.name,
        policy: pulumi
          .all([args.clusterName, args.clusterArn])
          .apply(([clusterName, arn]) => clusterAutoscalerPolicy(clusterName, arn)),
      },
      child,
    );
    const autoscalerIdentity = podIdentity(
      CLUSTER_AUTOSCALER_SERVICE_ACCOUNT,
      "kube-system",
      autoscalerRole.arn,
    );

    this.autoscalerRelease = new k8s.helm.v3.Release(
      `${name}-cluster-autoscaler`,
      {
        chart: CLUSTER_AUTOSCALER_CHART.chart,
        version: CLUSTER_AUTOSCALER_CHART.version,
        repositoryOpts: { repo: CLUSTER_AUTOSCALER_CHART.repo },
        namespace: "kube-system",
        values: {
          cloudProvider: "aws",
          awsRegion: args.region,
          autoDiscovery: { clusterName: args.clusterName },
          image: { tag: imageTag },
          rbac: { serviceAccount: { create: true, name: CLUSTER_AUTOSCALER_SERVICE_ACCOUNT } },
          nodeSelector: { ...args.nodeSelector },
          extraArgs: {
            "balance-similar-node-groups": true,
            expander: "least-waste",
            "skip-nodes-with-system-pods": false,
          },
        },
      },
      // Pod Identity injects credentials at pod creation: the association and agent must exist first.
      { ...k8sOpts, dependsOn: [podIdentityAgent, autoscalerIdentity, autoscalerPolicy] },
    );

    this.storageClassName = storageClass.metadata.name;
    this.registerOutputs({ storageClassName: this.storageClassName });
  }
}
