import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AwsEc2Plan, GpuFleetTrackPlan } from "../plan/planAwsEc2";
import { FLEET_INSTANCE_TAGS } from "../render/prometheusConfig";
import { renderVllmUserData } from "../render/vllmUserData";
import type { SecretParameter } from "./secretParameters";
import { roleWithPolicies, serviceTrustPolicy, sessionManagerPolicy } from "./common";
import { fleetSecurityGroups } from "./fleetSecurityGroups";

/**
 * Name of the AWS Deep Learning Base OSS Nvidia Driver GPU AMI (Amazon Linux 2023), x86_64; the suffix is the
 * build date (YYYYMMDD). It ships the NVIDIA driver, Docker with the NVIDIA Container Toolkit and the SSM agent.
 * Sources: the DLAMI release notes (dlami/latest/devguide/aws-deep-learning-ami-gpubaseoss-al2023-2026-09-04:
 * "… GPU AMI (Amazon Linux 2023) 20260901", x86_64, G4dn/G5/G6/G6e/P4d/P5…) and the `describe-images --owners
 * amazon --filters 'Name=name,Values=Deep Learning Base OSS Nvidia Driver GPU AMI (<os>) ????????'` query of
 * dlami/latest/devguide/find-dlami-id. The ARM64 build is "Deep Learning ARM64 Base OSS …": not matched.
 */
export const DLAMI_NAME_PATTERN = "Deep Learning Base OSS Nvidia Driver GPU AMI (Amazon Linux 2023) ????????";
/** Owner alias of the DLAMIs (account 898082745236 in public code using them); v7 requires owners with mostRecent. */
export const DLAMI_OWNERS = ["amazon"] as const;
/** Root device of Amazon Linux 2023 AMIs: used with `amiId` when no lookup gives the AMI's own. */
export const AL2023_ROOT_DEVICE = "/dev/xvda";
/**
 * Seconds the Auto Scaling group ignores failed load balancer health checks after launch: a first boot pulls the
 * vLLM image (~10 GB) and downloads the weights (16 GB for an 8B model at bf16, far more for larger ones) before
 * /health answers; a shorter grace replaces every instance mid-download, forever.
 */
export const FLEET_HEALTH_CHECK_GRACE_SECONDS = 1800;
/** Name prefix of the load balancer and target groups (AWS allows at most 6 characters in a prefix). */
export const TARGET_GROUP_NAME_PREFIX = "ailyr-";

export interface AwsGpuFleetArgs {
  /** The aws-ec2 part of the plan (`plan.target.aws`): tracks, instance types, sizes, ports, disk, tags, region. */
  readonly fleet: AwsEc2Plan;
  /** The arguments after `vllm serve` of each track, by track id (fleetVllmArgs of the plan). */
  readonly vllmArgs: Readonly<Record<string, readonly string[]>>;
  /** Stack name: tags the instances (`ai-layer.dev/stack`) and names the user data header. */
  readonly stack: string;
  /** VPC of the load balancer, target groups and security groups. */
  readonly vpcId: pulumi.Input<string>;
  /** Private subnets (one per AZ, egress through NAT) for the load balancer and the instances. */
  readonly privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Security groups allowed to call the models: the control host's (its LiteLLM gateway calls the load balancer,
   * its Prometheus scrapes each instance's /metrics directly). At least one. No CIDR is ever opened.
   */
  readonly clientSecurityGroupIds: pulumi.Input<string>[];
  /**
   * Secrets the instances read from SSM Parameter Store at boot, by the env var vLLM reads (VLLM_API_KEY,
   * HF_TOKEN), e.g. from AwsSecretParameters. The role may read exactly these parameters and no others.
   */
  readonly secretParameters: Readonly<Record<string, SecretParameter>>;
  /**
   * ARN of the customer managed KMS key encrypting those parameters; grants kms:Decrypt through SSM only.
   * Default: none (the AWS managed key aws/ssm needs no grant).
   */
  readonly kmsKeyArn?: pulumi.Input<string>;
  /**
   * AMI to launch instead of looking up the newest DLAMI (teams with their own hardened GPU AMI). It must provide
   * the NVIDIA driver, Docker with the NVIDIA Container Toolkit and the AWS CLI. Default: the lookup.
   */
  readonly amiId?: pulumi.Input<string>;
  /** Root device name of `amiId`. Default `/dev/xvda` (Amazon Linux 2023); ignored without `amiId`. */
  readonly rootDeviceName?: pulumi.Input<string>;
}

/** What the fleet exposes to the control host and the stack outputs. */
export interface AwsGpuFleetOutputs {
  readonly loadBalancerDnsName: pulumi.Output<string>;
  /** `http://<load balancer>:<listener port>/v1` by track id. */
  readonly apiBaseUrls: Record<string, pulumi.Output<string>>;
  /** The same URLs by the track's env var (VLLM_CHAT_API_BASE, …): the gateway container's env. */
  readonly apiBaseEnv: Record<string, pulumi.Output<string>>;
  readonly instanceSecurityGroupId: pulumi.Output<string>;
  readonly loadBalancerSecurityGroupId: pulumi.Output<string>;
  /** Auto Scaling group names by track id. */
  readonly autoScalingGroupNames: Record<string, pulumi.Output<string>>;
}

/**
 * vLLM on EC2: per model track an Auto Scaling group of GPU instances (DLAMI, IMDSv2 only, encrypted gp3 root,
 * secrets from SSM at boot) behind one internal Network Load Balancer with a listener port per track. Only the
 * client security groups reach the load balancer and the instances.
 */
export class AwsGpuFleet extends pulumi.ComponentResource implements AwsGpuFleetOutputs {
  public readonly loadBalancerDnsName: pulumi.Output<string>;
  public readonly apiBaseUrls: Record<string, pulumi.Output<string>>;
  public readonly apiBaseEnv: Record<string, pulumi.Output<string>>;
  public readonly instanceSecurityGroupId: pulumi.Output<string>;
  public readonly loadBalancerSecurityGroupId: pulumi.Output<string>;
  public readonly autoScalingGroupNames: Record<string, pulumi.Output<string>>;

  constructor(name: string, args: AwsGpuFleetArgs, opts?: pulumi.ComponentResourceOptions) {
    super(
      "ai-layer:index:AwsGpuFleet",
      name,
      { stack: args.stack, tracks: args.fleet.tracks.map((t) => t.id) },
      opts,
    );
    const out = createAwsGpuFleet(name, args, this);
    this.loadBalancerDnsName = out.loadBalancerDnsName;
    this.apiBaseUrls = out.apiBaseUrls;
    this.apiBaseEnv = out.apiBaseEnv;
    this.instanceSecurityGroupId = out.instanceSecurityGroupId;
    this.loadBalancerSecurityGroupId = out.loadBalancerSecurityGroupId;
    this.autoScalingGroupNames = out.autoScalingGroupNames;
    this.registerOutputs({ ...out });
  }
}

function checkArgs(args: AwsGpuFleetArgs): void {
  const { tracks } = args.fleet;
  if (tracks.length === 0) throw new Error("AwsGpuFleet: the plan has no GPU tracks");
  for (const key of ["id", "apiBaseEnv", "listenerPort"] as const) {
    const seen = tracks.map((t) => t[key]);
    const dup = seen.find((v, i) => seen.indexOf(v) !== i);
    if (dup !== undefined) throw new Error(`AwsGpuFleet: two tracks share ${key} ${dup}`);
  }
  if (args.clientSecurityGroupIds.length === 0)
    throw new Error("AwsGpuFleet: no clientSecurityGroupIds, so nothing could call the models");
}

/** The inline policy: ssm:GetParameter on exactly the given parameters (plus kms:Decrypt through SSM). */
function secretsPolicy(region: string, arns: string[], kmsKeyArn: string | undefined): string {
  const statements: Record<string, unknown>[] = [
    { Sid: "ReadLayerSecrets", Effect: "Allow", Action: ["ssm:GetParameter"], Resource: arns },
  ];
  if (kmsKeyArn)
    statements.push({
      Sid: "DecryptLayerSecrets",
      Effect: "Allow",
      Action: ["kms:Decrypt"],
      Resource: [kmsKeyArn],
      Condition: { StringEquals: { "kms:ViaService": `ssm.${region}.amazonaws.com` } },
    });
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

/** @internal */
export function createAwsGpuFleet(
  name: string,
  args: AwsGpuFleetArgs,
  parent: pulumi.Resource,
): AwsGpuFleetOutputs {
  checkArgs(args);
  const { fleet } = args;
  const region = fleet.region;
  const tags = { ...fleet.tags };
  const child = { parent };

  const ami = args.amiId
    ? undefined
    : aws.ec2.getAmiOutput(
        {
          mostRecent: true,
          owners: [...DLAMI_OWNERS],
          filters: [
            { name: "name", values: [DLAMI_NAME_PATTERN] },
            { name: "state", values: ["available"] },
            { name: "architecture", values: ["x86_64"] },
          ],
        },
        child,
      );
  const imageId: pulumi.Input<string> = args.amiId ?? ami!.id;
  const rootDeviceName: pulumi.Input<string> = ami
    ? ami.rootDeviceName
    : (args.rootDeviceName ?? AL2023_ROOT_DEVICE);

  // Session Manager for operators (shell, port forwarding), so no SSH key and no port 22 anywhere.
  const role = roleWithPolicies(
    `${name}-gpu`,
    {
      description: "ai-layer vLLM GPU instances",
      assumeRolePolicy: serviceTrustPolicy("ec2.amazonaws.com"),
      // Inline (SESSION_MANAGER_POLICY), not AmazonSSMManagedInstanceCore: that one reads every parameter.
      policyArns: [],
      tags,
    },
    child,
  );
  const secretEntries = Object.entries(args.secretParameters).sort(([a], [b]) => (a < b ? -1 : 1));
  const rolePolicies: pulumi.Resource[] = [sessionManagerPolicy(`${name}-gpu`, role.role.name, child)];
  if (secretEntries.length > 0)
    rolePolicies.push(
      new aws.iam.RolePolicy(
        `${name}-gpu-secrets`,
        {
          role: role.role.name,
          policy: pulumi
            .all([pulumi.all(secretEntries.map(([, p]) => p.arn)), args.kmsKeyArn])
            .apply(([arns, kms]) => secretsPolicy(region, arns, kms)),
        },
        child,
      ),
    );
  const profile = new aws.iam.InstanceProfile(`${name}-gpu`, { role: role.role.name, tags }, child);

  const { lbSg, gpuSg } = fleetSecurityGroups(name, args, tags, parent);
  const nlb = new aws.lb.LoadBalancer(
    `${name}-nlb`,
    {
      namePrefix: TARGET_GROUP_NAME_PREFIX,
      internal: true,
      loadBalancerType: "network",
      subnets: args.privateSubnetIds,
      securityGroups: [lbSg.id],
      // A track's instances may sit in one AZ; without cross-zone the other AZs' nodes would have no target.
      enableCrossZoneLoadBalancing: true,
      tags,
    },
    child,
  );

  const secretNames = pulumi.all(Object.fromEntries(secretEntries.map(([env, p]) => [env, p.name])));
  const apiBaseUrls: Record<string, pulumi.Output<string>> = {};
  const apiBaseEnv: Record<string, pulumi.Output<string>> = {};
  const autoScalingGroupNames: Record<string, pulumi.Output<string>> = {};
  for (const track of fleet.tracks) {
    const group = createTrack(name, track, {
      args,
      tags,
      imageId,
      rootDeviceName,
      profile,
      gpuSg,
      nlb,
      secretNames,
      dependsOn: rolePolicies,
      parent,
    });
    apiBaseUrls[track.id] = pulumi.interpolate`http://${nlb.dnsName}:${track.listenerPort}/v1`;
    apiBaseEnv[track.apiBaseEnv] = apiBaseUrls[track.id]!;
    autoScalingGroupNames[track.id] = group.name;
  }
  return {
    loadBalancerDnsName: nlb.dnsName,
    apiBaseUrls,
    apiBaseEnv,
    instanceSecurityGroupId: gpuSg.id,
    loadBalancerSecurityGroupId: lbSg.id,
    autoScalingGroupNames,
  };
}

interface TrackContext {
  readonly args: AwsGpuFleetArgs;
  readonly tags: Record<string, string>;
  readonly imageId: pulumi.Input<string>;
  readonly rootDeviceName: pulumi.Input<string>;
  readonly profile: aws.iam.InstanceProfile;
  readonly gpuSg: aws.ec2.SecurityGroup;
  readonly nlb: aws.lb.LoadBalancer;
  readonly secretNames: pulumi.Output<Record<string, string>>;
  readonly dependsOn: pulumi.Resource[];
  readonly parent: pulumi.Resource;
}

/** One track: target group, listener, launch template and Auto Scaling group. */
function createTrack(name: string, track: GpuFleetTrackPlan, ctx: TrackContext): aws.autoscaling.Group {
  const { args, tags, parent } = ctx;
  const fleet = args.fleet;
  const port = fleet.vllmPort;
  const child = { parent };
  const id = `${name}-${track.id}`;
  const instanceTags = {
    ...tags,
    Name: id,
    // The control host lists vLLM targets by these for Prometheus (file_sd); `track` is stable or canary, as
    // the kubernetes target's pod label, so dashboards compare tracks the same way on both.
    [FLEET_INSTANCE_TAGS.stack]: args.stack,
    [FLEET_INSTANCE_TAGS.model]: track.model,
    [FLEET_INSTANCE_TAGS.track]: track.track,
  };

  const targetGroup = new aws.lb.TargetGroup(
    id,
    {
      // AWS allows 32 characters, and Pulumi's autoname (logical name + 7) passes that for names such as
      // `ai-layer-fleet-chat-canary` (pulumi/pulumi-aws#1932): a prefix gets a unique suffix from the provider.
      namePrefix: TARGET_GROUP_NAME_PREFIX,
      vpcId: args.vpcId,
      protocol: "TCP",
      port,
      targetType: "instance",
      // With client IP preservation the packets reach an instance from the client's address, so a rule naming
      // the load balancer's security group would not match them; off, they come from the load balancer.
      preserveClientIp: "false",
      // vLLM binds its port before the model loads (runtime-facts.md §B3): only an HTTP /health 200 means ready.
      healthCheck: {
        protocol: "HTTP",
        path: "/health",
        port: "traffic-port",
        matcher: "200",
        interval: 15,
        timeout: 10,
        healthyThreshold: 2,
        unhealthyThreshold: 3,
      },
      // Long enough for in-flight completions to finish streaming on scale-in, short enough for quick rollouts.
      deregistrationDelay: 30,
      tags,
    },
    child,
  );
  new aws.lb.Listener(
    id,
    {
      loadBalancerArn: ctx.nlb.arn,
      port: track.listenerPort,
      protocol: "TCP",
      tcpIdleTimeoutSeconds: fleet.listenerIdleTimeoutSeconds,
      defaultActions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
      tags,
    },
    child,
  );

  const userData = ctx.secretNames.apply((secretParameters) =>
    Buffer.from(
      renderVllmUserData({
        region: fleet.region,
        image: track.image,
        vllmArgs: trackArgs(args.vllmArgs, track.id),
        port,
        secretParameters,
        stack: args.stack,
        track: track.id,
      }),
    ).toString("base64"),
  );
  const launchTemplate = new aws.ec2.LaunchTemplate(
    id,
    {
      description: `ai-layer vLLM ${track.id} (${track.model}) on ${track.instanceType}`,
      imageId: ctx.imageId,
      instanceType: track.instanceType,
      iamInstanceProfile: { arn: ctx.profile.arn },
      vpcSecurityGroupIds: [ctx.gpuSg.id],
      // IMDSv2 only; hop limit 1 also keeps the (bridged) vLLM container away from the instance role.
      metadataOptions: { httpTokens: "required", httpEndpoint: "enabled", httpPutResponseHopLimit: 1 },
      blockDeviceMappings: [
        {
          deviceName: ctx.rootDeviceName,
          ebs: {
            volumeType: "gp3",
            volumeSize: fleet.gpuDiskGiB,
            encrypted: "true",
            deleteOnTermination: "true",
          },
        },
      ],
      userData,
      updateDefaultVersion: true,
      tagSpecifications: [
        { resourceType: "instance", tags: instanceTags },
        { resourceType: "volume", tags: instanceTags },
      ],
      tags,
    },
    // A looked-up AMI is the newest DLAMI: without this, each DLAMI release would roll every GPU group (image and
    // weights downloaded again) on the next unrelated `up`. Pass amiId to move to a new AMI on purpose.
    { ...child, ...(args.amiId ? {} : { ignoreChanges: ["imageId"] }) },
  );

  return new aws.autoscaling.Group(
    id,
    {
      minSize: track.minSize,
      maxSize: track.maxSize,
      desiredCapacity: track.minSize,
      vpcZoneIdentifiers: args.privateSubnetIds,
      targetGroupArns: [targetGroup.arn],
      healthCheckType: "ELB",
      healthCheckGracePeriod: FLEET_HEALTH_CHECK_GRACE_SECONDS,
      launchTemplate: { id: launchTemplate.id, version: launchTemplate.latestVersion.apply(String) },
      // A new launch template version (image, args, AMI) rolls the group: launch a replacement, wait until it is
      // healthy, then drain the old one, so a track with one instance keeps serving throughout.
      instanceRefresh: {
        strategy: "Rolling",
        preferences: { minHealthyPercentage: 100, maxHealthyPercentage: 200, skipMatching: true },
      },
      tags: Object.entries(instanceTags)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([key, value]) => ({ key, value, propagateAtLaunch: true })),
    },
    // Autoscaling policies (or an operator) own the running count once the group exists.
    { ...child, dependsOn: ctx.dependsOn, ignoreChanges: ["desiredCapacity"] },
  );
}

function trackArgs(all: Readonly<Record<string, readonly string[]>>, id: string): readonly string[] {
  const a = all[id];
  if (!a) throw new Error(`AwsGpuFleet: no vLLM arguments for track ${id}`);
  return a;
}
