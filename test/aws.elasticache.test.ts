// AwsElastiCache on Pulumi's mock runtime: encryption, auth token, private placement, client-only ingress.
import * as pulumi from "@pulumi/pulumi";
import { recordOnMocks } from "./helpers/mockRuntime";
import { beforeAll, describe, expect, it } from "vitest";
import { mockOutputs } from "../bin/offline/mockOutputs";
import { AwsElastiCache, checkAuthToken, ELASTICACHE_PORT } from "../components/aws/elasticache";
import type { ElastiCachePlan } from "../components/plan";

const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const TAGS = { owner: "ml-platform", environment: "prod", "cost-center": "ai-1234" };
const TOKEN = "Tk9vZ0dFbnVpbmVseVJhbmRvbUxvb2tpbmdUb2tlbjQw".slice(0, 40);
const unwrap = <T>(o: pulumi.Output<T>) => new Promise<T>((r) => o.apply(r));
const CACHE: ElastiCachePlan = {
  engine: "valkey",
  engineVersion: "8.0",
  nodeType: "cache.t4g.small",
  nodes: 2,
  usdPerHour: 0.0512,
};

describe("AwsElastiCache on the mock runtime", () => {
  const records: pulumi.runtime.MockResourceArgs[] = [];
  const of = (type: string, parent?: string) =>
    records.filter((r) => r.type === type && (!parent || r.name.startsWith(parent)));
  let ha: AwsElastiCache;

  beforeAll(async () => {
    await recordOnMocks("gpu-fleet", records);
    const common = {
      vpcId: "vpc-0123456789abcdef0",
      subnetIds: ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"],
      authToken: pulumi.secret(TOKEN),
      tags: TAGS,
    };
    ha = new AwsElastiCache("ha", {
      ...common,
      cache: CACHE,
      clientSecurityGroupIds: ["sg-0c11e47000000001", "sg-0c11e47000000002"],
    });
    const single = new AwsElastiCache("one", {
      ...common,
      cache: { ...CACHE, engine: "redis", engineVersion: "7.1", nodes: 1 },
      clientSecurityGroupIds: ["sg-0c11e47000000001"],
    });
    await Promise.all(
      [ha, single].flatMap((c) => [unwrap(c.primaryEndpointAddress), unwrap(c.securityGroupId)]),
    );
  });

  const group = (prefix: string) =>
    of("aws:elasticache/replicationGroup:ReplicationGroup", prefix)[0]!.inputs;

  it("registers the component with its type token", () => {
    expect(of("ai-layer:index:AwsElastiCache").map((r) => r.name)).toEqual(["ha", "one"]);
  });

  it("encrypts at rest and in transit (TLS required) and sets a secret auth token with an update strategy", () => {
    const g = group("ha");
    expect(g.atRestEncryptionEnabled).toBe(true);
    expect(g.transitEncryptionEnabled).toBe(true);
    expect(g.transitEncryptionMode).toBe("required");
    expect(g.authToken).toEqual({ [SECRET_SIG]: "1b47061264138c4ac30d75fd1eb44270", value: TOKEN });
    expect(["ROTATE", "SET"]).toContain(g.authTokenUpdateStrategy);
    expect(g.port).toBe(ELASTICACHE_PORT);
    expect(g.snapshotRetentionLimit).toBe(0);
    expect(g.parameterGroupName).toBeUndefined(); // the engine family's default group
  });

  it("engine, version, node type and node count from the plan; failover and Multi-AZ only with a replica", () => {
    expect(group("ha")).toMatchObject({
      engine: "valkey",
      engineVersion: "8.0",
      nodeType: "cache.t4g.small",
      numCacheClusters: 2,
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
    });
    expect(group("one")).toMatchObject({
      engine: "redis",
      engineVersion: "7.1",
      numCacheClusters: 1,
      automaticFailoverEnabled: false,
      multiAzEnabled: false,
    });
  });

  it("places the nodes in the given private subnets, behind its own security group", async () => {
    const subnets = of("aws:elasticache/subnetGroup:SubnetGroup", "ha")[0]!;
    expect(subnets.inputs.subnetIds).toEqual(["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"]);
    expect(group("ha").subnetGroupName).toBe(mockOutputs(subnets).state.name);
    expect(group("ha").securityGroupIds).toEqual([await unwrap(ha.securityGroupId)]);
  });

  it("admits the cache port from each client security group only: no CIDR, no egress, no inline rules", async () => {
    const sgId = await unwrap(ha.securityGroupId);
    const sg = of("aws:ec2/securityGroup:SecurityGroup", "ha")[0]!.inputs;
    expect(sg.ingress ?? []).toEqual([]);
    expect(sg.egress ?? []).toEqual([]);
    const rules = of("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter(
      (r) => r.inputs.securityGroupId === sgId,
    );
    expect(rules.map((r) => r.inputs.referencedSecurityGroupId).sort()).toEqual([
      "sg-0c11e47000000001",
      "sg-0c11e47000000002",
    ]);
    for (const r of rules) {
      expect(r.inputs).toMatchObject({ ipProtocol: "tcp", fromPort: 6379, toPort: 6379 });
      expect(r.inputs.cidrIpv4).toBeUndefined();
      expect(r.inputs.cidrIpv6).toBeUndefined();
    }
    expect(
      of("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").filter(
        (r) => r.inputs.securityGroupId === sgId,
      ),
    ).toEqual([]);
  });

  it("tags every resource and outputs the TLS primary endpoint", async () => {
    for (const type of [
      "aws:elasticache/replicationGroup:ReplicationGroup",
      "aws:elasticache/subnetGroup:SubnetGroup",
      "aws:ec2/securityGroup:SecurityGroup",
      "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    ])
      for (const r of of(type)) expect(r.inputs.tags, `${type} ${r.name}`).toEqual(TAGS);
    expect(await unwrap(ha.primaryEndpointAddress)).toMatch(
      /^master\.[a-z0-9-]+\.[0-9a-f]{6}\.use1\.cache\.amazonaws\.com$/,
    );
    expect(await unwrap(ha.port)).toBe(6379);
  });
});

describe("checkAuthToken: ElastiCache's AUTH token rules", () => {
  it("accepts the layer's generated redisPassword shape (40 alphanumerics)", () => {
    expect(checkAuthToken("a1B2".repeat(10))).toBeUndefined();
  });
  it.each([
    ["short", "a".repeat(15), /16–128/],
    ["long", "a".repeat(129), /16–128/],
    ["slash", `${"a".repeat(20)}/x`, /contains/],
    ["at sign", `${"a".repeat(20)}@x`, /contains/],
    ["double quote", `${"a".repeat(20)}"x`, /contains/],
    ["space", `${"a".repeat(20)} x`, /printable/],
  ])("refuses %s", (_n, token, problem) => {
    expect(checkAuthToken(token)).toMatch(problem);
  });
});
