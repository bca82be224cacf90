// What an ai-layer EKS cluster turns on beyond its defaults: control-plane logs and envelope encryption of Secrets.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/**
 * Every control-plane log type EKS can send to CloudWatch Logs (aws.eks.Cluster `enabledClusterLogTypes`, @pulumi/aws
 * 7.48 eks/cluster.d.ts; EKS User Guide "Send control plane logs to CloudWatch Logs"). EKS creates the log group
 * `/aws/eks/<cluster>/cluster` itself, without expiry: set a retention on it if the account needs one.
 */
export const EKS_CONTROL_PLANE_LOG_TYPES = [
  "api",
  "audit",
  "authenticator",
  "controllerManager",
  "scheduler",
] as const;

/**
 * What the cluster role needs to envelope-encrypt Secrets with a customer key: the same four actions
 * terraform-aws-modules/terraform-aws-eks (main.tf, aws_iam_policy.cluster_encryption) grants, on the one key.
 */
export function clusterEncryptionPolicy(keyArn: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "EncryptKubernetesSecrets",
        Effect: "Allow",
        Action: ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"],
        Resource: keyArn,
      },
    ],
  });
}

/**
 * A symmetric KMS key for the cluster's Secrets (yearly rotation on; KMS keeps old key material, so rotation
 * needs no re-encryption) and the cluster role's permission to use it. The key policy is KMS's default (the
 * account may delegate through IAM), which is what lets the role's inline policy grant the use.
 */
export function secretsEncryptionKey(
  name: string,
  args: { clusterRoleName: pulumi.Input<string>; tags: Readonly<Record<string, string>> },
  opts: pulumi.CustomResourceOptions,
): { key: aws.kms.Key; rolePolicy: aws.iam.RolePolicy } {
  const key = new aws.kms.Key(
    `${name}-secrets`,
    {
      description: "ai-layer: envelope encryption of the EKS cluster's Kubernetes Secrets",
      enableKeyRotation: true,
      // A deleted key makes every Secret unreadable: the longest waiting period KMS allows.
      deletionWindowInDays: 30,
      tags: { ...args.tags },
    },
    opts,
  );
  const rolePolicy = new aws.iam.RolePolicy(
    `${name}-cluster-encryption`,
    { role: args.clusterRoleName, policy: key.arn.apply(clusterEncryptionPolicy) },
    opts,
  );
  return { key, rolePolicy };
}
