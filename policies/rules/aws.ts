import { asArray, isObject } from "./inspect";
import { resourceRule } from "./types";

const INSTANCE = "aws:ec2/instance:Instance";
const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
const NODE_GROUP = "aws:eks/nodeGroup:NodeGroup";

/**
 * The GPUs ai-layer plans AWS instances for, and the instance it picks for one: components/catalog/gpus.ts
 * (`id` → `aws.instanceType`), copied because the pack is installed on its own (a test keeps the two equal).
 */
export const CATALOG_AWS_GPUS: Readonly<Record<string, string>> = {
  T4: "g4dn.xlarge",
  A10G: "g5.xlarge",
  L4: "g6.xlarge",
  L40S: "g6e.xlarge",
  "A100-40GB": "p4d.24xlarge",
  H100: "p5.48xlarge",
};
/**
 * Every GPU instance type ai-layer can plan (components/catalog/awsInstances.ts `AWS_GPU_INSTANCES`, multi-GPU
 * shapes included: a replica of 4 × A10G runs on g5.12xlarge): the default allow-list, so a shape the planner picks
 * never plans into a mandatory violation. Copied because the pack is installed on its own (a test keeps it equal).
 */
export const CATALOG_GPU_INSTANCE_TYPES: readonly string[] = [
  "g4dn.xlarge",
  "g5.xlarge",
  "g5.12xlarge",
  "g5.48xlarge",
  "g6.xlarge",
  "g6.12xlarge",
  "g6.48xlarge",
  "g6e.xlarge",
  "g6e.12xlarge",
  "p4d.24xlarge",
  "p5.48xlarge",
];

/** GPU/accelerator families: g4dn, g5, g6, g6e, gr6, p3, p4d, p5, … */
export const isGpuInstanceType = (t: string) => /^(g|gr|p)\d[a-z0-9-]*\./.test(t);

export const gpuInstanceAllowlist = resourceRule({
  name: "gpu-instance-allowlist",
  description:
    "GPU instance types (g*/gr*/p* families) come from an allow-list — by default the ones ai-layer's GPU catalog " +
    "plans for — on EC2 instances, launch templates and EKS node groups. Non-GPU types are not restricted.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediation:
    `Pick a GPU from the catalog (layer.models[].gpu.type: ${Object.keys(CATALOG_AWS_GPUS).join(", ")}) so the plan chooses ` +
    "the instance, or add the type to allowedInstanceTypes in policies/config/<stack>.json after a cost review.",
  defaults: { allowedInstanceTypes: CATALOG_GPU_INSTANCE_TYPES },
  configSchema: {
    properties: {
      allowedInstanceTypes: { type: "array", items: { type: "string" }, default: CATALOG_GPU_INSTANCE_TYPES },
    },
  },
  check(type, props, { config }) {
    let types: unknown[] = [];
    if (type === INSTANCE || type === LAUNCH_TEMPLATE) types = [props.instanceType];
    else if (type === NODE_GROUP) types = asArray(props.instanceTypes);
    else return [];
    return types
      .filter((t): t is string => typeof t === "string" && isGpuInstanceType(t))
      .filter((t) => !config.allowedInstanceTypes.includes(t))
      .map(
        (t) => `GPU instance type ${t} is not in the allow-list (${config.allowedInstanceTypes.join(", ")})`,
      );
  },
});

const truthy = (v: unknown) => v === true || v === "true";

export const ebsEncrypted = resourceRule({
  name: "ebs-encrypted",
  description:
    "EBS storage is encrypted: aws:ebs/volume:Volume `encrypted`, launch template blockDeviceMappings[].ebs.encrypted, " +
    "and EC2 instance root/EBS block devices (model weights and caches land on these disks).",
  severity: "high",
  enforcementLevel: "mandatory",
  remediation:
    'Set encrypted: true (launch templates: ebs.encrypted: "true"), optionally with kmsKeyId; or turn on EBS ' +
    "encryption by default for the account and region.",
  defaults: {},
  check(type, props) {
    if (type === "aws:ebs/volume:Volume") return truthy(props.encrypted) ? [] : ["volume is not encrypted"];
    if (type === LAUNCH_TEMPLATE)
      return asArray(props.blockDeviceMappings)
        .filter((m) => isObject(m?.ebs) && !truthy(m.ebs.encrypted))
        .map((m) => `block device ${m.deviceName ?? "?"} is not encrypted`);
    if (type === INSTANCE) {
      const out: string[] = [];
      if (isObject(props.rootBlockDevice) && !truthy(props.rootBlockDevice.encrypted))
        out.push("root block device is not encrypted");
      for (const d of asArray(props.ebsBlockDevices))
        if (!truthy(d?.encrypted)) out.push(`EBS block device ${d?.deviceName ?? "?"} is not encrypted`);
      return out;
    }
    return [];
  },
});

export const elasticacheEncrypted = resourceRule({
  name: "elasticache-encrypted",
  description:
    "ElastiCache Redis encrypts at rest and in transit (replication groups: atRestEncryptionEnabled and " +
    "transitEncryptionEnabled; single-node clusters: transitEncryptionEnabled).",
  severity: "high",
  enforcementLevel: "mandatory",
  remediation:
    "Set atRestEncryptionEnabled: true and transitEncryptionEnabled: true on the replication group (and an auth " +
    "token); clients then connect with rediss://.",
  defaults: {},
  check(type, props) {
    const out: string[] = [];
    if (type === "aws:elasticache/replicationGroup:ReplicationGroup") {
      if (!truthy(props.atRestEncryptionEnabled)) out.push("replication group is not encrypted at rest");
      if (!truthy(props.transitEncryptionEnabled)) out.push("replication group is not encrypted in transit");
    } else if (type === "aws:elasticache/cluster:Cluster" && props.engine !== "memcached") {
      if (!truthy(props.transitEncryptionEnabled)) out.push("cache cluster is not encrypted in transit");
    }
    return out;
  },
});

export const imdsv2Required = resourceRule({
  name: "imdsv2-required",
  description:
    "EC2 instances and launch templates require IMDSv2 (metadataOptions.httpTokens: required), so an SSRF in a " +
    "served app cannot read the node's credentials.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediation:
    'Set metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 } (1 keeps the role from ' +
    "containers; see imds-hop-limit).",
  defaults: {},
  check(type, props) {
    if (type !== INSTANCE && type !== LAUNCH_TEMPLATE) return [];
    return props.metadataOptions?.httpTokens === "required" ? [] : ["IMDSv2 is not required (httpTokens)"];
  },
});

/** Types that take tags (the common ones of an ai-layer AWS stack); other aws:* types count when they set tags. */
export const TAGGABLE_AWS_TYPES = new Set([
  INSTANCE,
  LAUNCH_TEMPLATE,
  NODE_GROUP,
  "aws:eks/cluster:Cluster",
  "aws:ebs/volume:Volume",
  "aws:ec2/vpc:Vpc",
  "aws:ec2/subnet:Subnet",
  "aws:ec2/securityGroup:SecurityGroup",
  "aws:ec2/internetGateway:InternetGateway",
  "aws:ec2/natGateway:NatGateway",
  "aws:ec2/eip:Eip",
  "aws:ec2/routeTable:RouteTable",
  "aws:elasticache/replicationGroup:ReplicationGroup",
  "aws:elasticache/cluster:Cluster",
  "aws:s3/bucket:Bucket",
  "aws:s3/bucketV2:BucketV2",
  "aws:iam/role:Role",
  "aws:ecr/repository:Repository",
  "aws:efs/fileSystem:FileSystem",
  "aws:kms/key:Key",
  "aws:lb/loadBalancer:LoadBalancer",
  "aws:cloudwatch/logGroup:LogGroup",
]);

/** Provider inputs reach the engine JSON-encoded (`defaultTags: "{\"tags\":{…}}"`); accept both forms. */
function providerDefaultTags(props: Record<string, unknown>): unknown {
  let dt = props.defaultTags;
  if (typeof dt === "string") {
    try {
      dt = JSON.parse(dt);
    } catch {
      return undefined;
    }
  }
  return isObject(dt) ? dt.tags : undefined;
}

const REQUIRED_TAGS = ["owner", "environment", "cost-center"];

export const requiredTags = resourceRule({
  name: "required-tags",
  description:
    "Taggable AWS resources carry the tags owner, environment and cost-center (their own tags or the AWS " +
    "provider's defaultTags), so GPU spend is attributable.",
  severity: "low",
  enforcementLevel: "mandatory",
  remediation:
    "Set the tags on the AWS provider once (defaultTags: { tags: { owner, environment, cost-center } }) or on the " +
    "resource; change the list with requiredTags in policies/config/<stack>.json.",
  defaults: { requiredTags: REQUIRED_TAGS },
  configSchema: {
    properties: { requiredTags: { type: "array", items: { type: "string" }, default: REQUIRED_TAGS } },
  },
  check(type, props, { config, provider }) {
    if (!type.startsWith("aws:")) return [];
    if (!TAGGABLE_AWS_TYPES.has(type) && !isObject(props.tags)) return [];
    const defaults =
      provider?.type === "pulumi:providers:aws" ? providerDefaultTags(provider.props) : undefined;
    const tags = { ...(isObject(defaults) ? defaults : {}), ...(isObject(props.tags) ? props.tags : {}) };
    const missing = config.requiredTags.filter(
      (t: string) => !Object.hasOwn(tags, t) || typeof tags[t] !== "string" || tags[t] === "",
    );
    return missing.length ? [`missing tags: ${missing.join(", ")}`] : [];
  },
});
