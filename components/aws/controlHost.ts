import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { PlanFor } from "../plan";
import {
  describeServices,
  filesByKey,
  renderControlHostUserData,
  secretsRead,
  type RenderedFile,
} from "../render";
import { roleWithPolicies, serviceTrustPolicy, sessionManagerPolicy } from "./common";
import { renderedFilesBucket } from "./filesBucket";
import { controlHostContainers } from "./fleetEndpoints";
import type { SecretParameter } from "./secretParameters";

export { filesBucketName } from "./filesBucket";

/**
 * Name pattern of the Amazon Linux 2023 ECS-optimized AMI for x86_64 (Docker and the AWS CLI preinstalled), e.g.
 * `al2023-ami-ecs-hvm-2023.0.20241003-kernel-6.1-x86_64`; the GPU and Neuron variants are named `…-ecs-gpu-hvm-…`
 * and `…-ecs-neuron-hvm-…`, so they do not match.
 */
export const CONTROL_HOST_AMI_NAME = "al2023-ami-ecs-hvm-*-kernel-6.1-x86_64";

/**
 * IMDSv2 PUT hop limit 1: the token PUT's response dies one hop past the host, so containers on the bridge network
 * get no token and hence no role credentials (AWS EC2 User Guide, "Configure the instance metadata options": in a
 * container environment a hop limit of 1 keeps containers from IMDS; 2 lets them reach it). The host itself (the
 * boot script, the fleet-listing timer) keeps the role. Tokens stay required, which also stops SSRF-style GETs.
 */
export const CONTROL_HOST_IMDS_HOP_LIMIT = 1;

export interface AwsControlHostArgs {
  /** The aws-ec2 plan: the control host's services, the fleet, the cache. */
  readonly plan: PlanFor<"aws-ec2">;
  /** The rendered files for this plan (renderLayerFiles(plan, fleetEndpoints(plan)), as a list). */
  readonly files: readonly RenderedFile[];
  /** CIDR of the VPC: admitted to the gateway port. */
  readonly vpcCidr: pulumi.Input<string>;
  /** Private subnet the host runs in (no public IP either way). */
  readonly subnetId: pulumi.Input<string>;
  /**
   * Security group of the host, created by the caller (the GPU fleet and ElastiCache admit it as their client).
   * This component adds its rules: the gateway port from the VPC CIDR and from plan gatewayClientCidrs, and all
   * egress (image pulls, S3, SSM, the EC2 API, the fleet, the cache). Nothing else is opened.
   */
  readonly securityGroupId: pulumi.Input<string>;
  /**
   * SSM parameter of each layer secret, by config key (AwsSecretParameters). The host may read exactly the ones
   * its containers use; others passed here are not granted. Missing ones the containers need are an error.
   */
  readonly secretParameters: Readonly<Record<string, SecretParameter>>;
  /**
   * Plain (non-secret) env the gateway gets, name → URL: each fleet track's `VLLM_<TRACK>_API_BASE` →
   * `http://<nlb>:<listener port>/v1`, and any GPU-cloud model's base-URL env var. Names only the config reads.
   */
  readonly apiBaseEnv: Readonly<Record<string, pulumi.Input<string>>>;
  /** ElastiCache primary endpoint, when the plan puts the cache there. Required exactly then. */
  readonly redisHost?: pulumi.Input<string>;
  /** AMI id to run. Default: the newest CONTROL_HOST_AMI_NAME from Amazon, kept until this is set (see below). */
  readonly amiId?: pulumi.Input<string>;
}

/** How operators reach a loopback-only port through SSM Session Manager (no inbound rule, no bastion). */
export const portForwardCommand = (instanceId: string, port: number, region: string) =>
  `aws ssm start-session --target ${instanceId} --document-name AWS-StartPortForwardingSession ` +
  `--parameters portNumber=${port},localPortNumber=${port} --region ${region}`;

/**
 * The aws-ec2 control host: one CPU instance in a private subnet running the docker target's gateway, cache and
 * monitoring containers, started by its user data from rendered files in a private bucket and secrets in SSM.
 */
export class AwsControlHost extends pulumi.ComponentResource {
  public readonly instanceId: pulumi.Output<string>;
  public readonly privateIp: pulumi.Output<string>;
  /** `http://<private ip>:<gateway port>`: the OpenAI base URL is this plus `/v1`. Reachable inside the VPC. */
  public readonly gatewayUrl: pulumi.Output<string>;
  /** Port-forward Grafana (loopback-only on the host) to localhost; undefined without monitoring. */
  public readonly grafanaPortForwardCommand?: pulumi.Output<string>;
  /** Port-forward the gateway to localhost, from outside the VPC. */
  public readonly gatewayPortForwardCommand: pulumi.Output<string>;
  /** Bucket holding the rendered files. */
  public readonly bucketName: pulumi.Output<string>;

  constructor(name: string, args: AwsControlHostArgs, opts?: pulumi.ComponentResourceOptions) {
    super(
      "ai-layer:index:AwsControlHost",
      name,
      { stack: args.plan.stack, files: args.files.map((f) => f.path) },
      opts,
    );
    const built = createAwsControlHost(name, args, this);
    const { instance, ports, region } = built;
    this.instanceId = instance.id;
    this.privateIp = built.eni.privateIp;
    this.gatewayUrl = pulumi.interpolate`http://${built.eni.privateIp}:${ports.gateway}`;
    this.gatewayPortForwardCommand = instance.id.apply((id) => portForwardCommand(id, ports.gateway, region));
    if (args.plan.monitoring.enabled)
      this.grafanaPortForwardCommand = instance.id.apply((id) =>
        portForwardCommand(id, ports.grafana, region),
      );
    this.bucketName = built.bucket.bucket;
    this.registerOutputs({
      instanceId: this.instanceId,
      privateIp: this.privateIp,
      gatewayUrl: this.gatewayUrl,
      bucketName: this.bucketName,
    });
  }
}

/** @internal Builds the control host's resources under `parent`. */
export function createAwsControlHost(name: string, args: AwsControlHostArgs, parent: pulumi.Resource) {
  const { plan } = args;
  const ec2 = plan.target.aws;
  const ports = plan.target.ports;
  const elastiCache = Boolean(plan.cache.enabled && ec2.elasticache);
  if (elastiCache !== (args.redisHost !== undefined))
    throw new Error(
      elastiCache
        ? "AwsControlHost: the plan puts the cache on ElastiCache; pass redisHost (its primary endpoint)"
        : "AwsControlHost: redisHost is set but the plan runs no ElastiCache",
    );
  const tags = { ...ec2.tags };
  const opts = { parent };
  const prefix = `${plan.stack}/files`;
  // The fleet Prometheus scrapes, listed by the host (the job is rendered only with monitoring on and a fleet).
  const discovery =
    ec2.tracks.length && plan.monitoring.enabled
      ? { region: ec2.region, port: ec2.vllmPort, stack: plan.stack }
      : undefined;

  // Which secrets the containers read, so the host is granted those only.
  const usedKeys = secretsRead(
    describeServices(plan, {
      files: filesByKey(args.files),
      ...(elastiCache ? { elastiCacheHost: "elasticache" } : {}),
    }),
  );
  const layout = (
    names: Readonly<Record<string, string>>,
    env: Readonly<Record<string, string>>,
    redis?: string,
  ) =>
    controlHostContainers(plan, args.files, {
      secretParameters: names,
      gatewayEnv: env,
      ...(redis !== undefined ? { redisHost: redis } : {}),
      publish: { gatewayIp: "0.0.0.0", monitoringIp: "127.0.0.1" },
    });

  const { bucket, publicAccess, encryption, tlsOnly, objects } = renderedFilesBucket(
    name,
    { stack: plan.stack, region: ec2.region, prefix, files: args.files, tags },
    opts,
  );

  // Ingress: the gateway port only, from the VPC and the configured client networks. Grafana and Prometheus
  // publish on loopback and are reached through SSM port forwarding, so no rule names their ports.
  const ingressCidrs = [args.vpcCidr, ...ec2.gatewayClientCidrs];
  const ingress = ingressCidrs.map(
    (cidr, i) =>
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-gateway-${i === 0 ? "vpc" : `client-${i}`}`,
        {
          securityGroupId: args.securityGroupId,
          cidrIpv4: cidr,
          ipProtocol: "tcp",
          fromPort: ports.gateway,
          toPort: ports.gateway,
          description: i === 0 ? "ai-layer gateway from the VPC" : "ai-layer gateway from a client network",
          tags,
        },
        opts,
      ),
  );
  const egress = new aws.vpc.SecurityGroupEgressRule(
    `${name}-egress`,
    {
      securityGroupId: args.securityGroupId,
      cidrIpv4: "0.0.0.0/0",
      ipProtocol: "-1",
      description: "Image pulls, S3, SSM, the EC2 API, the GPU fleet and the cache",
      tags,
    },
    opts,
  );

  const role = roleWithPolicies(
    `${name}-role`,
    {
      description: "ai-layer control host",
      assumeRolePolicy: serviceTrustPolicy("ec2.amazonaws.com"),
      // Session Manager (shell and port forwarding without SSH or an inbound rule): an inline policy below,
      // not AmazonSSMManagedInstanceCore, whose ssm:GetParameter on every parameter would make ReadLayerSecrets moot.
      policyArns: [],
      tags,
    },
    opts,
  );
  const sessionManager = sessionManagerPolicy(name, role.role.id, opts);
  const arns = usedKeys.map((k) => args.secretParameters[k]!.arn);
  const policy = new aws.iam.RolePolicy(
    `${name}-read`,
    {
      role: role.role.id,
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "ReadRenderedFiles",
            Effect: "Allow",
            Action: ["s3:GetObject"],
            Resource: [pulumi.interpolate`${bucket.arn}/${prefix}/*`],
          },
          {
            Sid: "ListRenderedFiles",
            Effect: "Allow",
            Action: ["s3:ListBucket"],
            Resource: [bucket.arn],
            Condition: { StringLike: { "s3:prefix": [`${prefix}/*`] } },
          },
          { Sid: "ReadLayerSecrets", Effect: "Allow", Action: ["ssm:GetParameter"], Resource: arns },
          // The host's timer lists the fleet for Prometheus (renderControlHostUserData `discover`); containers
          // never hold this role. DescribeInstances supports no resource-level permissions (Service
          // Authorization Reference, Amazon EC2: no resource type listed), so "*" is the only Resource it takes.
          ...(discovery
            ? [
                {
                  Sid: "ListVllmInstances",
                  Effect: "Allow",
                  Action: ["ec2:DescribeInstances"],
                  Resource: "*",
                },
              ]
            : []),
        ],
      }),
    },
    opts,
  );
  const profile = new aws.iam.InstanceProfile(`${name}-profile`, { role: role.role.name, tags }, opts);

  const ami =
    args.amiId ??
    aws.ec2.getAmiOutput(
      {
        owners: ["amazon"],
        mostRecent: true,
        filters: [
          { name: "name", values: [CONTROL_HOST_AMI_NAME] },
          { name: "architecture", values: ["x86_64"] },
          { name: "state", values: ["available"] },
        ],
      },
      { parent },
    ).id;

  const envNames = Object.keys(args.apiBaseEnv).sort();
  const userData = pulumi
    .all([
      bucket.bucket,
      pulumi.all(usedKeys.map((k) => args.secretParameters[k]!.name)),
      pulumi.all(envNames.map((k) => args.apiBaseEnv[k]!)),
      pulumi.output(args.redisHost),
    ])
    .apply(([bucketName, names, urls, redis]) =>
      renderControlHostUserData({
        stack: plan.stack,
        region: ec2.region,
        bucket: bucketName,
        prefix,
        files: args.files,
        containers: layout(
          Object.fromEntries(usedKeys.map((k, i) => [k, names[i]!])),
          Object.fromEntries(envNames.map((k, i) => [k, urls[i]!])),
          redis,
        ),
        ...(discovery ? { vllmTargets: discovery } : {}),
      }),
    );

  // The gateway's address must outlive the host: a config change replaces the instance, and clients keep the
  // URL. A network interface of its own keeps the private IP (and the security group); each new host attaches it
  // once the old one is gone. No public address: the subnet is private and the interface asks for none.
  const eni = new aws.ec2.NetworkInterface(
    `${name}-eni`,
    {
      subnetId: args.subnetId,
      securityGroups: [args.securityGroupId],
      description: `ai-layer control host of stack ${plan.stack} (gateway address)`,
      tags: { ...tags, Name: `ai-layer-${plan.stack}-control-host` },
    },
    opts,
  );
  const instance = new aws.ec2.Instance(
    `${name}-host`,
    {
      ami,
      instanceType: ec2.controlHost.instanceType,
      primaryNetworkInterface: { networkInterfaceId: eni.id },
      iamInstanceProfile: profile.name,
      metadataOptions: {
        httpEndpoint: "enabled",
        httpTokens: "required",
        httpPutResponseHopLimit: CONTROL_HOST_IMDS_HOP_LIMIT,
        instanceMetadataTags: "disabled",
      },
      rootBlockDevice: {
        volumeType: "gp3",
        volumeSize: ec2.controlHost.diskGiB,
        encrypted: true,
        deleteOnTermination: true,
      },
      userData,
      // A config change (the files' hash is in user data) replaces the host instead of a stop/start that would
      // not rerun cloud-init.
      userDataReplaceOnChange: true,
      tags: { ...tags, Name: `ai-layer-${plan.stack}-control-host` },
      volumeTags: { ...tags, Name: `ai-layer-${plan.stack}-control-host` },
    },
    {
      ...opts,
      // The looked-up AMI is fixed at creation: a new ECS AMI release must not replace the only gateway (and
      // Prometheus' data on its disk) at the next `up`. Set amiId to move to another AMI.
      ignoreChanges: args.amiId === undefined ? ["ami"] : [],
      // Boot reads the files and secrets at once: the objects, the role's grants and the rules must exist.
      dependsOn: [...objects, policy, sessionManager, ...role.attachments, ...ingress, egress],
      // The interface can be attached to one instance at a time: the old host goes before the new one comes.
      deleteBeforeReplace: true,
    },
  );
  return {
    ports,
    region: ec2.region,
    bucket,
    publicAccess,
    encryption,
    tlsOnly,
    objects,
    ingress,
    egress,
    role,
    policy,
    sessionManager,
    profile,
    eni,
    instance,
  };
}
