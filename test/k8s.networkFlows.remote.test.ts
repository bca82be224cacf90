// The gateway's egress to remote models: public APIs through the "internet" peer (no private, shared or
// link-local address), a model endpoint inside the cluster or the VPC through the "private" peer — found by the
// review: an openai-compatible TGI on `*.svc` got only the internet rule, so every request to it was dropped.
import { describe, expect, it } from "vitest";
import { apiInsideNetwork, layerFlows } from "../components/kubernetes/networkFlows";
import { plan, type ClusterPlan } from "../components/plan";
import { parseLayerSpec } from "../components/spec";

const withRemote = (apiBase: string) =>
  plan(
    parseLayerSpec({
      target: { kind: "kubernetes", context: "c" },
      models: [
        { name: "chat", model: "llama-3.1-8b-instruct", gpu: { type: "L4" } },
        { name: "tgi", remote: { provider: "openai-compatible", model: "m", apiBase } },
      ],
    }),
    { stack: "t", providedSecrets: new Set(["hfToken", "remoteApiKey"]) },
  ) as ClusterPlan;

const gatewayEgress = (p: ClusterPlan) =>
  layerFlows(p)
    .filter((f) => f.from.kind === "workload" && f.from.name === "litellm" && f.to.kind !== "workload")
    .filter((f) => f.to.kind !== "kube-dns")
    .map((f) => `${f.to.kind}:${f.port}`)
    .sort();

describe("the gateway reaches remote model endpoints where they are", () => {
  it.each([
    ["http://tgi.models.svc.cluster.local:8080/v1", true],
    ["http://tgi.models.svc:8080/v1", true],
    ["http://tgi:8080/v1", true],
    ["http://ip-10-1-2-3.ec2.internal:8000/v1", true],
    ["http://10.40.3.7:8000/v1", true],
    ["http://100.64.1.2:8000/v1", true],
    ["http://[fd00::1]:8000/v1", true],
    ["https://api.together.xyz/v1", false],
    ["http://203.0.113.7:8000/v1", false],
    ["http://169.254.169.254/v1", false],
  ])("%s inside the network: %s", (apiBase, inside) => {
    expect(apiInsideNetwork(apiBase)).toBe(inside);
  });

  it("an in-cluster endpoint gets a private-address rule on its port, not the internet rule", () => {
    expect(gatewayEgress(withRemote("http://tgi.models.svc.cluster.local:8080/v1"))).toEqual([
      "private:8080",
    ]);
  });

  it("a public API keeps the internet rule only", () => {
    expect(gatewayEgress(withRemote("https://api.together.xyz/v1"))).toEqual(["internet:443"]);
  });
});
