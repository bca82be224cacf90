import type * as pulumi from "@pulumi/pulumi";
import { ACCOUNT, awsRegion, ec2Id, ec2Owned, named, tagged } from "./awsMockHelpers";
import { autoname, hex, uuidFrom, type OutputsFor } from "./mockIds";

/**
 * Realistic outputs of what the aws-ec2 GPU fleet (components/aws/gpuFleet.ts, secretParameters.ts) adds:
 * launch templates, Auto Scaling groups, the internal NLB with its target groups and listeners, security groups
 * and their rules, the instance profile, SSM parameters and the DLAMI lookup.
 */

/** Route 53 zone of Network Load Balancers per region (AWS "Elastic Load Balancing endpoints" table). */
const NLB_ZONE: Record<string, string> = { "us-east-1": "Z26RNL4JYFTOTI", "us-west-2": "Z18D5FSROUN65G" };
/** Same for Application Load Balancers. */
const ALB_ZONE: Record<string, string> = { "us-east-1": "Z35SXDOTRQ7X7K", "us-west-2": "Z1H1FL5HABSF5" };

const elbArn = (args: pulumi.runtime.MockResourceArgs, resource: string) =>
  `arn:aws:elasticloadbalancing:${awsRegion(args)}:${ACCOUNT}:${resource}`;

/** A security group rule: `sgr-0…` and its ARN. */
const sgRule: OutputsFor = (args, seed) => {
  const id = ec2Id("sgr", seed);
  return {
    id,
    state: {
      ...args.inputs,
      ...tagged(args),
      securityGroupRuleId: id,
      arn: `arn:aws:ec2:${awsRegion(args)}:${ACCOUNT}:security-group-rule/${id}`,
    },
  };
};

export const AWS_FLEET_MOCK_OUTPUTS: Record<string, OutputsFor> = {
  "aws:ec2/securityGroup:SecurityGroup": ec2Owned("sg", "security-group", (args, seed) => ({
    name: autoname(args, seed),
    revokeRulesOnDelete: false,
  })),
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": sgRule,
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": sgRule,
  "aws:ec2/launchTemplate:LaunchTemplate": ec2Owned("lt", "launch-template", (args, seed) => ({
    name: autoname(args, seed),
    latestVersion: 1,
    defaultVersion: 1,
  })),
  "aws:autoscaling/group:Group": (args, seed) => {
    const name = autoname(args, seed);
    return {
      id: name,
      state: {
        ...args.inputs,
        name,
        arn: `arn:aws:autoscaling:${awsRegion(args)}:${ACCOUNT}:autoScalingGroup:${uuidFrom(seed)}:autoScalingGroupName/${name}`,
        availabilityZones: ["us-east-1a", "us-east-1b"],
        defaultCooldown: 300,
        serviceLinkedRoleArn: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
      },
    };
  },
  "aws:lb/loadBalancer:LoadBalancer": (args, seed) => {
    const name = autoname(args, seed).slice(0, 32);
    const region = awsRegion(args);
    const network = args.inputs.loadBalancerType === "network";
    const suffix = `${network ? "net" : "app"}/${name}/${hex(seed, 16)}`;
    const arn = elbArn(args, `loadbalancer/${suffix}`);
    const internal = args.inputs.internal ? "internal-" : "";
    return {
      id: arn,
      state: {
        ...args.inputs,
        ...tagged(args),
        name,
        arn,
        arnSuffix: suffix,
        // NLB names carry no "internal-" prefix; ALB names do.
        dnsName: network
          ? `${name}-${hex(`${seed}/dns`, 16)}.elb.${region}.amazonaws.com`
          : `${internal}${name}-${parseInt(hex(`${seed}/dns`, 8), 16)}.${region}.elb.amazonaws.com`,
        zoneId: (network ? NLB_ZONE : ALB_ZONE)[region] ?? "Z26RNL4JYFTOTI",
        vpcId: ec2Id("vpc", `${seed}/vpc`),
        ipAddressType: "ipv4",
      },
    };
  },
  "aws:lb/targetGroup:TargetGroup": (args, seed) => {
    const name = autoname(args, seed).slice(0, 32);
    const suffix = `targetgroup/${name}/${hex(seed, 16)}`;
    const arn = elbArn(args, suffix);
    return { id: arn, state: { ...args.inputs, ...tagged(args), name, arn, arnSuffix: suffix } };
  },
  "aws:lb/listener:Listener": (args, seed) => {
    // listener ARNs extend the load balancer's: …:listener/net/<name>/<lb id>/<listener id>
    const lb = String(args.inputs.loadBalancerArn ?? elbArn(args, `loadbalancer/net/lb/${hex(seed, 16)}`));
    const arn = `${lb.replace(":loadbalancer/", ":listener/")}/${hex(seed, 16)}`;
    return { id: arn, state: { ...args.inputs, ...tagged(args), arn } };
  },
  "aws:iam/instanceProfile:InstanceProfile": named((args, name, seed) => ({
    path: args.inputs.path ?? "/",
    arn: `arn:aws:iam::${ACCOUNT}:instance-profile/${name}`,
    uniqueId: `AIPA${hex(seed, 17).toUpperCase()}`,
    createDate: "2026-01-01T00:00:00Z",
  })),
  "aws:ssm/parameter:Parameter": (args, seed) => {
    const name = autoname(args, seed);
    // Hierarchical names start with "/", which the ARN does not repeat: parameter/ai-layer/<stack>/<key>.
    const path = name.startsWith("/") ? name : `/${name}`;
    return {
      id: name,
      state: {
        ...args.inputs,
        ...tagged(args),
        name,
        arn: `arn:aws:ssm:${awsRegion(args)}:${ACCOUNT}:parameter${path}`,
        version: 1,
        tier: args.inputs.tier ?? "Standard",
        dataType: args.inputs.dataType ?? "text",
        keyId: args.inputs.keyId ?? (args.inputs.type === "SecureString" ? "alias/aws/ssm" : undefined),
      },
    };
  },
};

/** The newest "Deep Learning Base OSS Nvidia Driver GPU AMI (Amazon Linux 2023)" build, as DescribeImages has it. */
function dlami(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
  const region = (args.inputs.region as string | undefined) ?? "us-east-1";
  const id = ec2Id("ami", `dlami/${region}`);
  const name = "Deep Learning Base OSS Nvidia Driver GPU AMI (Amazon Linux 2023) 20260901";
  return {
    ...args.inputs,
    id,
    imageId: id,
    arn: `arn:aws:ec2:${region}::image/${id}`,
    name,
    description: `Supported EC2 instances: G4dn, G5, G6, Gr6, G6e, P4d, P4de, P5, P5e, P5en. ${name}`,
    ownerId: "898082745236",
    imageOwnerAlias: "amazon",
    architecture: "x86_64",
    creationDate: "2026-09-02T08:14:27.000Z",
    deprecationTime: "2028-09-02T08:14:27.000Z",
    state: "available",
    public: true,
    imageType: "machine",
    imageLocation: `amazon/${name}`,
    hypervisor: "xen",
    virtualizationType: "hvm",
    enaSupport: true,
    sriovNetSupport: "simple",
    bootMode: "uefi-preferred",
    imdsSupport: "v2.0",
    platformDetails: "Linux/UNIX",
    usageOperation: "RunInstances",
    rootDeviceType: "ebs",
    rootDeviceName: "/dev/xvda",
    rootSnapshotId: ec2Id("snap", `dlami/${region}/root`),
    blockDeviceMappings: [
      {
        deviceName: "/dev/xvda",
        ebs: {
          delete_on_termination: "true",
          encrypted: "false",
          iops: "3000",
          snapshot_id: ec2Id("snap", `dlami/${region}/root`),
          throughput: "125",
          volume_size: "75",
          volume_type: "gp3",
        },
        noDevice: "",
        virtualName: "",
      },
    ],
    productCodes: [],
    tags: {},
  };
}

export const AWS_FLEET_MOCK_CALLS: Record<
  string,
  (args: pulumi.runtime.MockCallArgs) => Record<string, unknown>
> = {
  "aws:ec2/getAmi:getAmi": dlami,
};
