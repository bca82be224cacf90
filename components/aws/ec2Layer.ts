import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { LayerSecretKey, PlanFor } from "../plan";
import { fileList, fleetVllmArgs, renderLayerFiles, type RenderedFile } from "../render";
import { resolveSecrets, type LayerSecrets } from "../secrets";
import { AwsControlHost } from "./controlHost";
import { AwsElastiCache } from "./elasticache";
import { fleetEndpoints } from "./fleetEndpoints";
import { AwsGpuFleet } from "./gpuFleet";
import { AwsNetwork, existingNetwork } from "./network";
import { AwsSecretParameters } from "./secretParameters";

export interface AwsEc2LayerArgs {
  /** The plan of an aws-ec2 target (`plan(parseLayerSpec(layer), { stack })` with `target.kind: aws-ec2`). */
  readonly plan: PlanFor<"aws-ec2">;
  /** Secrets from config; any left out is generated with @pulumi/random. They are stored in SSM, never in user data. */
  readonly secrets?: LayerSecrets;
  /**
   * AWS provider to create everything with (or pass it as `providers: { aws }` in the options). Default: one for
   * the plan's region with the plan's tags as defaultTags.
   */
  readonly awsProvider?: aws.Provider;
}

/** Env vars GPU instances read their secrets into, by the layer secret they hold. */
const FLEET_SECRET_ENV: Partial<Record<LayerSecretKey, string>> = {
  vllmApiKey: "VLLM_API_KEY",
  hfToken: "HF_TOKEN",
};

/**
 * The whole layer on EC2 without Kubernetes: a VPC (or the team's), the layer's secrets in SSM Parameter Store,
 * one Auto Scaling group of GPU instances per model track behind an internal load balancer, ElastiCache when
 * configured, and a CPU control host running the gateway, cache and monitoring in Docker.
 */
export class AwsEc2Layer extends pulumi.ComponentResource {
  /** Gateway URL inside the VPC, `http://<control host private IP>:4000` (OpenAI base URL: append /v1). */
  public readonly gatewayUrl: pulumi.Output<string>;
  /** Grafana as reached through `grafanaPortForwardCommand` (it listens on the control host's loopback only). */
  public readonly grafanaUrl?: string;
  public readonly prometheusUrl?: string;
  /** `aws ssm start-session …` commands forwarding the gateway and Grafana to this machine. */
  public readonly gatewayPortForwardCommand: pulumi.Output<string>;
  public readonly grafanaPortForwardCommand?: pulumi.Output<string>;
  /** Key clients send as `Authorization: Bearer …`. Secret. */
  public readonly gatewayMasterKey: pulumi.Output<string>;
  /** Grafana `admin` password, when monitoring is on. Secret. */
  public readonly grafanaAdminPassword?: pulumi.Output<string>;
  public readonly vpcId: pulumi.Output<string>;
  /** Every file the layer deploys (to the control host, through S3), as rendered. */
  public readonly files: readonly RenderedFile[];
  /** The internal load balancer in front of the GPU instances (none when every model is remote). */
  public readonly loadBalancerDnsName?: pulumi.Output<string>;

  constructor(name: string, args: AwsEc2LayerArgs, opts?: pulumi.ComponentResourceOptions) {
    super(
      "ai-layer:index:AwsEc2Layer",
      name,
      { stack: args.plan.stack, models: args.plan.models.map((m) => m.name) },
      opts,
    );
    const built = createAwsEc2Layer(name, args, this);
    this.gatewayUrl = built.controlHost.gatewayUrl;
    this.gatewayPortForwardCommand = built.controlHost.gatewayPortForwardCommand;
    if (args.plan.monitoring.enabled) {
      this.grafanaUrl = args.plan.urls.grafana;
      this.prometheusUrl = args.plan.urls.prometheus;
      this.grafanaPortForwardCommand = built.controlHost.grafanaPortForwardCommand;
    }
    this.gatewayMasterKey = built.secrets.gatewayMasterKey;
    this.grafanaAdminPassword = built.secrets.grafanaAdminPassword;
    this.vpcId = built.network.vpcId;
    this.files = built.files;
    this.loadBalancerDnsName = built.fleet?.loadBalancerDnsName;
    this.registerOutputs({ gatewayUrl: this.gatewayUrl, gatewayMasterKey: this.gatewayMasterKey });
  }
}

/** @internal Places an aws-ec2 plan under `parent`. */
export function createAwsEc2Layer(name: string, args: AwsEc2LayerArgs, parent: pulumi.Resource) {
  const { plan } = args;
  const fleetPlan = plan.target.aws;
  const tags = { ...fleetPlan.tags };
  // A provider given the usual Pulumi way (options' providers.aws) wins over making one.
  const awsProvider =
    args.awsProvider ??
    (parent.getProvider("aws::") as aws.Provider | undefined) ??
    new aws.Provider(`${name}-aws`, { region: fleetPlan.region, defaultTags: { tags } }, { parent });
  const opts = { parent, providers: { aws: awsProvider } };

  const network = fleetPlan.existingNetwork
    ? existingNetwork(fleetPlan.existingNetwork)
    : new AwsNetwork(
        `${name}-net`,
        { vpcCidr: fleetPlan.vpcCidr, availabilityZones: fleetPlan.availabilityZones, tags },
        opts,
      );

  const secrets = resolveSecrets(name, plan.secrets, args.secrets ?? {}, parent);
  const stored = new AwsSecretParameters(
    `${name}-secrets`,
    {
      stack: plan.stack,
      secrets: Object.fromEntries(
        plan.secrets.map((s) => [s.configKey, secrets[s.configKey as LayerSecretKey]]),
      ),
      tags,
    },
    opts,
  );

  // The gateway host's security group: the only client of the GPU fleet and of ElastiCache. Created here, with
  // no rules, because both of those need its id before the host exists; AwsControlHost adds its rules.
  const gatewayGroup = new aws.ec2.SecurityGroup(
    `${name}-gateway`,
    {
      vpcId: network.vpcId,
      description: "ai-layer control host: LiteLLM gateway, cache client, Prometheus",
      tags: { ...tags, Name: `${name}-gateway` },
    },
    { parent, provider: awsProvider },
  );

  // No self-hosted model (a gateway in front of remote APIs only): no GPU fleet and no load balancer.
  const fleet =
    fleetPlan.tracks.length > 0
      ? new AwsGpuFleet(
          `${name}-fleet`,
          {
            fleet: fleetPlan,
            vllmArgs: fleetVllmArgs(plan),
            stack: plan.stack,
            vpcId: network.vpcId,
            privateSubnetIds: network.privateSubnetIds,
            clientSecurityGroupIds: [gatewayGroup.id],
            secretParameters: Object.fromEntries(
              Object.entries(FLEET_SECRET_ENV)
                .filter(([key]) => stored.parameters[key])
                .map(([key, env]) => [env, stored.parameters[key]!]),
            ),
          },
          opts,
        )
      : undefined;

  const cache =
    plan.cache.enabled && fleetPlan.elasticache
      ? new AwsElastiCache(
          `${name}-cache`,
          {
            cache: fleetPlan.elasticache,
            vpcId: network.vpcId,
            subnetIds: network.privateSubnetIds,
            clientSecurityGroupIds: [gatewayGroup.id],
            authToken: secrets.redisPassword,
            tags,
          },
          opts,
        )
      : undefined;

  const files = fileList(renderLayerFiles(plan, fleetEndpoints(plan)));
  const controlHost = new AwsControlHost(
    `${name}-control`,
    {
      plan,
      files,
      vpcCidr: fleetPlan.vpcCidr,
      subnetId: network.privateSubnetIds.apply((ids) => ids[0]!),
      securityGroupId: gatewayGroup.id,
      secretParameters: stored.parameters,
      apiBaseEnv: fleet?.apiBaseEnv ?? {},
      ...(cache ? { redisHost: cache.primaryEndpointAddress } : {}),
    },
    // The gateway answers only once its models' load balancer exists.
    { ...opts, dependsOn: [...(fleet ? [fleet] : []), ...(cache ? [cache] : [])] },
  );
  return { awsProvider, network, secrets, stored, gatewayGroup, fleet, cache, controlHost, files };
}
