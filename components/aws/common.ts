import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** The AWS partition of a region: ARNs of AWS managed policies differ in GovCloud and China. */
export function partitionOf(region: string): string {
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  if (region.startsWith("cn-")) return "aws-cn";
  return "aws";
}

/** ARN of an AWS managed policy (`service-role/AmazonEBSCSIDriverPolicy`, `AmazonEKSClusterPolicy`, …). */
export function managedPolicyArn(region: string, name: string): string {
  return `arn:${partitionOf(region)}:iam::aws:policy/${name}`;
}

/** Trust policy letting one AWS service assume a role. */
export function serviceTrustPolicy(service: string, actions: string[] = ["sts:AssumeRole"]): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: actions }],
  });
}

/** EKS Pod Identity: the agent assumes the role for one service account (TagSession carries the pod's tags). */
export const POD_IDENTITY_TRUST_POLICY = serviceTrustPolicy("pods.eks.amazonaws.com", [
  "sts:AssumeRole",
  "sts:TagSession",
]);

/** What every AWS component of the layer takes besides its own args. */
export interface AwsCommonArgs {
  /** Tags for every taggable resource (owner, environment, cost-center); also the provider's defaultTags. */
  readonly tags: Readonly<Record<string, string>>;
  /** AWS region of the resources (drives the partition of managed-policy ARNs). */
  readonly region: string;
}

/**
 * A role with AWS managed policies attached; the attachments are returned so dependants can wait for them
 * (a node group created before its role can pull images fails to join).
 */
export function roleWithPolicies(
  name: string,
  args: {
    assumeRolePolicy: string;
    policyArns: readonly string[];
    tags: Readonly<Record<string, string>>;
    description: string;
  },
  opts: pulumi.CustomResourceOptions,
): { role: aws.iam.Role; attachments: aws.iam.RolePolicyAttachment[] } {
  const role = new aws.iam.Role(
    name,
    { assumeRolePolicy: args.assumeRolePolicy, description: args.description, tags: { ...args.tags } },
    opts,
  );
  const attachments = args.policyArns.map(
    (policyArn) =>
      new aws.iam.RolePolicyAttachment(
        `${name}-${policyArn.split("/").pop()}`,
        { role: role.name, policyArn },
        { ...opts, parent: opts.parent },
      ),
  );
  return { role, attachments };
}

/**
 * What the SSM agent needs for Session Manager (shell and port forwarding) and nothing more: register the instance
 * and open the session channels. The actions of AWS's "minimum Session Manager permissions" for an instance profile
 * (Systems Manager User Guide, "Create a custom IAM role for Session Manager"; the same five as the AWS managed
 * policy AWSCloud9SSMInstanceProfile v1). Unlike AmazonSSMManagedInstanceCore (v2) it grants no ssm:GetParameter(s)
 * on every parameter of the account, no documents, no inventory and no Run Command (ec2messages:*): a layer
 * secret is readable only through the role's narrow ReadLayerSecrets statement. None of these actions takes a
 * resource-level ARN for the instance, so "*" is their Resource.
 */
export const SESSION_MANAGER_POLICY = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "SessionManager",
      Effect: "Allow",
      Action: [
        "ssm:UpdateInstanceInformation",
        "ssmmessages:CreateControlChannel",
        "ssmmessages:CreateDataChannel",
        "ssmmessages:OpenControlChannel",
        "ssmmessages:OpenDataChannel",
      ],
      Resource: "*",
    },
  ],
});

/** The inline Session Manager policy (SESSION_MANAGER_POLICY) on an instance role. */
export function sessionManagerPolicy(
  name: string,
  role: pulumi.Input<string>,
  opts: pulumi.CustomResourceOptions,
): aws.iam.RolePolicy {
  return new aws.iam.RolePolicy(`${name}-session-manager`, { role, policy: SESSION_MANAGER_POLICY }, opts);
}
