// EKS version and fixed costs (issue 13 point 6): the default Kubernetes version is in standard support on the plan
// date, older ones stay selectable (an extended-support version is priced and warned about), and the control plane,
// NAT gateways and CPU node group are in the cost (prices: components/catalog/eks.ts, awsInstances.ts).
import { describe, expect, it } from "vitest";
import { CLUSTER_AUTOSCALER_IMAGE_TAGS } from "../components/aws/addons";
import {
  AWS_CONTROL_HOST_USD_PER_HOUR,
  EKS_VERSIONS,
  eksSupportOn,
  KMS_KEY_USD_PER_HOUR,
  LOAD_BALANCER_USD_PER_HOUR,
  NAT_GATEWAY_USD_PER_HOUR,
} from "../components/catalog";
import { plan } from "../components/plan";
import { DEFAULTS, LayerConfigError, parseLayerSpec } from "../components/spec";

const TODAY = "2026-12-07";
const eks = (target: Record<string, unknown> = {}) =>
  plan(
    parseLayerSpec({
      target: {
        kind: "aws-eks",
        region: "us-east-1",
        publicAccessCidrs: ["203.0.113.0/24"],
        tags: { owner: "ml", environment: "prod", "cost-center": "cc-1" },
        ...target,
      },
      models: [
        { name: "chat", model: "llama-3.1-8b-instruct", gpu: { type: "L4" }, replicas: { min: 1, max: 2 } },
      ],
    }),
    { stack: "t", providedSecrets: new Set(["hfToken"]), today: TODAY },
  );

describe("the default EKS version", () => {
  it("is in standard support on 2026-12-07 (1.33 left it on 2026-07-29, 1.34 on 2026-12-02)", () => {
    expect(eksSupportOn(DEFAULTS.target.awsEks.kubernetesVersion, TODAY)).toBe("standard");
    expect(eksSupportOn("1.33", TODAY)).toBe("extended");
    expect(eksSupportOn("1.34", TODAY)).toBe("extended");
  });

  it("every selectable version has a pinned cluster-autoscaler", () => {
    for (const v of Object.keys(EKS_VERSIONS)) expect(CLUSTER_AUTOSCALER_IMAGE_TAGS[v], v).toBeDefined();
  });

  it("an unknown version is refused at its path", () => {
    expect(() => eks({ kubernetesVersion: "1.29" })).toThrow(LayerConfigError);
  });
});

describe("fixed costs of the cluster", () => {
  it("control plane $0.10 + 2 NAT × $0.045 + KMS key $1/730 h + CPU nodes 2–4 × $0.096 + GPU nodes 1–2 × $0.8048", () => {
    const p = eks();
    // min: 0.10 + 0.09 + 0.00137 + 0.192 + 0.8048 = 1.1882; max: 0.10 + 0.09 + 0.00137 + 0.384 + 1.6096 = 2.1850
    expect(p.cost.perHourUsd).toBe(1.1882);
    expect(p.cost.perHourMaxUsd).toBe(2.185);
    if (p.target.kind !== "aws-eks") throw new Error("aws-eks plan expected");
    expect(p.target.aws.fixedCost.secretsKey.usdPerHour).toBe(KMS_KEY_USD_PER_HOUR);
    expect(KMS_KEY_USD_PER_HOUR * 730).toBeCloseTo(1, 10);
  });

  it("1.33 stays selectable: extended support costs $0.60/h and says so", () => {
    const p = eks({ kubernetesVersion: "1.33" });
    expect(p.cost.perHourUsd).toBe(1.6882);
    expect(p.warnings.join("\n")).toMatch(/1\.33 left standard support on 2026-07-29.*\$0\.6\/h/);
  });

  it("an existing network has no NAT gateways of the stack's", () => {
    const p = eks({
      existingNetwork: {
        vpcId: "vpc-0a1b2c3d4e5f60789",
        vpcCidr: "172.31.0.0/16",
        privateSubnetIds: ["subnet-0a1b2c3d4e5f60781", "subnet-0a1b2c3d4e5f60782"],
      },
    });
    expect(p.cost.perHourUsd).toBe(1.0982);
  });
});

describe("load balancers and NAT gateways are in the bill", () => {
  it("aws-eks: each Service exposed as a load balancer adds its hourly rate; none by default", () => {
    const inside = eks();
    const exposed = eks({ gateway: { expose: "load-balancer", sourceRanges: ["203.0.113.0/24"] } });
    if (inside.target.kind !== "aws-eks" || exposed.target.kind !== "aws-eks")
      throw new Error("aws-eks expected");
    expect(inside.target.aws.fixedCost.loadBalancers.count).toBe(0);
    expect(exposed.target.aws.fixedCost.loadBalancers).toEqual({
      count: 1,
      usdPerHour: LOAD_BALANCER_USD_PER_HOUR,
    });
    expect(exposed.cost.perHourUsd - inside.cost.perHourUsd).toBeCloseTo(LOAD_BALANCER_USD_PER_HOUR, 6);
  });

  it("aws-ec2: the NAT gateway of each AZ and the fleet's internal load balancer are fixed costs", () => {
    const ec2 = (target: Record<string, unknown>, models: unknown[]) =>
      plan(
        parseLayerSpec({
          target: {
            kind: "aws-ec2",
            region: "us-east-1",
            tags: { owner: "ml", environment: "prod", "cost-center": "cc-1" },
            ...target,
          },
          models,
        }),
        { stack: "t", providedSecrets: new Set(["hfToken", "openaiApiKey"]), today: TODAY },
      );
    const gpu = [{ name: "chat", model: "llama-3.1-8b-instruct", gpu: { type: "L4" } }];
    const remoteOnly = [{ name: "chat", remote: { provider: "openai", model: "gpt-4o-mini" } }];
    const host = AWS_CONTROL_HOST_USD_PER_HOUR["m6i.large"];
    const fixed = (p: ReturnType<typeof ec2>) =>
      p.target.kind === "aws-ec2" ? p.target.costPerHourUsd : NaN;
    expect(fixed(ec2({ availabilityZones: 3 }, remoteOnly))).toBeCloseTo(
      host + 3 * NAT_GATEWAY_USD_PER_HOUR,
      4,
    );
    expect(fixed(ec2({}, gpu))).toBeCloseTo(
      host + 2 * NAT_GATEWAY_USD_PER_HOUR + LOAD_BALANCER_USD_PER_HOUR,
      4,
    );
    const existing = {
      existingNetwork: {
        vpcId: "vpc-0a1b2c3d4e5f60789",
        vpcCidr: "10.0.0.0/16",
        privateSubnetIds: ["subnet-0a1b2c3d4e5f60789", "subnet-0a1b2c3d4e5f6078a"],
      },
    };
    expect(fixed(ec2(existing, gpu))).toBeCloseTo(host + LOAD_BALANCER_USD_PER_HOUR, 4);
  });
});
