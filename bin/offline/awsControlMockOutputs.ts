import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { autoname, hex, type OutputsFor } from "./mockIds";
import { ACCOUNT, awsRegion, ec2Id, named, tagged } from "./awsMockHelpers";

// Outputs of the resources the aws-ec2 control host and its ElastiCache create (AwsControlHost, AwsElastiCache):
// the files bucket, the host instance and the cache. Shapes follow the provider's outputs (camelCase).

/** `us-east-1` → `use1`, the region code in ElastiCache endpoint names. */
const regionCode = (region: string) => {
  const [geo, dir, n] = region.split("-");
  return `${geo}${dir?.[0] ?? ""}${n ?? ""}`;
};

/** Bucket-scoped resources (public access block, encryption config) take the bucket's name as their id. */
const byBucket: OutputsFor = (args) => ({ id: String(args.inputs.bucket), state: { ...args.inputs } });

/** A host in the first private subnet of the default VPC layout (10.40.0.0/19, components/aws/cidr.ts). */
function privateIpOf(seed: string): string {
  const [a, b] = hex(seed, 4)
    .match(/../g)!
    .map((h) => parseInt(h, 16));
  return `10.40.${a! % 32}.${4 + (b! % 250)}`;
}

export const AWS_CONTROL_MOCK_OUTPUTS: Record<string, OutputsFor> = {
  "aws:s3/bucket:Bucket": (args, seed) => {
    const name = String(args.inputs.bucket ?? autoname(args, seed)).toLowerCase();
    const region = awsRegion(args);
    return {
      id: name,
      state: {
        ...args.inputs,
        ...tagged(args),
        bucket: name,
        arn: `arn:aws:s3:::${name}`,
        region,
        bucketDomainName: `${name}.s3.amazonaws.com`,
        bucketRegionalDomainName: `${name}.s3.${region}.amazonaws.com`,
        // S3's hosted zone in us-east-1.
        hostedZoneId: "Z3AQBSTGFYJSTF",
      },
    };
  },
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": byBucket,
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": byBucket,
  "aws:s3/bucketObjectv2:BucketObjectv2": (args) => {
    const key = String(args.inputs.key);
    const content = String(args.inputs.content ?? "");
    return {
      id: key,
      state: {
        ...args.inputs,
        ...tagged(args),
        arn: `arn:aws:s3:::${args.inputs.bucket}/${key}`,
        etag: createHash("md5").update(content).digest("hex"),
        versionId: "",
        serverSideEncryption: "AES256",
        storageClass: "STANDARD",
      },
    };
  },
  "aws:ec2/instance:Instance": (args, seed) => {
    const id = ec2Id("i", seed);
    const region = awsRegion(args);
    const ip = privateIpOf(seed);
    const domain = region === "us-east-1" ? "ec2.internal" : `${region}.compute.internal`;
    return {
      id,
      state: {
        ...args.inputs,
        ...tagged(args),
        arn: `arn:aws:ec2:${region}:${ACCOUNT}:instance/${id}`,
        instanceState: "running",
        availabilityZone: `${region}a`,
        privateIp: ip,
        privateDns: `ip-${ip.replaceAll(".", "-")}.${domain}`,
        primaryNetworkInterfaceId: ec2Id("eni", `${seed}/eni`),
        // Private subnet, associatePublicIpAddress false: no public address.
        publicIp: "",
        publicDns: "",
        outpostArn: "",
        passwordData: "",
      },
    };
  },
  "aws:ec2/networkInterface:NetworkInterface": (args, seed) => {
    const id = ec2Id("eni", seed);
    const region = awsRegion(args);
    const ip = privateIpOf(seed);
    return {
      id,
      state: {
        ...args.inputs,
        ...tagged(args),
        arn: `arn:aws:ec2:${region}:${ACCOUNT}:network-interface/${id}`,
        ownerId: ACCOUNT,
        privateIp: ip,
        privateIps: [ip],
        privateDnsName: `ip-${ip.replaceAll(".", "-")}.${region === "us-east-1" ? "ec2.internal" : `${region}.compute.internal`}`,
        macAddress: `02:${hex(seed, 10).match(/../g)!.join(":")}`,
        interfaceType: "interface",
        sourceDestCheck: true,
      },
    };
  },
  "aws:elasticache/subnetGroup:SubnetGroup": named(
    (args, name, seed) => ({
      arn: `arn:aws:elasticache:${awsRegion(args)}:${ACCOUNT}:subnetgroup:${name}`,
      vpcId: ec2Id("vpc", `${seed}/vpc`),
    }),
    // ElastiCache lowercases subnet group names.
    (args, seed) => String(args.inputs.name ?? autoname(args, seed)).toLowerCase(),
  ),
  "aws:elasticache/replicationGroup:ReplicationGroup": (args, seed) => {
    const id = String(args.inputs.replicationGroupId ?? autoname(args, seed)).toLowerCase();
    const region = awsRegion(args);
    const suffix = `${hex(`${seed}/endpoint`, 6)}.${regionCode(region)}.cache.amazonaws.com`;
    const nodes = Number(args.inputs.numCacheClusters ?? 1);
    return {
      id,
      state: {
        ...args.inputs,
        ...tagged(args),
        replicationGroupId: id,
        arn: `arn:aws:elasticache:${region}:${ACCOUNT}:replicationgroup:${id}`,
        port: args.inputs.port ?? 6379,
        primaryEndpointAddress: `master.${id}.${suffix}`,
        readerEndpointAddress: `replica.${id}.${suffix}`,
        memberClusters: Array.from({ length: nodes }, (_, i) => `${id}-${String(i + 1).padStart(3, "0")}`),
        clusterEnabled: false,
        engineVersionActual: `${args.inputs.engineVersion ?? "8.0"}.1`,
      },
    };
  },
};

export const AWS_CONTROL_MOCK_CALLS: Record<
  string,
  (args: pulumi.runtime.MockCallArgs) => Record<string, unknown>
> = {};
