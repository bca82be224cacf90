// The plan keeps its target: one registry entry per target kind (pure), one deploy function per kind (Pulumi), and
// components that take the plan of their own target, checked by the compiler (tsc runs on this file in CI).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, expectTypeOf, it } from "vitest";
import { parse } from "yaml";
import type { DockerLayerArgs } from "../components/docker/layer";
import type { KubernetesLayerArgs } from "../components/kubernetes/layer";
import { LAYER_DEPLOYERS } from "../components/layers";
import {
  onCluster,
  onDockerHost,
  plan as makePlan,
  planFor,
  planIs,
  TARGETS,
  type ClusterPlan,
  type PlanFor,
} from "../components/plan";
import { parseLayerSpec, TargetSchema, type LayerSpecInput } from "../components/spec";

const shipped = (stack: string) => {
  const doc = parse(readFileSync(join(__dirname, "..", "stacks", `Pulumi.${stack}.yaml`), "utf8"));
  const provided = Object.keys(doc.config)
    .filter((k) => k !== "ai-layer:layer")
    .map((k) => k.replace(/^ai-layer:/, ""));
  return makePlan(parseLayerSpec(doc.config["ai-layer:layer"]), {
    stack,
    providedSecrets: new Set(provided),
  });
};

describe("the target registry", () => {
  it("has one pure entry and one deploy function per target kind the schema accepts", () => {
    const kinds = TargetSchema.options.map((o) => o.shape.kind.value).sort();
    expect(Object.keys(TARGETS).sort()).toEqual(kinds);
    expect(Object.keys(LAYER_DEPLOYERS).sort()).toEqual(kinds);
    for (const [kind, entry] of Object.entries(TARGETS)) expect(entry.kind).toBe(kind);
  });

  it.each([
    ["dev", "docker"],
    ["cloud-gpu", "docker"],
    ["staging", "kubernetes"],
    ["prod", "aws-eks"],
    ["gpu-fleet", "aws-ec2"],
  ])("the %s stack plans as %s, and its plan says so", (stack, kind) => {
    const p = shipped(stack);
    expect(p.target.kind).toBe(kind);
    expect(onCluster(p)).toBe(kind === "kubernetes" || kind === "aws-eks");
    expect(onDockerHost(p)).toBe(kind === "docker" || kind === "aws-ec2");
    expect(planIs(p, kind as never)).toBe(true);
  });

  it("planFor narrows, or says which target the plan has", () => {
    expect(planFor(shipped("prod"), "AwsEksCluster", "aws-eks").target.aws.region).toBe("us-east-1");
    expect(() => planFor(shipped("dev"), "AwsEksCluster", "aws-eks")).toThrow(
      "AwsEksCluster places aws-eks plans; this plan targets docker",
    );
  });
});

describe("components take their own target's plan (compile-time)", () => {
  it("a config written in code plans to its target's type", () => {
    const spec = {
      target: { kind: "docker" },
      models: [{ name: "chat", model: "llama-3.1-8b-instruct" }],
    } satisfies LayerSpecInput;
    const p = makePlan(parseLayerSpec(spec), { stack: "t" });
    expectTypeOf(p).toEqualTypeOf<PlanFor<"docker">>();
    expectTypeOf(p).toMatchTypeOf<DockerLayerArgs["plan"]>();
    expect(p.target.kind).toBe("docker");
    const k8s = makePlan(
      parseLayerSpec({
        target: { kind: "kubernetes", context: "c" },
        models: [{ name: "chat", model: "llama-3.1-8b-instruct", gpu: { type: "L4" } }],
      } satisfies LayerSpecInput),
      { stack: "t", providedSecrets: new Set(["hfToken"]) },
    );
    expectTypeOf(k8s).toMatchTypeOf<ClusterPlan>();
    // @ts-expect-error a kubernetes plan is not a docker plan
    const wrong: DockerLayerArgs["plan"] = k8s;
    // @ts-expect-error nor is a docker plan a cluster's
    const alsoWrong: KubernetesLayerArgs["plan"] = p;
    expect([wrong.target.kind, alsoWrong.target.kind]).toEqual(["kubernetes", "docker"]);
  });
});

describe("the day a plan is made as of", () => {
  it("is the option, else AI_LAYER_TODAY, else today; a malformed date is refused", async () => {
    const { planDay } = await import("../components/plan/plan");
    expect(planDay("2027-04-01", { AI_LAYER_TODAY: "2026-12-07" })).toBe("2027-04-01");
    expect(planDay(undefined, { AI_LAYER_TODAY: "2026-12-07" })).toBe("2026-12-07");
    expect(planDay(undefined, {})).toBe(new Date().toISOString().slice(0, 10));
    expect(() => planDay(undefined, { AI_LAYER_TODAY: "7.12.2026" })).toThrow(/YYYY-MM-DD/);
  });
});
