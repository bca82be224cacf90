// The aws-ec2 target's plan: instance per model from its GPU fit and the catalog, one group per track, cost from
// instance, control-host and ElastiCache prices, and the config mistakes it refuses before anything is created.
import { describe, expect, it } from "vitest";
import {
  AWS_CONTROL_HOST_USD_PER_HOUR,
  awsInstanceFor,
  LOAD_BALANCER_USD_PER_HOUR,
  NAT_GATEWAY_USD_PER_HOUR,
} from "../components/catalog";
import {
  FLEET_LISTENER_BASE_PORT,
  isVllm,
  plan,
  VLLM_PORT,
  type AwsEc2Plan,
  type Plan,
  planFor,
} from "../components/plan";
import { fleetVllmArgs, renderVllmArgs } from "../components/render";
import { LayerConfigError, parseLayerSpec } from "../components/spec";

const TAGS = { owner: "ml", environment: "test", "cost-center": "c-1" };
const target = (extra: Record<string, unknown> = {}) => ({
  kind: "aws-ec2",
  region: "us-east-1",
  tags: TAGS,
  ...extra,
});
const chat = {
  name: "chat",
  model: "llama-3.1-8b-instruct",
  gpu: { type: "L4" },
  replicas: { min: 1, max: 3 },
};
const embed = { name: "embed", model: "nomic-embed-text-v1.5", gpu: { type: "T4" } };

const planOf = (layer: Record<string, unknown>): Plan =>
  plan(parseLayerSpec(layer), { stack: "fleet", providedSecrets: new Set(["hfToken"]) });
const fleetOf = (p: Plan): AwsEc2Plan => planFor(p, "fleet", "aws-ec2").target.aws;
/** The problems a config is refused with, as `path: message` lines. */
function refusal(layer: Record<string, unknown>): string[] {
  try {
    planOf(layer);
  } catch (e) {
    expect(e).toBeInstanceOf(LayerConfigError);
    return (e as LayerConfigError).problems.map((p) => `${p.path}: ${p.message}`);
  }
  throw new Error("expected the config to be refused");
}

describe("aws-ec2 plan", () => {
  const p = planOf({ target: target(), models: [chat, embed] });
  const fleet = fleetOf(p);

  it("plans the control plane as a Docker host (its services on docker addresses) and the models as vLLM with GPU fit", () => {
    expect(p.target.kind).toBe("aws-ec2");
    expect(p.models.every(isVllm)).toBe(true);
    expect(p.services.gateway).toEqual({ host: "litellm", port: 4000 });
  });

  it("picks each model's instance from its GPU type and count, one group per track, with distinct ports", () => {
    expect(fleet.tracks.map((t) => [t.id, t.instanceType, t.minSize, t.maxSize])).toEqual([
      ["chat", "g6.xlarge", 1, 3],
      ["embed", "g4dn.xlarge", 1, 1],
    ]);
    expect(fleet.tracks.map((t) => t.listenerPort)).toEqual([
      FLEET_LISTENER_BASE_PORT,
      FLEET_LISTENER_BASE_PORT + 1,
    ]);
    expect(fleet.tracks.map((t) => t.apiBaseEnv)).toEqual(["VLLM_CHAT_API_BASE", "VLLM_EMBED_API_BASE"]);
  });

  it("each group serves the track with exactly the args the kubernetes target would pass vLLM", () => {
    const args = fleetVllmArgs(p);
    expect(Object.keys(args)).toEqual(fleet.tracks.map((t) => t.id));
    for (const m of p.models.filter(isVllm))
      for (const track of m.tracks) expect(args[track.id]).toEqual(renderVllmArgs(m, track, VLLM_PORT));
  });

  it("a canary is a group of its own with its own image and port", () => {
    const canary = planOf({
      target: target(),
      models: [{ ...chat, canary: { weight: 10, revision: "abc123" } }],
    });
    const tracks = fleetOf(canary).tracks;
    expect(tracks.map((t) => [t.id, t.maxSize, t.apiBaseEnv])).toEqual([
      ["chat", 3, "VLLM_CHAT_API_BASE"],
      ["chat-canary", 1, "VLLM_CHAT_CANARY_API_BASE"],
    ]);
    expect(fleetVllmArgs(canary)["chat-canary"]).toContain("abc123");
  });

  it("costs: GPU instances × group size plus the control host, ElastiCache, NAT gateways and the NLB, at min and max", () => {
    const cached = planOf({
      target: target({ elasticache: { engine: "valkey", nodeType: "cache.t4g.small", replicas: 1 } }),
      models: [chat, embed],
    });
    const cache = fleetOf(cached).elasticache!;
    expect(cache).toMatchObject({ engine: "valkey", engineVersion: "8.0", nodes: 2, usdPerHour: 0.0512 });
    // Two AZs of NAT gateways and the fleet's internal load balancer cost the same at any load.
    const network = 2 * NAT_GATEWAY_USD_PER_HOUR + LOAD_BALANCER_USD_PER_HOUR;
    const fixed = AWS_CONTROL_HOST_USD_PER_HOUR["m6i.large"] + 0.0512 + network;
    const g6 = awsInstanceFor("L4", 1)!.usdPerHour;
    const g4 = awsInstanceFor("T4", 1)!.usdPerHour;
    expect(cached.cost.perHourUsd).toBeCloseTo(fixed + g6 + g4, 4);
    expect(cached.cost.perHourMaxUsd).toBeCloseTo(fixed + 3 * g6 + g4, 4);
    // A replica is a whole instance: the per-model figures use the instance price.
    expect(cached.models.filter(isVllm).map((m) => m.usdPerReplicaHour)).toEqual([g6, g4]);
    // Without ElastiCache the control host and the network are fixed.
    expect(p.cost.perHourUsd).toBeCloseTo(AWS_CONTROL_HOST_USD_PER_HOUR["m6i.large"] + network + g6 + g4, 4);
  });

  it("prices a replica as one instance in the cost model, and a budget breach names replicas, not GPU-hour rates", () => {
    expect(p.costModel.assumptions.pricing).toMatch(/one EC2 GPU instance/);
    const lines = refusal({ target: target(), models: [chat, embed], budget: { monthlyUsd: 1800 } });
    expect(lines.join("\n")).toMatch(/budget\.monthlyUsd: .*lower layer\.models\[0\]\.replicas\.max by 1 /);
    expect(lines.join("\n")).not.toMatch(/costPerGpuHourUsd/);
  });

  it("warns when the instance has more GPUs than the model uses (one vLLM server per instance)", () => {
    const a100 = planOf({
      target: target(),
      models: [{ name: "chat", model: "llama-3.1-8b-instruct", gpu: { type: "A100-40GB" } }],
    });
    expect(fleetOf(a100).tracks[0]!.instanceType).toBe("p4d.24xlarge");
    expect(a100.warnings.join("\n")).toMatch(/p4d\.24xlarge has 8 GPUs .* 7 stay idle/);
  });

  it("uses an existing VPC's range for its rules and keeps its ids", () => {
    const existing = {
      vpcId: "vpc-0a1b2c3d4e5f60789",
      vpcCidr: "172.31.0.0/16",
      privateSubnetIds: ["subnet-0a1b2c3d4e5f60781", "subnet-0a1b2c3d4e5f60782"],
    };
    const f = fleetOf(planOf({ target: target({ existingNetwork: existing }), models: [chat] }));
    expect(f.existingNetwork).toEqual(existing);
    expect(f.vpcCidr).toBe("172.31.0.0/16");
  });
});

describe("aws-ec2 refusals (before anything is created)", () => {
  it("a GPU count no instance carries names the instances that exist", () => {
    const lines = refusal({
      target: target(),
      models: [{ name: "big", model: "llama-3.1-8b-instruct", gpu: { type: "T4", count: 2 } }],
    });
    expect(lines.join("\n")).toMatch(
      /models\[0\]\.gpu: no AWS instance .* 2 × T4; T4 comes as g4dn\.xlarge \(1 × T4\)/,
    );
  });

  it("a model that does not fit its GPU is refused with the fit's numbers", () => {
    const lines = refusal({
      target: target(),
      models: [{ name: "big", model: "llama-3.1-70b-instruct", gpu: { type: "L4" } }],
    });
    expect(lines.join("\n")).toMatch(/models\[0\]\.gpu/);
    expect(lines.join("\n")).toMatch(/GiB/);
  });

  it.each([
    [
      "scale to zero",
      { models: [{ ...chat, replicas: { min: 0, max: 2 } }], gateway: { fallbacks: { chat: ["embed"] } } },
      /models\[0\]\.replicas\.min: .*does not scale from zero/,
    ],
    [
      "several gateways",
      { gateway: { replicas: { min: 1, max: 3 } } },
      /gateway\.replicas: aws-ec2 runs one gateway/,
    ],
    [
      "an open gateway",
      { target: target({ gatewayClientCidrs: ["0.0.0.0/0"] }) },
      /target\.gatewayClientCidrs: 0\.0\.0\.0\/0 covers .* opens the gateway to the internet/,
    ],
    [
      "ElastiCache without a cache",
      { target: target({ elasticache: {} }), cache: { enabled: false } },
      /target\.elasticache: the cache is disabled/,
    ],
  ])("%s", (_name, patch, expected) => {
    const layer = { target: target(), models: [chat, embed], ...patch };
    expect(() => parseLayerSpec(layer)).toThrow(expected as RegExp);
  });

  it("a malformed existing VPC id is a schema error at its path", () => {
    expect(() =>
      parseLayerSpec({
        target: target({
          existingNetwork: { vpcId: "my-vpc", vpcCidr: "10.0.0.0/16", privateSubnetIds: [] },
        }),
        models: [chat],
      }),
    ).toThrow(/target\.existingNetwork\.vpcId: must be a VPC id/);
  });
});
