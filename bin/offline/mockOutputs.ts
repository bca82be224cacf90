import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";

/**
 * Realistic outputs per resource type for the offline plan, so no dependent input silently disappears
 * (an output a mock does not return resolves to undefined and drops whatever used it; pulumi-practices.md §1.2).
 * Values are derived from the resource's type and name, so two runs produce the same bytes.
 */
export function hex(seed: string, length: number): string {
  let out = "";
  for (let i = 0; out.length < length; i++) out += createHash("sha256").update(`${seed}#${i}`).digest("hex");
  return out.slice(0, length);
}

type State = Record<string, unknown>;
type OutputsFor = (args: pulumi.runtime.MockResourceArgs, seed: string) => { id: string; state: State };

const autoname = (args: pulumi.runtime.MockResourceArgs, seed: string) =>
  (args.inputs.name as string | undefined) ?? `${args.name}-${hex(seed, 7)}`;

// ── AWS ──────────────────────────────────────────────────────────────────────────────────────────────────
const ACCOUNT = "123456789012";
const awsRegion = (args: pulumi.runtime.MockResourceArgs) =>
  (args.inputs.region as string | undefined) ?? "us-east-1";
/** EC2-style id: `vpc-0` + 16 hex. */
const ec2Id = (prefix: string, seed: string) => `${prefix}-0${hex(seed, 16)}`;
const tagged = (args: pulumi.runtime.MockResourceArgs) => ({ tagsAll: args.inputs.tags ?? {} });

const AWS_MOCK_OUTPUTS: Record<string, OutputsFor> = {
  "aws:ec2/vpc:Vpc": (args, seed) => {
    const id = ec2Id("vpc", seed);
    return {
      id,
      state: {
        ...args.inputs,
        ...tagged(args),
        arn: `arn:aws:ec2:${awsRegion(args)}:${ACCOUNT}:vpc/${id}`,
        ownerId: ACCOUNT,
        defaultSecurityGroupId: ec2Id("sg", `${seed}/sg`),
        defaultRouteTableId: ec2Id("rtb", `${seed}/rtb`),
        mainRouteTableId: ec2Id("rtb", `${seed}/rtb`),
        defaultNetworkAclId: ec2Id("acl", `${seed}/acl`),
        instanceTenancy: "default",
      },
    };
  },
  "aws:ec2/subnet:Subnet": (args, seed) => {
    const id = ec2Id("subnet", seed);
    const az = String(args.inputs.availabilityZone ?? "us-east-1a");
    return {
      id,
      state: {
        ...args.inputs,
        ...tagged(args),
        arn: `arn:aws:ec2:${awsRegion(args)}:${ACCOUNT}:subnet/${id}`,
        ownerId: ACCOUNT,
        availabilityZoneId: `use1-az${"abcdef".indexOf(az.slice(-1)) + 1}`,
      },
    };
  },
  "aws:ec2/internetGateway:InternetGateway": (args, seed) => {
    const id = ec2Id("igw", seed);
    return {
      id,
      state: {
        ...args.inputs,
        ...tagged(args),
        arn: `arn:aws:ec2:${awsRegion(args)}:${ACCOUNT}:internet-gateway/${id}`,
        ownerId: ACCOUNT,
      },
    };
  },
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
  "aws:ec2/routeTable:RouteTable": (args, seed) => {
    const id = ec2Id("rtb", seed);
    return {
      id,
      state: {
        ...args.inputs,
        ...tagged(args),
        arn: `arn:aws:ec2:${awsRegion(args)}:${ACCOUNT}:route-table/${id}`,
        ownerId: ACCOUNT,
      },
    };
  },
  "aws:ec2/routeTableAssociation:RouteTableAssociation": (args, seed) => ({
    id: ec2Id("rtbassoc", seed),
    state: args.inputs,
  }),
  "aws:iam/role:Role": (args, seed) => {
    const name = autoname(args, seed);
    return {
      id: name,
      state: {
        ...args.inputs,
        ...tagged(args),
        name,
        arn: `arn:aws:iam::${ACCOUNT}:role/${name}`,
        uniqueId: `AROA${hex(seed, 17).toUpperCase()}`,
        createDate: "2026-01-01T00:00:00Z",
      },
    };
  },
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
        clusterId: hex(`${seed}/id`, 32).replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, "$1-$2-$3-$4-$5"),
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
    const uuid = hex(`${seed}/uuid`, 32).replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, "$1-$2-$3-$4-$5");
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
const AWS_MOCK_CALLS: Record<string, (args: pulumi.runtime.MockCallArgs) => Record<string, unknown>> = {
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

const MOCK_OUTPUTS: Record<string, OutputsFor> = {
  "pulumi:providers:docker": (args, seed) => ({ id: hex(seed, 36), state: args.inputs }),
  "pulumi:providers:random": (args, seed) => ({ id: hex(seed, 36), state: args.inputs }),
  "pulumi:providers:kubernetes": (args, seed) => ({ id: hex(seed, 36), state: args.inputs }),
  "pulumi:providers:command": (args, seed) => ({ id: hex(seed, 36), state: args.inputs }),
  "pulumi:providers:aws": (args, seed) => ({ id: hex(seed, 36), state: args.inputs }),
  ...AWS_MOCK_OUTPUTS,
  // What the commands print: bin/runpod-endpoint.ts prints the endpoint ids and base URL; modal deploy prints a log.
  "command:local:Command": (args, seed) => {
    const runpod = String(args.inputs.create ?? "").includes("runpod-endpoint.ts");
    const endpointId = hex(seed, 14);
    const stdout = runpod
      ? JSON.stringify({
          endpointId,
          apiBase: `https://api.runpod.ai/v2/${endpointId}/openai/v1`,
        })
      : "✓ App deployed!";
    return { id: hex(seed, 16), state: { ...args.inputs, stdout, stderr: "" } };
  },
  "kubernetes:helm.sh/v3:Release": (args, seed) => ({
    id: `${args.inputs.namespace}/${args.name}-${hex(seed, 7)}`,
    state: {
      ...args.inputs,
      name: `${args.name}-${hex(seed, 7)}`,
      status: {
        name: `${args.name}-${hex(seed, 7)}`,
        namespace: args.inputs.namespace,
        status: "deployed",
        version: 1,
        chart: args.inputs.chart,
        appVersion: args.inputs.version,
      },
    },
  }),
  "docker:index/network:Network": (args, seed) => ({
    id: hex(seed, 64),
    state: {
      ...args.inputs,
      name: autoname(args, seed),
      driver: args.inputs.driver ?? "bridge",
      scope: "local",
      ipamConfigs: [{ subnet: "172.28.0.0/16", gateway: "172.28.0.1" }],
    },
  }),
  "docker:index/volume:Volume": (args, seed) => {
    const name = autoname(args, seed);
    return {
      id: name,
      state: { ...args.inputs, name, driver: "local", mountpoint: `/var/lib/docker/volumes/${name}/_data` },
    };
  },
  "docker:index/remoteImage:RemoteImage": (args, seed) => {
    const imageId = `sha256:${hex(seed, 64)}`;
    const repo = String(args.inputs.name).replace(/:[^:/]+$/, "");
    return {
      id: `${imageId}${args.inputs.name}`,
      state: { ...args.inputs, imageId, repoDigest: `${repo}@sha256:${hex(`${seed}/digest`, 64)}` },
    };
  },
  "docker:index/container:Container": (args, seed) => {
    const id = hex(seed, 64);
    const octet = 2 + (parseInt(hex(seed, 2), 16) % 250);
    return {
      id,
      state: {
        ...args.inputs,
        name: autoname(args, seed),
        hostname: id.slice(0, 12),
        exitCode: null,
        networkData: [
          {
            networkName:
              (args.inputs.networksAdvanced as { name?: string }[] | undefined)?.[0]?.name ?? "bridge",
            ipAddress: `172.28.0.${octet}`,
            ipPrefixLength: 16,
            gateway: "172.28.0.1",
            macAddress: `02:42:ac:1c:00:${octet.toString(16).padStart(2, "0")}`,
          },
        ],
      },
    };
  },
  "random:index/randomPassword:RandomPassword": (args, seed) => {
    const length = Number(args.inputs.length ?? 32);
    return {
      id: "none",
      state: {
        ...args.inputs,
        result: `mockpw${hex(seed, length)}`.slice(0, length),
        bcryptHash: `$2a$10$${hex(`${seed}/bcrypt`, 53)}`,
      },
    };
  },
};

/** Any Kubernetes object: the API server echoes the object with a uid, and Services get a cluster IP. */
function kubernetesObject(args: pulumi.runtime.MockResourceArgs, seed: string): { id: string; state: State } {
  const metadata = (args.inputs.metadata ?? {}) as Record<string, unknown>;
  const name = (metadata.name as string | undefined) ?? `${args.name}-${hex(seed, 8)}`;
  const namespace = metadata.namespace as string | undefined;
  const uid = hex(seed, 32).replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, "$1-$2-$3-$4-$5");
  const state: State = {
    ...args.inputs,
    metadata: { ...metadata, name, uid, resourceVersion: "1", generation: 1 },
  };
  if (args.type === "kubernetes:core/v1:Service") {
    const octets = hex(seed, 4)
      .match(/../g)!
      .map((h) => parseInt(h, 16));
    const spec = (args.inputs.spec ?? {}) as Record<string, unknown>;
    state.spec = { ...spec, clusterIP: `10.96.${octets[0]}.${octets[1]}` };
    if (spec.type === "LoadBalancer")
      state.status = { loadBalancer: { ingress: [{ hostname: `a${hex(seed, 31)}.elb.amazonaws.com` }] } };
  }
  return { id: namespace ? `${namespace}/${name}` : name, state };
}

/** The mock for one registration; unknown custom types throw so a missing mock fails loudly. */
export function mockOutputs(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: State } {
  const seed = `${args.type}::${args.name}`;
  if (!args.custom && !args.type.startsWith("pulumi:providers:")) return { id: undefined, state: {} };
  const make =
    MOCK_OUTPUTS[args.type] ?? (args.type.startsWith("kubernetes:") ? kubernetesObject : undefined);
  if (!make)
    throw new Error(
      `offline plan: no mock outputs for resource type ${args.type} (${args.name}); add it to bin/offline/mockOutputs.ts`,
    );
  return make(args, seed);
}

/** Known invokes, in their output shape (camelCase); an unknown one must fail loudly. */
export function mockCall(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
  const aws = AWS_MOCK_CALLS[args.token];
  if (aws) return aws(args);
  throw new Error(`offline plan: no mock for invoke ${args.token}; add it to bin/offline/mockOutputs.ts`);
}
