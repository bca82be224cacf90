// Teams bring what they have: an existing Prometheus, an existing Redis, an existing cluster or VPC. The components
// then create none of those and wire the rest to them. Run on the mock runtime.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { recordOnMocks } from "./helpers/mockRuntime";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import * as aws from "@pulumi/aws";
import { AwsEc2Layer, AwsEksCluster, AwsGpuNodeGroup, EKS_GPU_TAINT } from "../components/aws";
import { DockerLayer } from "../components/docker";
import { KubernetesLayer, VllmModelServer } from "../components/kubernetes";
import { NVIDIA_AMI_TYPE, plan as makePlan, type PlanFor } from "../components/plan";
import { LayerConfigError, parseLayerSpec } from "../components/spec";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const TAGS = { owner: "ml", environment: "test", "cost-center": "c-1" };
const TEAM_PROMETHEUS = "http://prometheus-operated.monitoring.svc:9090";
const TEAM_REDIS = "rediss://cache.team.internal:6380";
const VPC = {
  vpcId: "vpc-0a1b2c3d4e5f60789",
  vpcCidr: "172.31.0.0/16",
  privateSubnetIds: ["subnet-0a1b2c3d4e5f60781", "subnet-0a1b2c3d4e5f60782"],
};
const chat = { name: "chat", model: "llama-3.1-8b-instruct", gpu: { type: "L4" } };
const secrets = (...keys: string[]) => new Set(["hfToken", ...keys]);

const records: pulumi.runtime.MockResourceArgs[] = [];
const of = (type: string, prefix = "") => records.filter((r) => r.type === type && r.name.startsWith(prefix));
const env = (container: Json) =>
  Object.fromEntries((container.env ?? []).map((e: Json) => [e.name, e.value ?? e.valueFrom]));

beforeAll(async () => {
  await recordOnMocks("test", records);
});

describe("kubernetes with the team's Prometheus and Redis", () => {
  let p: PlanFor<"kubernetes">;
  let layer: KubernetesLayer;
  beforeAll(async () => {
    p = makePlan(
      parseLayerSpec({
        target: {
          kind: "kubernetes",
          context: "team",
          namespace: "ml",
          clusterHas: { keda: true, nvidiaDevicePlugin: true, dcgmExporter: true },
        },
        models: [chat],
        cache: { existingRedis: { url: TEAM_REDIS } },
        monitoring: { existingPrometheus: { url: TEAM_PROMETHEUS } },
      }),
      { stack: "team", providedSecrets: secrets("redisPassword") },
    );
    const provider = new k8s.Provider("team-cluster", { kubeconfig: "apiVersion: v1\nkind: Config\n" });
    layer = new KubernetesLayer("k", {
      plan: p,
      provider,
      secrets: { redisPassword: "team-redis-pw", hfToken: "hf-token" },
    });
    await new Promise((r) => setTimeout(r, 50));
  });

  it("runs no Prometheus, Grafana or Redis, only the exporter watching the team's Redis over TLS", () => {
    const deployments = layer.objects.filter((o) => o.kind === "Deployment").map((o) => o.metadata.name);
    expect(deployments.sort()).toEqual(["litellm", "redis-exporter", "vllm-chat"]);
    const exporter = layer.objects.find(
      (o) => o.metadata.name === "redis-exporter" && o.kind === "Deployment",
    )!;
    expect(env((exporter as Json).spec.template.spec.containers[0]).REDIS_ADDR).toBe(TEAM_REDIS);
    expect(Object.keys(p.images)).toContain("redis"); // the catalog pins it …
    expect(layer.files.map((f) => f.path)).not.toContain("redis/redis.conf"); // … but nothing renders for it
  });

  it("the gateway caches in the team's Redis with TLS; KEDA queries the team's Prometheus", () => {
    const config = parse(layer.files.find((f) => f.path === "litellm/config.yaml")!.content);
    expect(config.litellm_settings.cache_params).toMatchObject({
      host: "cache.team.internal",
      port: 6380,
      ssl: true,
    });
    const scaled = layer.objects.filter((o) => o.kind === "ScaledObject") as Json[];
    expect(scaled).toHaveLength(1);
    expect(scaled[0].spec.triggers.map((t: Json) => t.metadata.serverAddress)).toEqual([TEAM_PROMETHEUS]);
  });

  it("creates no provider of its own and no cluster-wide agents; renders scrape config and rules for the team", () => {
    expect(of("pulumi:providers:kubernetes").map((r) => r.name)).toEqual(["team-cluster"]);
    expect(of("kubernetes:helm.sh/v3:Release")).toHaveLength(0);
    expect(of("kubernetes:apps/v1:DaemonSet")).toHaveLength(0);
    const paths = layer.files.map((f) => f.path);
    expect(paths).toEqual(
      expect.arrayContaining(["prometheus/prometheus.yml", "prometheus/rules/ai-layer.yml"]),
    );
    expect(p.secrets.map((s) => [s.configKey, s.generated])).toContainEqual(["redisPassword", false]);
    expect(p.secrets.map((s) => s.configKey)).not.toContain("grafanaAdminPassword");
    expect(p.urls).toEqual({ gateway: "http://litellm.ml.svc:4000", prometheus: TEAM_PROMETHEUS });
  });
});

describe("config mistakes with existing resources", () => {
  it("an existing Redis needs its password as a secret", () => {
    const spec = parseLayerSpec({
      target: { kind: "docker" },
      models: [{ name: "c", model: "llama-3.2-1b-instruct" }],
      cache: { existingRedis: { url: "redis://10.0.0.5:6379" } },
    });
    expect(() => makePlan(spec, { stack: "t" })).toThrow(LayerConfigError);
    expect(() => makePlan(spec, { stack: "t" })).toThrow(
      /cache\.existingRedis: set its password .*ai-layer:redisPassword/,
    );
  });

  it.each([
    ["a password in the Redis URL", { cache: { existingRedis: { url: "redis://:pw@10.0.0.5:6379" } } }, /cache\.existingRedis\.url: must be redis:\/\/host:port/],
    ["an existing Prometheus on docker", { monitoring: { existingPrometheus: { url: TEAM_PROMETHEUS } } }, /monitoring\.existingPrometheus: applies on the kubernetes and aws-eks targets/],
    ["a Prometheus URL without a port", { target: { kind: "kubernetes", context: "c" }, models: [chat], monitoring: { existingPrometheus: { url: "http://prom" } } }, /existingPrometheus\.url: must be a Prometheus base URL with a port/],
  ])("%s", (_n, patch, expected) => {
    const layer = { target: { kind: "docker" }, models: [{ name: "c", model: "llama-3.2-1b-instruct" }], ...patch };
    expect(() => parseLayerSpec(layer)).toThrow(expected as RegExp);
  }); // prettier-ignore
});

describe("docker with an existing Redis", () => {
  it("starts only the exporter, pointed at it; the gateway gets the configured password", async () => {
    const p = makePlan(
      parseLayerSpec({
        target: { kind: "docker" },
        models: [{ name: "c", model: "llama-3.2-1b-instruct" }],
        cache: { existingRedis: { url: "redis://10.0.0.5:6379" } },
      }),
      { stack: "dock", providedSecrets: new Set(["redisPassword"]) },
    );
    new DockerLayer("d", { plan: p, secrets: { redisPassword: "pw-from-config" } });
    await new Promise((r) => setTimeout(r, 50));
    const containers = of("docker:index/container:Container", "d-").map((r) => r.name);
    expect(containers).toContain("d-cache-exporter");
    expect(containers).not.toContain("d-cache");
    const exporter = of("docker:index/container:Container", "d-cache-exporter")[0]!;
    // One secret element (the password) makes the mock runtime wrap the whole list as a secret.
    const envs = exporter.inputs.envs;
    expect(SECRET_SIG in envs ? envs.value : envs).toContain("REDIS_ADDR=redis://10.0.0.5:6379");
  });
});

describe("standalone parts on a team's cluster", () => {
  it("VllmModelServer: the model's objects and its own key Secret, nothing else", async () => {
    const p = makePlan(
      parseLayerSpec({
        target: { kind: "kubernetes", context: "team", namespace: "ml", clusterHas: { keda: true, nvidiaDevicePlugin: true, dcgmExporter: true } },
        models: [chat],
        monitoring: { existingPrometheus: { url: TEAM_PROMETHEUS } },
      }),
      { stack: "team", providedSecrets: secrets() },
    ); // prettier-ignore
    const provider = new k8s.Provider("team-k8s", { kubeconfig: "apiVersion: v1\nkind: Config\n" });
    const server = new VllmModelServer("chat", { plan: p, model: "chat", apiKey: "k", provider });
    await new Promise((r) => setTimeout(r, 50));
    expect(server.url).toBe("http://vllm-chat.ml.svc:8000/v1");
    expect(server.objects.map((o) => o.kind).sort()).toEqual(["Deployment", "PodDisruptionBudget", "ScaledObject", "Service"]);
    const deployment = server.objects.find((o) => o.kind === "Deployment") as Json;
    const keyRef = env(deployment.spec.template.spec.containers[0]).VLLM_API_KEY;
    expect(keyRef.secretKeyRef).toEqual({ name: "vllm-chat-keys", key: "vllmApiKey" });
    expect(of("kubernetes:core/v1:Secret").map((r) => r.inputs.metadata.name)).toContain("vllm-chat-keys");
    expect(of("kubernetes:core/v1:Namespace", "ml-")).toHaveLength(0);
    expect(() => new VllmModelServer("x", { plan: p, model: "nope", apiKey: "k", provider })).toThrow(/no vLLM model "nope" .*chat/);
  }); // prettier-ignore

  it("AwsGpuNodeGroup joins a cluster the team has: NVIDIA AMI, the GPU taint and label", async () => {
    const group = {
      name: "gpu-l4",
      gpuType: "L4",
      instanceType: "g6.xlarge",
      gpusPerNode: 1,
      usdPerNodeHour: 0.8048,
      minSize: 1,
      maxSize: 3,
      models: ["chat"],
    };
    new AwsGpuNodeGroup("team-l4", { clusterName: "team-cluster", nodeRoleArn: "arn:aws:iam::123456789012:role/nodes", subnetIds: VPC.privateSubnetIds, tags: TAGS, nodeGroup: group }); // prettier-ignore
    await new Promise((r) => setTimeout(r, 50));
    const ng = of("aws:eks/nodeGroup:NodeGroup", "team-l4")[0]!.inputs as Json;
    expect(ng).toMatchObject({ clusterName: "team-cluster", amiType: NVIDIA_AMI_TYPE, instanceTypes: ["g6.xlarge"], labels: { "ai-layer.dev/gpu": "L4" }, taints: [EKS_GPU_TAINT], subnetIds: VPC.privateSubnetIds, scalingConfig: { minSize: 1, maxSize: 3 } }); // prettier-ignore
    expect(of("aws:eks/cluster:Cluster")).toHaveLength(0);
  });

  it("AwsEc2Layer takes the team's AWS provider from the options and makes none of its own", async () => {
    const p = makePlan(
      parseLayerSpec({ target: { kind: "aws-ec2", region: "us-east-1", tags: TAGS, existingNetwork: VPC }, models: [chat] }),
      { stack: "opts", providedSecrets: secrets() },
    ); // prettier-ignore
    const team = new aws.Provider("team-aws-opts", { region: "us-east-1" });
    new AwsEc2Layer("viaopts", { plan: p, secrets: { hfToken: "hf" } }, { providers: { aws: team } });
    await new Promise((r) => setTimeout(r, 200));
    expect(of("pulumi:providers:aws").map((r) => r.name)).not.toContain("viaopts-aws");
    expect(of("aws:autoscaling/group:Group", "viaopts-")).toHaveLength(1);
  });

  it("AwsEksCluster in an existing VPC creates no VPC, subnet, NAT or gateway and uses its private subnets", async () => {
    const p = makePlan(
      parseLayerSpec({ target: { kind: "aws-eks", region: "us-east-1", publicAccessCidrs: ["203.0.113.0/24"], tags: TAGS, existingNetwork: VPC }, models: [chat] }),
      { stack: "vpc", providedSecrets: secrets() },
    ); // prettier-ignore
    const eks = new AwsEksCluster("vpc", { plan: p });
    const vpcId = await new Promise((r) => eks.vpcId.apply(r));
    await new Promise((r) => setTimeout(r, 100));
    expect(vpcId).toBe(VPC.vpcId);
    for (const t of ["aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "aws:ec2/natGateway:NatGateway", "aws:ec2/internetGateway:InternetGateway"])
      expect(of(t), t).toHaveLength(0); // prettier-ignore
    const cluster = of("aws:eks/cluster:Cluster", "vpc-")[0]!.inputs as Json;
    expect(cluster.vpcConfig.subnetIds).toEqual(VPC.privateSubnetIds);
    for (const ng of of("aws:eks/nodeGroup:NodeGroup", "vpc-")) expect((ng.inputs as Json).subnetIds).toEqual(VPC.privateSubnetIds);
  }); // prettier-ignore
});
