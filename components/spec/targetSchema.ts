import { z } from "zod";
import { EKS_VERSIONS } from "../catalog/eks";
import { GPUS } from "../catalog/gpus";
import { cidrProblem } from "./cidr";
import { DEFAULTS } from "./defaults";
import { isDnsSubdomain, isIpAddress, labelKeyProblem } from "./names";
import { OllamaPlacementSchema } from "./ollamaSchema";
import { hostCredentialsProblem } from "./secretConfig";

const port = (what: string) => z.number().int().min(1).max(65535).describe(`${what} (1–65535)`);

const DockerGpuSchema = z
  .strictObject({
    type: z
      .string()
      .optional()
      .describe(`GPU catalog id (${GPUS.map((g) => g.id).join(", ")})`),
    memoryGiB: z
      .number()
      .positive()
      .max(1024)
      .optional()
      .describe("Memory per GPU, GiB, for a GPU the catalog lacks (e.g. 24 for an RTX 4090)"),
    count: z.number().int().min(1).max(16).default(1).describe("GPUs given to Ollama. Default 1"),
  })
  .describe("The host's NVIDIA GPUs (needs the NVIDIA Container Toolkit). Omit for CPU only");

export const DockerTargetSchema = z
  .strictObject({
    kind: z.literal("docker").describe("Run everything in Docker on one host"),
    host: z
      .string()
      .regex(/^(unix|ssh|tcp|npipe):\/\/\S+$/, {
        message: "must be a Docker host URL: unix:///var/run/docker.sock, ssh://user@host or tcp://host:2376",
      })
      .superRefine((host, ctx) => {
        const problem = hostCredentialsProblem(host);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      })
      .optional()
      .describe(
        "Docker daemon to use. Default: the local one (DOCKER_HOST). ssh://user@gpu-box for a remote box",
      ),
    gpu: DockerGpuSchema.optional(),
    ollama: OllamaPlacementSchema,
    hostMemoryGiB: z
      .number()
      .positive()
      .max(4096)
      .default(DEFAULTS.target.docker.hostMemoryGiB)
      .describe(
        `Host memory available to models that spill off the GPU, GiB. Default ${DEFAULTS.target.docker.hostMemoryGiB}`,
      ),
    bindAddress: z
      .string()
      .refine(isIpAddress, {
        message:
          "must be an IP address such as 127.0.0.1 or ::1 (Docker publishes ports on a host IP, not a name)",
      })
      .default(DEFAULTS.target.docker.bindAddress)
      .describe(
        `Host address published ports bind to. Default ${DEFAULTS.target.docker.bindAddress} (this machine only)`,
      ),
    ports: z
      .strictObject({
        gateway: port("Host port of the LiteLLM gateway").default(DEFAULTS.target.docker.ports.gateway),
        grafana: port("Host port of Grafana").default(DEFAULTS.target.docker.ports.grafana),
        prometheus: port("Host port of Prometheus").default(DEFAULTS.target.docker.ports.prometheus),
      })
      .default(DEFAULTS.target.docker.ports)
      .describe("Host ports of the services users reach. Defaults 4000, 3000, 9090"),
    costPerHourUsd: z
      .number()
      .min(0)
      .max(10_000)
      .default(DEFAULTS.target.docker.costPerHourUsd)
      .describe("What the Docker host costs, USD per hour (0 for a laptop). Used in the cost estimate"),
    modelPullTimeoutSeconds: z
      .number()
      .int()
      .min(60)
      .max(86_400)
      .default(DEFAULTS.target.docker.modelPullTimeoutSeconds)
      .describe("How long `up` waits for Ollama to pull every model, seconds. Default 3600"),
  })
  .describe("Where the layer runs");

/** An IPv4 network CIDR, parsed (./cidr.ts): octets 0–255, prefix ≤ 32, no host bits set. */
const cidr = z.string().superRefine((value, ctx) => {
  const problem = cidrProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

export const KubernetesTargetSchema = z
  .strictObject({
    kind: z.literal("kubernetes").describe("Run on an existing Kubernetes cluster with NVIDIA GPU nodes"),
    kubeconfig: z
      .string()
      .min(1)
      .optional()
      .describe("Path to the kubeconfig file. Default: $KUBECONFIG or ~/.kube/config"),
    context: z
      .string()
      .min(1)
      .describe(
        "kubeconfig context to deploy to; required, so a stack never lands on whatever cluster is current",
      ),
    namespace: z
      .string()
      .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, {
        message: "must be a DNS label (lowercase letters, digits, dashes)",
      })
      .max(63)
      .default(DEFAULTS.target.kubernetes.namespace)
      .describe(`Namespace of the layer. Default ${DEFAULTS.target.kubernetes.namespace}`),
    kedaNamespace: z
      .string()
      .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, {
        message: "must be a DNS label (lowercase letters, digits, dashes)",
      })
      .max(63)
      .default(DEFAULTS.target.kubernetes.kedaNamespace)
      .describe(
        `Namespace KEDA runs in: the stack installs it there, or finds it there with clusterHas.keda; the layer's NetworkPolicies let it query Prometheus. Default ${DEFAULTS.target.kubernetes.kedaNamespace}`,
      ),
    gpuNodeLabel: z
      .string()
      .superRefine((key, ctx) => {
        const problem = labelKeyProblem(key);
        if (problem)
          ctx.addIssue({
            code: "custom",
            message: `is not a Kubernetes label key ([prefix/]name, e.g. nvidia.com/gpu.product): ${problem}`,
          });
      })
      .default(DEFAULTS.target.kubernetes.gpuNodeLabel)
      .describe(
        `Node label whose value is the GPU type (L4, A10G, …); vLLM pods select on it. Default ${DEFAULTS.target.kubernetes.gpuNodeLabel}`,
      ),
    clusterHas: z
      .strictObject({
        keda: z
          .boolean()
          .default(false)
          .describe("KEDA is installed already (else the stack installs it, pinned)"),
        nvidiaDevicePlugin: z
          .boolean()
          .default(false)
          .describe("Nodes advertise nvidia.com/gpu already (else the stack runs the NVIDIA device plugin)"),
        dcgmExporter: z
          .boolean()
          .default(false)
          .describe("A DCGM exporter already runs (else the stack runs one for GPU metrics)"),
      })
      .default({ keda: false, nvidiaDevicePlugin: false, dcgmExporter: false })
      .describe("What the cluster already runs"),
    storageClass: z
      .string()
      .refine(isDnsSubdomain, {
        message:
          "must be a StorageClass name: a DNS subdomain (lowercase letters, digits, - and ., starting and ending with a letter or digit, at most 253 characters)",
      })
      .optional()
      .describe("StorageClass of the model-weight caches. Default: the cluster's default class"),
    gateway: z
      .strictObject({
        expose: z
          .enum(["cluster", "load-balancer"])
          .default("cluster")
          .describe(
            "cluster: a ClusterIP Service only; load-balancer: a LoadBalancer Service limited to sourceRanges",
          ),
        sourceRanges: z
          .array(cidr)
          .default([])
          .describe("CIDRs allowed to reach a load-balancer gateway; required with expose: load-balancer"),
      })
      .default({ expose: "cluster", sourceRanges: [] })
      .describe("How clients outside the cluster reach the gateway"),
    cache: z
      .strictObject({
        expose: z
          .enum(["cluster", "load-balancer"])
          .default("cluster")
          .describe(
            "cluster: Redis only inside the cluster; load-balancer: for apps outside it, limited to sourceRanges",
          ),
        sourceRanges: z.array(cidr).default([]).describe("CIDRs allowed to reach a load-balancer Redis"),
      })
      .default({ expose: "cluster", sourceRanges: [] })
      .describe("How the Redis cache is reachable (policies refuse an open one)"),
    costPerGpuHourUsd: z
      .number()
      .min(0)
      .max(1000)
      .optional()
      .describe(
        "What one GPU-hour costs on this cluster, USD. Default: the catalog's AWS on-demand price per GPU",
      ),
  })
  .describe("Where the layer runs");

const tagValue = z.string().min(1).max(256);

/** Fields both AWS targets share: where, which network, how it is tagged. */
const awsCommonFields = {
  region: z
    .string()
    .regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, { message: "must be an AWS region such as us-east-1" })
    .describe("AWS region (prices in the catalog are us-east-1 on-demand)"),
  vpcCidr: cidr
    .refine((v) => !/\/\d+$/.test(v) || /\/(1[6-9]|2[0-4])$/.test(v), {
      message: "must be an IPv4 CIDR between /16 and /24",
    })
    .default(DEFAULTS.target.aws.vpcCidr)
    .describe(`VPC address range of the VPC the stack creates. Default ${DEFAULTS.target.aws.vpcCidr}`),
  availabilityZones: z
    .number()
    .int()
    .min(2)
    .max(6)
    .default(2)
    .describe("AZs to spread subnets over (public + private in each; NAT per AZ). Default 2"),
  existingNetwork: z
    .strictObject({
      vpcId: z
        .string()
        .regex(/^vpc-[0-9a-f]{8,17}$/, { message: "must be a VPC id such as vpc-0a1b2c3d4e5f60789" })
        .describe("The VPC to use"),
      vpcCidr: cidr.describe("Its address range (security groups admit the gateway's clients from it)"),
      privateSubnetIds: z
        .array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, { message: "must be a subnet id" }))
        .min(2)
        .describe("Private subnets (two AZs or more, with egress through NAT) for nodes and data stores"),
    })
    .optional()
    .describe(
      "Use a VPC you already have instead of creating one (vpcCidr and availabilityZones then unused)",
    ),
  tags: z
    .strictObject({
      owner: tagValue.describe("Team that owns the resources"),
      environment: tagValue.describe("prod, staging, …"),
      "cost-center": tagValue.describe("Where the bill goes"),
    })
    .describe("Tags every AWS resource carries (the policy pack requires them)"),
};

/**
 * AWS: a VPC, an EKS cluster with a CPU node group and one GPU node group per GPU type the models need, then the
 * kubernetes target on top of it (the same components, through a provider built from the new cluster).
 */
export const AwsEksTargetSchema = KubernetesTargetSchema.omit({ kind: true, kubeconfig: true, context: true })
  .extend({
    kind: z
      .literal("aws-eks")
      .describe("Create the cluster on AWS (VPC + EKS + GPU node groups), then deploy onto it"),
    ...awsCommonFields,
    kubernetesVersion: z
      .string()
      .regex(/^1\.\d{2}$/, { message: "must look like 1.35" })
      .refine((v) => v in EKS_VERSIONS, {
        message: `one of ${Object.keys(EKS_VERSIONS).join(", ")} (the versions with pinned add-ons)`,
      })
      .default(DEFAULTS.target.awsEks.kubernetesVersion)
      .describe(
        `EKS Kubernetes version, pinned: ${Object.keys(EKS_VERSIONS).join(", ")}; one past standard support costs ` +
          `the extended-support control plane. Default ${DEFAULTS.target.awsEks.kubernetesVersion}`,
      ),
    endpointPublicAccess: z
      .boolean()
      .default(true)
      .describe("Reach the EKS API from outside the VPC (limited to publicAccessCidrs). Default true"),
    publicAccessCidrs: z
      .array(cidr)
      .default([])
      .describe("CIDRs allowed to the public EKS API endpoint; required when endpointPublicAccess is true"),
    capacityType: z
      .enum(["ON_DEMAND", "SPOT"])
      .default("ON_DEMAND")
      .describe("GPU node capacity: ON_DEMAND or SPOT (cheaper, can be reclaimed). Default ON_DEMAND"),
  })
  .describe("Where the layer runs");

const ec2 = DEFAULTS.target.awsEc2;

/**
 * AWS without Kubernetes: one Auto Scaling group of GPU instances per model track, each running the pinned vLLM
 * image, behind an internal load balancer; the gateway, cache and monitoring on a small CPU instance.
 */
export const AwsEc2TargetSchema = z
  .strictObject({
    kind: z
      .literal("aws-ec2")
      .describe("EC2 GPU instances (Auto Scaling groups) running vLLM, no Kubernetes"),
    ...awsCommonFields,
    controlHost: z
      .strictObject({
        instanceType: z
          .enum(["t3.large", "t3.xlarge", "m6i.large", "m6i.xlarge", "m6i.2xlarge"])
          .default(ec2.controlHost.instanceType)
          .describe(
            `CPU instance of the gateway, cache and monitoring. Default ${ec2.controlHost.instanceType}`,
          ),
        diskGiB: z
          .number()
          .int()
          .min(20)
          .max(1000)
          .default(ec2.controlHost.diskGiB)
          .describe(`Its root volume (Prometheus data lives here), GiB. Default ${ec2.controlHost.diskGiB}`),
      })
      .default(ec2.controlHost)
      .describe("The CPU instance the gateway, Redis and Prometheus/Grafana run on (Docker)"),
    gatewayClientCidrs: z
      .array(cidr)
      .default([])
      .describe(
        "CIDRs allowed to the gateway port (4000) besides the VPC itself, e.g. a peered network. Default: the VPC only",
      ),
    gpuDiskGiB: z
      .number()
      .int()
      .min(ec2.gpuDiskGiB)
      .max(16_000)
      .default(ec2.gpuDiskGiB)
      .describe(`Root volume of each GPU instance (weights are cached here), GiB. Default ${ec2.gpuDiskGiB}`),
    elasticache: z
      .strictObject({
        engine: z
          .enum(["valkey", "redis"])
          .default(ec2.elasticache.engine)
          .describe(`valkey or redis (both speak the Redis protocol). Default ${ec2.elasticache.engine}`),
        engineVersion: z
          .string()
          .regex(/^\d+\.\d+$/, { message: "must look like 8.0" })
          .optional()
          .describe("Engine version. Default 8.0 for valkey, 7.1 for redis (LiteLLM needs Redis ≥ 7)"),
        nodeType: z
          .enum(["cache.t4g.micro", "cache.t4g.small", "cache.t4g.medium", "cache.m7g.large"])
          .default(ec2.elasticache.nodeType)
          .describe(`Cache node type. Default ${ec2.elasticache.nodeType}`),
        replicas: z
          .number()
          .int()
          .min(0)
          .max(5)
          .default(ec2.elasticache.replicas)
          .describe("Read replicas besides the primary (1+ gives automatic failover across AZs). Default 1"),
      })
      .optional()
      .describe(
        "Run the cache on ElastiCache (TLS, encrypted at rest, auth token) instead of a Redis container",
      ),
  })
  .describe("Where the layer runs");

export const TargetSchema = z.discriminatedUnion("kind", [
  DockerTargetSchema,
  KubernetesTargetSchema,
  AwsEksTargetSchema,
  AwsEc2TargetSchema,
]);

export type DockerTarget = z.output<typeof DockerTargetSchema>;
export type KubernetesTarget = z.output<typeof KubernetesTargetSchema>;
export type AwsEksTarget = z.output<typeof AwsEksTargetSchema>;
export type AwsEc2Target = z.output<typeof AwsEc2TargetSchema>;
export type TargetSpec = z.output<typeof TargetSchema>;
