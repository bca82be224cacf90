// Every example in examples/ as an outside team uses it: type-checked against the packed package (its own
// strict tsconfig, no paths mappings, the tarball's declarations) and run on Pulumi's mock runtime with the
// tarball's code. Adding an example = one more entry in CASES.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PlannedResource } from "../bin/offline/run";
import {
  copyExample,
  packedConsumer,
  removePackedConsumer,
  ROOT,
  runExampleOnMocks,
  typecheckExample,
  type ExampleRun,
  type ExampleRunOptions,
} from "./helpers/packedPackage";

const PACK_TIMEOUT = 300_000;
const TSC_TIMEOUT = 120_000;
const RUN_TIMEOUT = 120_000;

/** One example: how to run it, a mistake its type check must catch, and what its run must create. */
interface ExampleCase {
  /** Directory under examples/. */
  readonly name: string;
  readonly run: ExampleRunOptions;
  /** A plausible mistake in index.ts (`find` → `replace`) and the diagnostic tsc must print for it. */
  readonly typeError: { readonly find: string; readonly replace: string; readonly expected: RegExp };
  /** Assertions on what the example registered and exported. */
  readonly verify: (run: ExampleRun) => void;
}

type Inputs = Record<string, any>;
const containers = (rs: PlannedResource[]) => rs.filter((r) => r.type === "docker:index/container:Container");
const label = (r: PlannedResource, key: string) =>
  ((r.inputs as Inputs).labels as { label: string; value: string }[]).find((l) => l.label === key)?.value;
const service = (rs: PlannedResource[], name: string) => {
  const found = containers(rs).filter((c) => label(c, "ai-layer.service") === name);
  expect(found, `one ${name} container`).toHaveLength(1);
  return found[0]!.inputs as Inputs;
};
const upload = (container: Inputs, suffix: string) =>
  (container.uploads as { file: string; content: string }[]).find((u) => u.file.endsWith(suffix))!.content;

const ENDPOINT = "https://llm.internal.example.com/v1";
const UPSTREAM_MODEL = "Qwen/Qwen2.5-7B-Instruct";
const UPSTREAM_KEY = "sk-upstream-0123456789abcdef";

const gatewayCacheExistingEndpoint: ExampleCase = {
  name: "gateway-cache-existing-endpoint",
  run: {
    stack: "dev",
    config: { apiBase: ENDPOINT, upstreamModel: UPSTREAM_MODEL },
    secrets: { remoteApiKey: UPSTREAM_KEY },
  },
  typeError: {
    find: 'provider: "openai-compatible"',
    replace: 'provider: "openai-compatable"',
    expected:
      /index\.ts\(\d+,\d+\): error TS2820: Type '"openai-compatable"' is not assignable to type '"openai" \| "anthropic" \| "openai-compatible"'/,
  },
  verify({ resources, outputs }) {
    // The package's component, under the stack: the example's program really ran the tarball's DockerLayer.
    expect(resources[0]).toMatchObject({ type: "ai-layer:index:DockerLayer", name: "gateway", parent: null });
    // The endpoint exists: a gateway and its cache, nothing that serves a model, nothing on Kubernetes.
    const services = containers(resources).map((c) => label(c, "ai-layer.service"));
    expect(services.sort()).toEqual(["cache", "cache-exporter", "gateway"]);
    const images = containers(resources).map((c) => label(c, "ai-layer.image")!);
    expect(images.filter((i) => /ollama|vllm/i.test(i))).toEqual([]);
    expect(resources.filter((r) => /ollama|vllm/i.test(`${r.type} ${r.name}`))).toEqual([]);
    expect(resources.filter((r) => !/^(ai-layer|docker|random|pulumi):/.test(r.type))).toEqual([]);

    const gateway = service(resources, "gateway");
    const config = parse(upload(gateway, "config.yaml"));
    expect(config.model_list).toEqual([
      {
        model_name: "chat",
        litellm_params: {
          model: `openai/${UPSTREAM_MODEL}`,
          api_base: ENDPOINT,
          api_key: "os.environ/REMOTE_API_KEY",
        },
        model_info: { id: "chat-remote", mode: "chat" },
      },
    ]);
    expect(config.litellm_settings).toMatchObject({
      cache: true,
      cache_params: { type: "redis", ttl: 3600 },
    });
    expect(config.router_settings).toMatchObject({ num_retries: 2, timeout: 120 });
    expect(upload(service(resources, "cache"), "redis.conf")).toMatch(/^maxmemory 512mb$/m);
    // The env list carries the keys, so it is secret as a whole; the endpoint's key is nowhere in plain text.
    expect(gateway.envs).toBe("[secret]");
    expect(JSON.stringify(resources)).not.toContain(UPSTREAM_KEY);

    expect(outputs).toEqual({
      openaiBaseUrl: "http://127.0.0.1:4000/v1",
      gatewayMasterKey: "[secret]",
      models: ["chat"],
    });
  },
};

const TEAM_PROMETHEUS = "http://prometheus-k8s.observability.svc:9090";

const vllmExistingCluster: ExampleCase = {
  name: "vllm-existing-cluster",
  run: {
    stack: "prod",
    config: { namespace: "ml", prometheusUrl: TEAM_PROMETHEUS },
    secrets: {
      kubeconfig: "apiVersion: v1\nkind: Config\n",
      vllmApiKey: "vllm-key-0123456789abcdef",
      hfToken: "hf_0123456789abcdefghijklmnopqrstuv",
    },
  },
  typeError: {
    find: "replicas: { min: 1, max: 4 }",
    replace: "replicas: { min: 1, maximum: 4 }",
    expected:
      /index\.ts\(\d+,\d+\): error TS2353: Object literal may only specify known properties, and 'maximum'/,
  },
  verify({ resources, outputs }) {
    const kinds = (type: string) => resources.filter((r) => r.type === type);
    const names = (type: string) => kinds(type).map((r) => (r.inputs as Inputs).metadata?.name ?? r.name);
    expect(kinds("ai-layer:index:VllmModelServer").map((r) => r.name)).toEqual(["chat", "embed"]);
    // The team's cluster through the team's kubeconfig: the only provider; nothing cluster-wide is created.
    expect(kinds("pulumi:providers:kubernetes").map((r) => r.name)).toEqual(["team-cluster"]);
    for (const told of ["kubernetes:core/v1:Namespace", "kubernetes:helm.sh/v3:Release", "kubernetes:apps/v1:DaemonSet"])
      expect(kinds(told), told).toEqual([]); // prettier-ignore
    expect(names("kubernetes:apps/v1:Deployment").sort()).toEqual(["vllm-chat", "vllm-embed"]);
    expect(JSON.stringify(resources)).not.toMatch(/prom\/prometheus|grafana\/grafana/);
    expect(names("kubernetes:core/v1:Secret").sort()).toEqual(["vllm-chat-keys", "vllm-embed-keys"]);
    // KEDA scales on the team's Prometheus; pods land on the team's GPU label.
    const scaled = kinds("kubernetes:keda.sh/v1alpha1:ScaledObject").map((r) => r.inputs as Inputs);
    expect(scaled).toHaveLength(2);
    for (const so of scaled)
      expect(so.spec.triggers.map((t: Inputs) => t.metadata.serverAddress)).toEqual([TEAM_PROMETHEUS]);
    const chat = kinds("kubernetes:apps/v1:Deployment").find(
      (r) => (r.inputs as Inputs).metadata.name === "vllm-chat",
    )!;
    expect((chat.inputs as Inputs).spec.template.spec.nodeSelector).toEqual({ "gpu.example.com/type": "L4" }); // prettier-ignore
    expect((chat.inputs as Inputs).metadata.namespace).toBe("ml");
    expect(JSON.stringify(resources)).not.toContain("vllm-key-0123456789abcdef");
    expect(outputs.urls).toEqual({ chat: "http://vllm-chat.ml.svc:8000/v1", embed: "http://vllm-embed.ml.svc:8000/v1" }); // prettier-ignore
    expect(parse(outputs.prometheusScrapeConfig as string).scrape_configs.map((j: Inputs) => j.job_name)).toContain("vllm"); // prettier-ignore
  },
};

const TEAM_VPC = {
  vpcId: "vpc-0a1b2c3d4e5f60789",
  vpcCidr: "10.20.0.0/16",
  privateSubnetIds: ["subnet-0a1b2c3d4e5f60781", "subnet-0a1b2c3d4e5f60782"],
};

const layerExistingVpc: ExampleCase = {
  name: "layer-existing-vpc",
  run: {
    stack: "prod",
    config: { ...TEAM_VPC },
    secrets: { hfToken: "hf_team0123456789abcdefghijklmnopqrs" },
  },
  typeError: {
    find: 'engine: "valkey"',
    replace: 'engine: "memcached"',
    expected:
      /index\.ts\(\d+,\d+\): error TS2322: Type '"memcached"' is not assignable to type '"redis" \| "valkey" \| undefined'/,
  },
  verify({ resources, outputs }) {
    const of = (type: string) => resources.filter((r) => r.type === type).map((r) => r.inputs as Inputs);
    expect(resources.filter((r) => r.type === "ai-layer:index:AwsEc2Layer").map((r) => r.name)).toEqual([
      "ai",
    ]);
    // Told the VPC exists: no network of its own, and the team's provider is the only AWS provider.
    for (const told of ["aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "aws:ec2/natGateway:NatGateway", "aws:ec2/internetGateway:InternetGateway", "aws:ec2/routeTable:RouteTable", "aws:ec2/eip:Eip"])
      expect(of(told), told).toEqual([]); // prettier-ignore
    expect(resources.filter((r) => r.type === "pulumi:providers:aws").map((r) => r.name)).toEqual([
      "team-aws",
    ]);
    // Everything lands in the team's VPC and private subnets.
    for (const sg of of("aws:ec2/securityGroup:SecurityGroup")) expect(sg.vpcId).toBe(TEAM_VPC.vpcId);
    expect(of("aws:lb/loadBalancer:LoadBalancer")[0]).toMatchObject({ internal: true, subnets: TEAM_VPC.privateSubnetIds }); // prettier-ignore
    for (const g of of("aws:autoscaling/group:Group"))
      expect(g.vpcZoneIdentifiers).toEqual(TEAM_VPC.privateSubnetIds);
    expect(of("aws:ec2/networkInterface:NetworkInterface")[0]!.subnetId).toBe(TEAM_VPC.privateSubnetIds[0]);
    expect(of("aws:elasticache/subnetGroup:SubnetGroup")[0]!.subnetIds).toEqual(TEAM_VPC.privateSubnetIds);
    // The gateway port is open to the VPC and the peered network only; nothing to 0.0.0.0/0.
    const cidrRules = of("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter(
      (r) => r.cidrIpv4,
    );
    expect(cidrRules.map((r) => [r.cidrIpv4, r.fromPort, r.toPort])).toEqual([["10.20.0.0/16", 4000, 4000], ["192.168.0.0/16", 4000, 4000]]); // prettier-ignore
    expect(JSON.stringify(resources)).not.toContain("hf_team0123456789");
    expect(String(outputs.openaiBaseUrl)).toMatch(/^http:\/\/10\.\d+\.\d+\.\d+:4000\/v1$/);
    expect(outputs.gatewayMasterKey).toBe("[secret]");
    expect(outputs.costPerMonthUsd).toEqual({ min: expect.any(Number), max: expect.any(Number) });
  },
};

const CASES: readonly ExampleCase[] = [gatewayCacheExistingEndpoint, vllmExistingCluster, layerExistingVpc];

beforeAll(() => packedConsumer(), PACK_TIMEOUT);
afterAll(removePackedConsumer);

it("has a case for every example directory", () => {
  const dirs = readdirSync(join(ROOT, "examples"), { withFileTypes: true }).filter((d) => d.isDirectory());
  expect(CASES.map((c) => c.name).sort()).toEqual(dirs.map((d) => d.name).sort());
});

describe.each(CASES)("examples/$name", (example) => {
  const dir = join(ROOT, "examples", example.name);

  it(
    "type-checks against the packed package",
    () => {
      const result = typecheckExample(dir);
      expect(result.output).toBe("");
      expect(result.ok).toBe(true);
    },
    TSC_TIMEOUT,
  );

  it(
    "fails to type-check with a deliberate mistake (so the check above can fail)",
    () => {
      const { find, replace, expected } = example.typeError;
      const result = typecheckExample(copyExample(dir, { file: "index.ts", find, replace }));
      expect(result.ok).toBe(false);
      expect(result.output).toMatch(expected);
    },
    TSC_TIMEOUT,
  );

  it(
    "runs on the mock runtime and creates what it says",
    async () => {
      example.verify(await runExampleOnMocks(dir, example.run));
    },
    RUN_TIMEOUT,
  );
});
