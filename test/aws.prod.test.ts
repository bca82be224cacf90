// The prod stack (aws-eks) on the mock runtime: the cluster comes first, then exactly the kubernetes target's
// objects, applied through the provider built from the new cluster.
import { planFor } from "../components/plan";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { maskSecrets, runOffline, type PlannedResource } from "../bin/offline/run";
import { readStackFile } from "../bin/offline/stackFile";
import { kubernetesEndpoints, kubernetesObjects } from "../components/kubernetes/layer";
import { renderLayerFiles } from "../components/render";

const ROOT = join(__dirname, "..");

describe("npm run plan -- prod", async () => {
  const { resources, plan, outputs } = await runOffline(
    "prod",
    readStackFile(join(ROOT, "stacks", "Pulumi.prod.yaml")),
  );
  const ofType = (t: string) => resources.filter((r) => r.type === t);

  it("creates the VPC, the EKS cluster and one NVIDIA GPU node group sized from the plan", () => {
    expect(ofType("aws:ec2/vpc:Vpc")).toHaveLength(1);
    expect(ofType("aws:eks/cluster:Cluster")).toHaveLength(1);
    const gpuGroups = ofType("aws:eks/nodeGroup:NodeGroup").filter(
      (g) => (g.inputs as { amiType: string }).amiType === "AL2023_x86_64_NVIDIA",
    );
    const planned = plan.target.kind === "aws-eks" ? plan.target.aws.gpuNodeGroups : [];
    expect(planned).toEqual([expect.objectContaining({ instanceType: "g6.xlarge", minSize: 3, maxSize: 9 })]);
    expect(gpuGroups.map((g) => (g.inputs as { instanceTypes: string[] }).instanceTypes)).toEqual([
      ["g6.xlarge"],
    ]);
    expect((gpuGroups[0]!.inputs as { scalingConfig: object }).scalingConfig).toMatchObject({
      minSize: 3,
      maxSize: 9,
    });
  });

  it("applies exactly the kubernetes target's objects (same renderers, same components)", () => {
    const eks = planFor(plan, "prod", "aws-eks");
    const expected = kubernetesObjects(
      eks,
      { namespace: "ai-layer", stack: "prod", gpuNodeLabel: "ai-layer.dev/gpu" },
      renderLayerFiles(eks, kubernetesEndpoints(eks)),
    );
    const applied = (o: { kind: string; metadata: { name: string; namespace?: string } }) =>
      resources.find(
        (r: PlannedResource) =>
          r.type.startsWith("kubernetes:") &&
          r.type.endsWith(`:${o.kind}`) &&
          r.name === [o.metadata.namespace, o.metadata.name].filter(Boolean).join("-"),
      );
    for (const o of expected) {
      const r = applied(o);
      expect(r, `${o.kind} ${o.metadata.name}`).toBeDefined();
      expect(r!.inputs).toEqual(maskSecrets(o));
    }
  });

  it("exports the cluster name and the kubeconfig as a secret, plus the cost at min and max", () => {
    expect(outputs.kubeconfig).toBe("[secret]");
    expect(typeof outputs.clusterName).toBe("string");
    // 3 × g6.xlarge ($0.8048/h) at min, 9 at max; plus the EKS control plane ($0.10/h, 1.35 in standard support),
    // 2 NAT gateways ($0.045/h), the Secrets KMS key ($1/730 h = 0.00137) and 2–4 CPU nodes (m6i.large, $0.096/h):
    // 2.4144 + 0.19 + 0.00137 + 0.192 = 2.7978; 7.2432 + 0.19 + 0.00137 + 0.384 = 7.8186.
    expect(outputs).toMatchObject({ costPerHourUsd: 2.7978, costPerHourMaxUsd: 7.8186 });
  });
});
