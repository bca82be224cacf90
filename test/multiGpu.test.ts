// Multi-GPU replicas (issue 13 point 9): a replica that needs several GPUs costs the AWS instance that carries them
// (not GPUs × a per-GPU share), multi-GPU L4 shapes exist, and every instance the planner can pick passes the
// policy pack's default allow-list (so a shipped shape never plans into a mandatory violation).
import { describe, expect, it } from "vitest";
import { awsInstanceFor, GPUS } from "../components/catalog";
import { plan, type VllmModel } from "../components/plan";
import { parseLayerSpec } from "../components/spec";
import { RULES } from "../policies/rules";

const planOn = (target: Record<string, unknown>, gpu: { type: string; count: number }) =>
  plan(
    parseLayerSpec({
      target,
      models: [{ name: "chat", model: "llama-3.1-8b-instruct", gpu, replicas: { min: 1, max: 1 } }],
    }),
    { stack: "test", providedSecrets: new Set(["hfToken"]) },
  );
const k8s = { kind: "kubernetes", context: "test" };
const eks = {
  kind: "aws-eks",
  region: "us-east-1",
  publicAccessCidrs: ["203.0.113.0/24"],
  tags: { owner: "ml-platform", environment: "prod", "cost-center": "cc-1234" },
};

const allowlist = (instanceType: string) => {
  const r = RULES.find((x) => x.name === "gpu-instance-allowlist")!;
  if (r.kind !== "resource") throw new Error("not a resource rule");
  return r.check(
    "aws:eks/nodeGroup:NodeGroup",
    { instanceTypes: [instanceType] },
    {
      config: r.defaults as never,
      name: "gpu",
      secretsMasked: true,
    },
  );
};

describe("a replica's $/h is the instance that carries its GPUs", () => {
  it("4 × A10G: the whole g5.12xlarge ($5.672/h, runtime-facts.md §F), not 4 × g5.xlarge's $1.006", () => {
    const p = planOn(k8s, { type: "A10G", count: 4 });
    expect((p.models[0] as VllmModel).usdPerReplicaHour).toBe(5.672);
    expect(p.costModel.models[0]!.usdPerReplicaHour).toBe(5.672);
  });

  it("kubernetes (prices GPU-hours): 2 × L40S shares a g6e.12xlarge ($10.4926 / 2 replicas per node)", () => {
    const p = planOn(k8s, { type: "L40S", count: 2 });
    expect((p.models[0] as VllmModel).usdPerReplicaHour).toBe(5.2463);
  });

  it("a configured costPerGpuHourUsd still prices GPUs", () => {
    const p = planOn({ ...k8s, costPerGpuHourUsd: 1 }, { type: "A10G", count: 4 });
    expect((p.models[0] as VllmModel).usdPerReplicaHour).toBe(4);
  });
});

describe("multi-GPU L4 shapes", () => {
  it("4 × L4 → g6.12xlarge ($4.602/h), 8 × L4 → g6.48xlarge", () => {
    expect(awsInstanceFor("L4", 4)).toMatchObject({
      instanceType: "g6.12xlarge",
      gpus: 4,
      usdPerHour: 4.602,
    });
    expect(awsInstanceFor("L4", 8)).toMatchObject({ instanceType: "g6.48xlarge", gpus: 8 });
    const p = planOn(eks, { type: "L4", count: 4 });
    expect(p.target.kind === "aws-eks" && p.target.aws.gpuNodeGroups[0]!.instanceType).toBe("g6.12xlarge");
  });
});

describe("every shape the planner picks passes the default policy allow-list", () => {
  it.each(GPUS.flatMap((g) => [1, 2, 4, 8].map((n) => [g.id, n] as const)))("%s × %i", (gpu, count) => {
    const instance = awsInstanceFor(gpu, count);
    if (!instance) return;
    expect(allowlist(instance.instanceType)).toEqual([]);
  });

  it("the EKS node group for 2 × L40S is g6e.12xlarge and allowed", () => {
    const p = planOn(eks, { type: "L40S", count: 2 });
    const group = p.target.kind === "aws-eks" ? p.target.aws.gpuNodeGroups[0]! : undefined;
    expect(group?.instanceType).toBe("g6e.12xlarge");
    expect(allowlist(group!.instanceType)).toEqual([]);
  });
});

describe("on AWS the planner picks the instance: a replica costs all of it", () => {
  it("aws-eks: 2 × L40S pays a whole g6e.12xlarge ($10.4926/h), as one replica alone is billed", () => {
    const p = planOn(eks, { type: "L40S", count: 2 });
    expect((p.models[0] as VllmModel).usdPerReplicaHour).toBe(awsInstanceFor("L40S", 2)!.usdPerHour);
    expect((p.models[0] as VllmModel).usdPerReplicaHour).toBe(10.4926);
    // Negative control: the generic kubernetes target prices GPUs, so the same shape shares the instance.
    expect((planOn(k8s, { type: "L40S", count: 2 }).models[0] as VllmModel).usdPerReplicaHour).toBe(5.2463);
  });
});
