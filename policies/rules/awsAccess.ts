// AWS least privilege and audit: who may take an instance role, who may read parameters, what an EKS cluster logs
// and encrypts, how buckets are reached, whether VPC traffic is recorded.
import { asArray, isObject } from "./inspect";
import { resourceRule, stackRule, type StackResource } from "./types";

const INSTANCE = "aws:ec2/instance:Instance";
const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
const NODE_GROUP = "aws:eks/nodeGroup:NodeGroup";

/**
 * IMDSv2's PUT hop limit: 1 keeps the token, hence the instance role, on the host; every container or pod one hop
 * further gets none. Left unset, AL2023 AMIs (ImdsSupport v2.0) launch with 2.
 */
export const imdsHopLimit = resourceRule({
  name: "imds-hop-limit",
  description:
    "EC2 instances and launch templates (and so EKS node groups, which must launch from one) set " +
    "metadataOptions.httpPutResponseHopLimit to at most maxHopLimit (1), so " +
    "containers and pods cannot take the instance role through IMDS. Unset counts as too high (AL2023 AMIs default to 2).",
  severity: "high",
  enforcementLevel: "mandatory",
  remediation:
    'Set metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 }; give containers that call AWS ' +
    "their own role (EKS Pod Identity) or do the AWS call on the host. Raise maxHopLimit in " +
    "policies/config/<stack>.json only for a host whose containers must share its role.",
  defaults: { maxHopLimit: 1 },
  configSchema: {
    properties: { maxHopLimit: { type: "integer", minimum: 1, default: 1 } },
  },
  check(type, props, { config }) {
    // An EKS managed node group without a launch template of ours launches from EKS's own, with the AMI's
    // default hop limit (2 on AL2023): its pods could take the node role.
    if (type === NODE_GROUP)
      return isObject(props.launchTemplate)
        ? []
        : [
            `node group without a launch template: its nodes get the AMI's default IMDS hop limit (2); launch it from one with at most ${config.maxHopLimit}`,
          ];
    if (type !== INSTANCE && type !== LAUNCH_TEMPLATE) return [];
    const limit = Number(props.metadataOptions?.httpPutResponseHopLimit);
    if (!Number.isFinite(limit) || limit < 1)
      return [
        `IMDS hop limit is not set (the AMI's default may be 2); set it to at most ${config.maxHopLimit}`,
      ];
    return limit > config.maxHopLimit
      ? [
          `IMDS hop limit is ${limit}: containers on the instance can take its role (at most ${config.maxHopLimit})`,
        ]
      : [];
  },
});

/**
 * AWS managed policies that grant ssm:GetParameter(s) on every parameter of the account (their documents: Resource
 * "*" for ssm:GetParameter*, or Action "*"/"ssm:*"), matched by the policy name after the last "/".
 */
export const ACCOUNT_WIDE_PARAMETER_READERS = [
  "AmazonSSMManagedInstanceCore",
  "AmazonSSMReadOnlyAccess",
  "AmazonSSMFullAccess",
  "AmazonEC2RoleforSSM",
  "ReadOnlyAccess",
  "PowerUserAccess",
  "AdministratorAccess",
];
const READ_ACTION = /^(\*|ssm:\*|ssm:Get\*|ssm:GetParameters?\*?|ssm:GetParametersByPath)$/i;
/** Every parameter: "*", or a parameter ARN whose name is "*" (any partition, region and account). */
const EVERY_PARAMETER = /^(\*|arn:aws[\w-]*:ssm:[^:]*:[^:]*:parameter\/\*)$/;

/** Statements of a policy document given as JSON text or an object; none when it is unknown or unparsable. */
function statements(policy: unknown): Record<string, any>[] {
  let doc = policy;
  if (typeof doc === "string") {
    try {
      doc = JSON.parse(doc);
    } catch {
      return [];
    }
  }
  if (!isObject(doc)) return [];
  return (Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement]).filter(isObject);
}
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

export const noAccountWideParameterReads = resourceRule({
  name: "no-account-wide-parameter-reads",
  description:
    "No role may read every SSM parameter of the account: no managed policy that does (AmazonSSMManagedInstanceCore, " +
    "AmazonSSMReadOnlyAccess, AmazonEC2RoleforSSM, ReadOnlyAccess, …) and no Allow of ssm:GetParameter*, ssm:* or * " +
    "on Resource * or parameter/* (attached, inline or in the role's inlinePolicies), which would make a narrow " +
    "secrets grant moot.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediation:
    "For Session Manager grant only ssm:UpdateInstanceInformation and ssmmessages:Create/OpenControlChannel and " +
    "Create/OpenDataChannel (components/aws/common.ts SESSION_MANAGER_POLICY), and ssm:GetParameter on the exact " +
    "parameter ARNs the role reads.",
  defaults: {},
  check(type, props) {
    const managed = (arn: unknown) =>
      typeof arn === "string" &&
      arn.includes(":policy/") &&
      ACCOUNT_WIDE_PARAMETER_READERS.includes(arn.split("/").pop()!);
    if (
      type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment" ||
      type === "aws:iam/policyAttachment:PolicyAttachment"
    )
      return managed(props.policyArn) ? [`attaches ${props.policyArn}, which reads every SSM parameter`] : [];
    const wide = (policy: unknown) =>
      statements(policy)
        .filter((s) => s.Effect === "Allow")
        .filter((s) => list(s.Action).some((a) => typeof a === "string" && READ_ACTION.test(a)))
        .filter((s) => list(s.Resource).some((r) => typeof r === "string" && EVERY_PARAMETER.test(r)))
        .map((s) => `statement ${s.Sid ?? "(no Sid)"} allows reading every SSM parameter (Resource *)`);
    if (type === "aws:iam/role:Role")
      return [
        ...asArray(props.managedPolicyArns)
          .filter(managed)
          .map((arn) => `attaches ${arn}, which reads every SSM parameter`),
        ...asArray(props.inlinePolicies).flatMap((p) => (isObject(p) ? wide(p.policy) : [])),
      ];
    if (type === "aws:iam/rolePolicy:RolePolicy" || type === "aws:iam/policy:Policy")
      return wide(props.policy);
    return [];
  },
});

/** The control-plane log types of an EKS cluster (aws.eks.Cluster enabledClusterLogTypes). */
export const EKS_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"];

export const eksClusterAudited = resourceRule({
  name: "eks-cluster-audited",
  description:
    "EKS clusters send the control-plane logs (requiredLogTypes: all five by default) to CloudWatch and " +
    "envelope-encrypt Kubernetes Secrets with a KMS key (encryptionConfig.resources includes secrets).",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediation:
    'Set enabledClusterLogTypes: ["api", "audit", "authenticator", "controllerManager", "scheduler"] and ' +
    'encryptionConfig: { provider: { keyArn: <KMS key ARN> }, resources: ["secrets"] } (and let the cluster role use the key).',
  defaults: { requiredLogTypes: EKS_LOG_TYPES },
  configSchema: {
    properties: { requiredLogTypes: { type: "array", items: { type: "string" }, default: EKS_LOG_TYPES } },
  },
  check(type, props, { config }) {
    if (type !== "aws:eks/cluster:Cluster") return [];
    const out: string[] = [];
    const logged = new Set(asArray(props.enabledClusterLogTypes));
    const missing = (config.requiredLogTypes as string[]).filter((t) => !logged.has(t));
    if (missing.length) out.push(`control-plane logs not enabled: ${missing.join(", ")}`);
    const enc = props.encryptionConfig;
    if (!isObject(enc) || !asArray(enc.resources).includes("secrets") || !enc.provider?.keyArn)
      out.push("Kubernetes Secrets are not envelope-encrypted with a KMS key (encryptionConfig)");
    return out;
  },
});

const BUCKET_TYPES = new Set(["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"]);
const denyPlainHttp = (s: Record<string, any>) =>
  s.Effect === "Deny" && String(s.Condition?.Bool?.["aws:SecureTransport"]) === "false";

/**
 * A stack rule because a bucket's policy is a separate resource naming the bucket. A policy whose document is not
 * known yet (a preview before the bucket exists) is given the benefit of the doubt; a known one must deny plain HTTP.
 */
export const s3TlsOnly = stackRule({
  name: "s3-tls-only",
  description:
    "Every S3 bucket has a bucket policy denying requests without TLS (a Deny with Bool aws:SecureTransport false).",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediation:
    "Add an aws.s3.BucketPolicy for the bucket with a statement { Effect: Deny, Principal: *, Action: s3:*, " +
    'Resource: [<bucket ARN>, <bucket ARN>/*], Condition: { Bool: { "aws:SecureTransport": "false" } } }.',
  defaults: {},
  check(resources) {
    const policies = resources.filter((r) => r.type === "aws:s3/bucketPolicy:BucketPolicy");
    const ids = (b: StackResource) =>
      [b.props.id, b.props.bucket, b.name].filter((v): v is string => typeof v === "string");
    return resources
      .filter((r) => BUCKET_TYPES.has(r.type))
      .filter((b) => {
        const mine = policies.filter((p) => ids(b).includes(String(p.props.bucket)));
        const ok = mine.some(
          (p) => typeof p.props.policy !== "string" || statements(p.props.policy).some(denyPlainHttp),
        );
        return !ok;
      })
      .map((b) => ({
        message: `bucket ${b.props.bucket ?? b.name} accepts requests without TLS (no policy denying aws:SecureTransport false)`,
        resource: b.name,
        ...(b.urn ? { urn: b.urn } : {}),
      }));
  },
});

/**
 * Counted, not matched: a VPC's id is an output, which the offline plan (inputs only) does not have, so each flow
 * log on a VPC counts for one VPC of the stack.
 */
export const vpcFlowLogs = stackRule({
  name: "vpc-flow-logs",
  description: "Every VPC the stack creates has a flow log (at least as many VPC flow logs as VPCs).",
  severity: "medium",
  enforcementLevel: "advisory",
  remediation:
    "Add an aws.ec2.FlowLog on the VPC into a CloudWatch log group with a retention (components/aws/flowLog.ts " +
    "vpcFlowLog does this for AwsNetwork).",
  defaults: {},
  check(resources) {
    const vpcs = resources.filter((r) => r.type === "aws:ec2/vpc:Vpc");
    const logs = resources.filter((r) => r.type === "aws:ec2/flowLog:FlowLog" && r.props.vpcId !== undefined);
    return logs.length >= vpcs.length
      ? []
      : vpcs.slice(logs.length).map((v) => ({
          message: `${vpcs.length} VPC(s) but ${logs.length} VPC flow log(s): VPC ${v.name} is not recorded`,
          resource: v.name,
          ...(v.urn ? { urn: v.urn } : {}),
        }));
  },
});
