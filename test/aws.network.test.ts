// AwsNetwork's flow log on the mock runtime: all traffic of the VPC into a log group of bounded retention, delivered
// by a role that may write that group only.
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { AwsNetwork } from "../components/aws";
import { recordOnMocks } from "./helpers/mockRuntime";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
const TAGS = { owner: "ml-platform", environment: "prod", "cost-center": "cc-1234" };
const unwrap = <T>(o: pulumi.Output<T>) => new Promise<T>((r) => o.apply(r));

describe("AwsNetwork flow log on the mock runtime", () => {
  const records: pulumi.runtime.MockResourceArgs[] = [];
  const of = (type: string) => records.filter((r) => r.type === type);
  const one = (type: string) => {
    expect(of(type), type).toHaveLength(1);
    return of(type)[0]!.inputs as Json;
  };
  let vpcId: string;

  beforeAll(async () => {
    await recordOnMocks("prod", records);
    const net = new AwsNetwork("net", { vpcCidr: "10.40.0.0/16", availabilityZones: 2, tags: TAGS });
    vpcId = await unwrap(net.vpcId);
    await unwrap(net.privateSubnetIds);
  });

  it("records ALL traffic of the VPC into its own log group, kept 90 days by default", () => {
    const flowLog = one("aws:ec2/flowLog:FlowLog");
    const group = one("aws:cloudwatch/logGroup:LogGroup");
    expect(group.retentionInDays).toBe(90);
    expect(group.tags).toEqual(TAGS);
    expect(flowLog).toMatchObject({
      vpcId,
      trafficType: "ALL",
      logDestinationType: "cloud-watch-logs",
      logDestination: expect.stringMatching(/^arn:aws:logs:us-east-1:123456789012:log-group:net-flow-log-/),
    });
    expect(flowLog.iamRoleArn).toMatch(/:role\/net-flow-log-/);
  });

  it("the delivery role: trusted by the flow-logs service only, writing that one log group", () => {
    const role = one("aws:iam/role:Role");
    expect(JSON.parse(role.assumeRolePolicy).Statement).toEqual([
      { Effect: "Allow", Principal: { Service: "vpc-flow-logs.amazonaws.com" }, Action: ["sts:AssumeRole"] },
    ]);
    const group = one("aws:ec2/flowLog:FlowLog").logDestination as string;
    const statements = JSON.parse(one("aws:iam/rolePolicy:RolePolicy").policy).Statement;
    expect(statements).toEqual([
      {
        Sid: "WriteFlowLog",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        Resource: [group, `${group}:*`],
      },
      { Sid: "FindLogGroup", Effect: "Allow", Action: ["logs:DescribeLogGroups"], Resource: "*" },
    ]);
    expect(of("aws:iam/rolePolicyAttachment:RolePolicyAttachment")).toEqual([]);
  });

  it("refuses a retention CloudWatch Logs does not accept, naming the arg", () => {
    expect(
      () =>
        new AwsNetwork("odd", {
          vpcCidr: "10.41.0.0/16",
          availabilityZones: 2,
          tags: TAGS,
          flowLogRetentionDays: 10,
        }),
    ).toThrow(/flowLogRetentionDays 10 is not a CloudWatch Logs retention/);
  });
});
