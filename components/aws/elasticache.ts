import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ElastiCachePlan } from "../plan";

/**
 * Port of the ElastiCache endpoint: the same 6379 the docker target's Redis listens on, so the gateway config and
 * the exporter address differ only in host and TLS.
 */
export const ELASTICACHE_PORT = 6379;

export interface AwsElastiCacheArgs {
  /** Engine, version, node type and node count (the plan's `target.aws.elasticache`). */
  readonly cache: ElastiCachePlan;
  /** VPC of the cache and its clients. */
  readonly vpcId: pulumi.Input<string>;
  /**
   * Private subnets the nodes are placed in, in two or more AZs when `cache.nodes` > 1 (Multi-AZ failover puts the
   * replica in another AZ).
   */
  readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Security groups of the clients (the control host): the only sources allowed to the cache port. No CIDR is
   * ever admitted.
   */
  readonly clientSecurityGroupIds: readonly pulumi.Input<string>[];
  /**
   * Redis AUTH token clients send; stored by ElastiCache, kept secret in the state. ElastiCache wants 16–128
   * printable ASCII characters without `/`, `"` or `@`: the layer's generated redisPassword (40 alphanumerics,
   * components/secrets/resolveSecrets.ts) fits. Secret.
   */
  readonly authToken: pulumi.Input<string>;
  /** Tags for every resource (owner, environment, cost-center). */
  readonly tags: Readonly<Record<string, string>>;
}

/** ElastiCache wants 16–128 printable ASCII characters, none of `/`, `"`, `@` (AUTH token rules). */
export function checkAuthToken(token: string): string | undefined {
  if (token.length < 16 || token.length > 128)
    return `is ${token.length} characters; ElastiCache wants 16–128`;
  if (!/^[\x21-\x7e]+$/.test(token)) return "has characters outside printable ASCII";
  if (/[/"@]/.test(token)) return 'contains /, " or @, which ElastiCache refuses';
  return undefined;
}

/**
 * The layer's cache on ElastiCache (Valkey or Redis OSS) instead of a Redis container: one replication group,
 * encrypted at rest and in transit (TLS required), AUTH token, in private subnets, reachable on
 * ELASTICACHE_PORT from the client security groups only. A pure cache: no snapshots.
 */
export class AwsElastiCache extends pulumi.ComponentResource {
  /** Primary endpoint host name (TLS, port ELASTICACHE_PORT). */
  public readonly primaryEndpointAddress: pulumi.Output<string>;
  public readonly port: pulumi.Output<number>;
  /** The cache's own security group. */
  public readonly securityGroupId: pulumi.Output<string>;

  constructor(name: string, args: AwsElastiCacheArgs, opts?: pulumi.ComponentResourceOptions) {
    super(
      "ai-layer:index:AwsElastiCache",
      name,
      { engine: args.cache.engine, nodeType: args.cache.nodeType, nodes: args.cache.nodes },
      opts,
    );
    const built = createAwsElastiCache(name, args, this);
    this.primaryEndpointAddress = built.group.primaryEndpointAddress;
    this.port = built.group.port.apply((p) => p ?? ELASTICACHE_PORT);
    this.securityGroupId = built.securityGroup.id;
    this.registerOutputs({
      primaryEndpointAddress: this.primaryEndpointAddress,
      port: this.port,
      securityGroupId: this.securityGroupId,
    });
  }
}

/** @internal Builds the cache's resources under `parent`. */
export function createAwsElastiCache(name: string, args: AwsElastiCacheArgs, parent: pulumi.Resource) {
  const { cache } = args;
  if (!Number.isInteger(cache.nodes) || cache.nodes < 1 || cache.nodes > 6)
    throw new Error(
      `AwsElastiCache: ${cache.nodes} nodes; a replication group has 1 primary and 0–5 replicas`,
    );
  if (args.clientSecurityGroupIds.length === 0)
    throw new Error("AwsElastiCache: no client security groups, so nothing could reach the cache");
  const tags = { ...args.tags };
  const opts = { parent };
  // Checked when the value is known (a config secret or a generated password), without ever printing it.
  const authToken = pulumi.secret(
    pulumi.output(args.authToken).apply((token) => {
      const problem = checkAuthToken(token);
      if (problem) throw new Error(`AwsElastiCache: the auth token ${problem}`);
      return token;
    }),
  );

  const subnetGroup = new aws.elasticache.SubnetGroup(
    `${name}-subnets`,
    { description: "ai-layer cache: private subnets", subnetIds: args.subnetIds, tags },
    opts,
  );
  // No inline rules and no egress: the provider removes AWS's default allow-all egress rule, and a cache opens
  // no connections of its own.
  const securityGroup = new aws.ec2.SecurityGroup(
    `${name}-sg`,
    { vpcId: args.vpcId, description: "ai-layer cache: Redis port from the clients only", tags },
    opts,
  );
  const ingress = args.clientSecurityGroupIds.map(
    (client, i) =>
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-from-client-${i}`,
        {
          securityGroupId: securityGroup.id,
          referencedSecurityGroupId: client,
          ipProtocol: "tcp",
          fromPort: ELASTICACHE_PORT,
          toPort: ELASTICACHE_PORT,
          description: "Redis (TLS) from an ai-layer client",
          tags,
        },
        opts,
      ),
  );

  const failover = cache.nodes > 1;
  const group = new aws.elasticache.ReplicationGroup(
    `${name}-cache`,
    {
      description: "ai-layer response cache",
      engine: cache.engine,
      engineVersion: cache.engineVersion,
      nodeType: cache.nodeType,
      numCacheClusters: cache.nodes,
      // Failover needs a replica; Multi-AZ needs failover (provider docs for multiAzEnabled).
      automaticFailoverEnabled: failover,
      multiAzEnabled: failover,
      port: ELASTICACHE_PORT,
      subnetGroupName: subnetGroup.name,
      securityGroupIds: [securityGroup.id],
      atRestEncryptionEnabled: true,
      transitEncryptionEnabled: true,
      transitEncryptionMode: "required",
      authToken,
      // ROTATE, not SET: the control host reads the token from SSM at boot and keeps it until its next boot, so
      // after a rotation the old token must keep working (ROTATE accepts both; SET would cut the running gateway
      // off its cache). Set it explicitly: aws v7 has no default (pulumi-practices.md §8).
      authTokenUpdateStrategy: "ROTATE",
      // parameterGroupName omitted: the engine family's default group (default.valkey8, default.redis7, …), which
      // keeps cluster mode off, as LiteLLM's single-endpoint client needs.
      // A pure cache: nothing worth a snapshot, and none to pay for.
      snapshotRetentionLimit: 0,
      // A token rotation or node change waiting for the maintenance window would leave SSM and the cache
      // disagreeing about the token; a cache loses nothing it cannot refill by applying now.
      applyImmediately: true,
      autoMinorVersionUpgrade: true,
      tags,
    },
    opts,
  );
  return { subnetGroup, securityGroup, ingress, group };
}
