import type * as pulumi from "@pulumi/pulumi";
import { autoname, hex, uuidFrom, type OutputsFor } from "./mockIds";
import { ACCOUNT, awsRegion, ec2Id, ec2Owned, named, tagged } from "./awsMockHelpers";
import { AWS_CONTROL_MOCK_CALLS, AWS_CONTROL_MOCK_OUTPUTS } from "./awsControlMockOutputs";
import { AWS_FLEET_MOCK_CALLS, AWS_FLEET_MOCK_OUTPUTS } from "./awsFleetMockOutputs";
import { AWS_SECURITY_MOCK_OUTPUTS } from "./awsSecurityMockOutputs";

/** Realistic outputs of the AWS resources and invokes the AWS targets use (ids, ARNs, endpoints, AZs). */

export const AWS_MOCK_OUTPUTS: Record<string, OutputsFor> = {
  ...AWS_FLEET_MOCK_OUTPUTS,
  ...AWS_CONTROL_MOCK_OUTPUTS,
  ...AWS_SECURITY_MOCK_OUTPUTS,
  "aws:ec2/vpc:Vpc": ec2Owned("vpc", "vpc", (_args, seed) => ({
    defaultSecurityGroupId: ec2Id("sg", `${seed}/sg`),
    defaultRouteTableId: ec2Id("rtb", `${seed}/rtb`),
    mainRouteTableId: ec2Id("rtb", `${seed}/rtb`),
    defaultNetworkAclId: ec2Id("acl", `${seed}/acl`),
    instanceTenancy: "default",
  })),
  "aws:ec2/subnet:Subnet": ec2Owned("subnet", "subnet", (args) => {
    const az = String(args.inputs.availabilityZone ?? "us-east-1a");
    return { availabilityZoneId: `use1-az${"abcdef".indexOf(az.slice(-1)) + 1}` };
  }),
  "aws:ec2/internetGateway:InternetGateway": ec2Owned("igw", "internet-gateway"),
  "aws:ec2/eip:Eip": (args, seed) => {
    const id = ec2Id("eipalloc", seed);
    const o = hex(seed, 4)
      .match(/../g)!
      .map((h) => parseInt(h, 16));
    return {
      id,
      state: {
        ...args.inputs,
        ...tagged(args),
        allocationId: id,
        publicIp: `3.${o[0]}.${o[1]}.${1 + (o[0]! % 254)}`,
        publicDns: `ec2-3-${o[0]}-${o[1]}-${1 + (o[0]! % 254)}.compute-1.amazonaws.com`,
        arn: `arn:aws:ec2:${awsRegion(args)}:${ACCOUNT}:elastic-ip/${id}`,
      },
    };
  },
  "aws:ec2/natGateway:NatGateway": (args, seed) => ({
    id: ec2Id("nat", seed),
    state: {
      ...args.inputs,
      ...tagged(args),
      connectivityType: "public",
      networkInterfaceId: ec2Id("eni", `${seed}/eni`),
      privateIp: `10.40.${192 + (parseInt(hex(seed, 2), 16) % 40)}.${4 + (parseInt(hex(seed, 2), 16) % 200)}`,
      publicIp: `3.${parseInt(hex(seed, 2), 16)}.0.10`,
    },
  }),
  "aws:ec2/routeTable:RouteTable": ec2Owned("rtb", "route-table"),
  "aws:ec2/routeTableAssociation:RouteTableAssociation": (args, seed) => ({
    id: ec2Id("rtbassoc", seed),
    state: args.inputs,
  }),
  "aws:iam/role:Role": named((_args, name, seed) => ({
    arn: `arn:aws:iam::${ACCOUNT}:role/${name}`,
    uniqueId: `AROA${hex(seed, 17).toUpperCase()}`,
    createDate: "2026-01-01T00:00:00Z",
  })),
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": (args, seed) => ({
    id: `${args.inputs.role}-${hex(seed, 8)}`,
    state: args.inputs,
  }),
  "aws:iam/rolePolicy:RolePolicy": (args, seed) => {
    const name = autoname(args, seed);
    return { id: `${args.inputs.role}:${name}`, state: { ...args.inputs, name } };
  },
  "aws:eks/cluster:Cluster": (args, seed) => {
    const name = autoname(args, seed);
    const region = awsRegion(args);
    const vpc = (args.inputs.vpcConfig ?? {}) as Record<string, unknown>;
    return {
      id: name,
      state: {
        ...args.inputs,
        ...tagged(args),
        name,
        arn: `arn:aws:eks:${region}:${ACCOUNT}:cluster/${name}`,
        endpoint: `https://${hex(seed, 32).toUpperCase()}.gr7.${region}.eks.amazonaws.com`,
        certificateAuthority: {
          data: Buffer.from(
            `-----BEGIN CERTIFICATE-----\nMII${hex(seed, 60)}\n-----END CERTIFICATE-----\n`,
          ).toString("base64"),
        },
        identities: [
          {
            oidcs: [
              {
                issuer: `https://oidc.eks.${region}.amazonaws.com/id/${hex(`${seed}/oidc`, 32).toUpperCase()}`,
              },
            ],
          },
        ],
        platformVersion: "eks.10",
        status: "ACTIVE",
        clusterId: uuidFrom(`${seed}/id`),
        vpcConfig: {
          ...vpc,
          clusterSecurityGroupId: ec2Id("sg", `${seed}/cluster-sg`),
          vpcId: ec2Id("vpc", `${seed}/vpc`),
        },
        kubernetesNetworkConfig: { ipFamily: "ipv4", serviceIpv4Cidr: "172.20.0.0/16" },
      },
    };
  },
  "aws:eks/nodeGroup:NodeGroup": (args, seed) => {
    const name = (args.inputs.nodeGroupName as string | undefined) ?? `${args.name}-${hex(seed, 7)}`;
    const cluster = String(args.inputs.clusterName);
    const uuid = uuidFrom(`${seed}/uuid`);
    return {
      id: `${cluster}:${name}`,
      state: {
        ...args.inputs,
        ...tagged(args),
        nodeGroupName: name,
        arn: `arn:aws:eks:${awsRegion(args)}:${ACCOUNT}:nodegroup/${cluster}/${name}/${uuid}`,
        releaseVersion: "1.33.0-20260701",
        status: "ACTIVE",
        resources: [
          { autoscalingGroups: [{ name: `eks-${name}-${uuid}` }], remoteAccessSecurityGroupId: "" },
        ],
      },
    };
  },
  "aws:eks/addon:Addon": (args) => {
    const cluster = String(args.inputs.clusterName);
    const addon = String(args.inputs.addonName);
    return {
      id: `${cluster}:${addon}`,
      state: {
        ...args.inputs,
        ...tagged(args),
        arn: `arn:aws:eks:${awsRegion(args)}:${ACCOUNT}:addon/${cluster}/${addon}/${hex(`${cluster}/${addon}`, 8)}`,
        addonVersion:
          args.inputs.addonVersion ??
          (addon === "aws-ebs-csi-driver" ? "v1.46.0-eksbuild.1" : "v1.3.8-eksbuild.2"),
      },
    };
  },
  "aws:eks/podIdentityAssociation:PodIdentityAssociation": (args, seed) => {
    const id = `a-${hex(seed, 17)}`;
    return {
      id,
      state: {
        ...args.inputs,
        ...tagged(args),
        associationId: id,
        associationArn: `arn:aws:eks:${awsRegion(args)}:${ACCOUNT}:podidentityassociation/${args.inputs.clusterName}/${id}`,
      },
    };
  },
};

/** AWS invokes the programs call. */
export const AWS_MOCK_CALLS: Record<string, (args: pulumi.runtime.MockCallArgs) => Record<string, unknown>> =
  {
    ...AWS_FLEET_MOCK_CALLS,
    ...AWS_CONTROL_MOCK_CALLS,
    "aws:index/getAvailabilityZones:getAvailabilityZones": () => ({
      id: "us-east-1",
      names: ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f"],
      zoneIds: ["use1-az1", "use1-az2", "use1-az4", "use1-az6", "use1-az3", "use1-az5"],
      groupNames: Array(6).fill("us-east-1"),
    }),
    "aws:index/getCallerIdentity:getCallerIdentity": () => ({
      id: ACCOUNT,
      accountId: ACCOUNT,
      arn: `arn:aws:iam::${ACCOUNT}:user/ai-layer-deployer`,
      userId: "AIDA" + "EXAMPLE0123456789",
    }),
    "aws:index/getRegion:getRegion": () => ({
      id: "us-east-1",
      region: "us-east-1",
      name: "us-east-1",
      endpoint: "ec2.us-east-1.amazonaws.com",
      description: "US East (N. Virginia)",
    }),
    "aws:index/getPartition:getPartition": () => ({
      id: "aws",
      partition: "aws",
      dnsSuffix: "amazonaws.com",
      reverseDnsPrefix: "com.amazonaws",
    }),
  };
