// The VPC's flow log: every accepted and rejected connection, kept in CloudWatch Logs for a bounded time.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { roleWithPolicies, serviceTrustPolicy } from "./common";

/** How long CloudWatch Logs keeps the flow log by default, days (one of the retention values it accepts). */
export const DEFAULT_FLOW_LOG_RETENTION_DAYS = 90;
/** The retention values CloudWatch Logs accepts, days (PutRetentionPolicy `retentionInDays`). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/**
 * What the flow-logs service needs to deliver into one existing log group: create its streams, put events, and
 * describe (the actions of the AWS VPC User Guide's "IAM role for publishing flow logs to CloudWatch Logs", less
 * logs:CreateLogGroup since the group exists). Writes are scoped to the group; DescribeLogGroups lists the account's
 * groups and takes no narrower resource.
 */
export function flowLogDeliveryPolicy(logGroupArn: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "WriteFlowLog",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        Resource: [logGroupArn, `${logGroupArn}:*`],
      },
      { Sid: "FindLogGroup", Effect: "Allow", Action: ["logs:DescribeLogGroups"], Resource: "*" },
    ],
  });
}

/** Throws, naming the arg, when CloudWatch Logs would refuse `days` as a retention. */
export function checkFlowLogRetention(days: number): void {
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(days))
    throw new Error(
      `flowLogRetentionDays ${days} is not a CloudWatch Logs retention; use one of ${LOG_RETENTION_DAYS.join(", ")}`,
    );
}

/** A flow log of `vpcId` (all traffic) into its own log group with `retentionDays`, and the delivery role. */
export function vpcFlowLog(
  name: string,
  args: {
    vpcId: pulumi.Input<string>;
    retentionDays: number;
    tags: Readonly<Record<string, string>>;
  },
  opts: pulumi.CustomResourceOptions,
): { logGroup: aws.cloudwatch.LogGroup; role: aws.iam.Role; flowLog: aws.ec2.FlowLog } {
  checkFlowLogRetention(args.retentionDays);
  const tags = { ...args.tags };
  const logGroup = new aws.cloudwatch.LogGroup(
    `${name}-flow-log`,
    { retentionInDays: args.retentionDays, tags },
    opts,
  );
  // No managed policy: the inline one below grants delivery to this log group only.
  const { role } = roleWithPolicies(
    `${name}-flow-log`,
    {
      description: "VPC flow log delivery to its CloudWatch log group",
      assumeRolePolicy: serviceTrustPolicy("vpc-flow-logs.amazonaws.com"),
      policyArns: [],
      tags,
    },
    opts,
  );
  const policy = new aws.iam.RolePolicy(
    `${name}-flow-log`,
    { role: role.name, policy: logGroup.arn.apply(flowLogDeliveryPolicy) },
    opts,
  );
  const flowLog = new aws.ec2.FlowLog(
    `${name}-flow-log`,
    {
      vpcId: args.vpcId,
      trafficType: "ALL",
      logDestinationType: "cloud-watch-logs",
      logDestination: logGroup.arn,
      iamRoleArn: role.arn,
      // Records are aggregated over at most 10 minutes (the default and the cheaper of the two choices).
      maxAggregationInterval: 600,
      tags,
    },
    { ...opts, dependsOn: [policy] },
  );
  return { logGroup, role, flowLog };
}
