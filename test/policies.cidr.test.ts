// The network policy judges exposure by the public addresses a list covers, with the spec's own function.
import { describe, expect, it } from "vitest";
import { RULES, type ResourceRule } from "../policies/rules";

const rule = RULES.find((r) => r.name === "no-public-internal-services") as ResourceRule<any>;
const check = (type: string, props: Record<string, any>) =>
  rule.check(type, props, { config: rule.defaults, name: "r", secretsMasked: true });

const SERVICE = "kubernetes:core/v1:Service";
const redisLb = (ranges: unknown) => ({
  metadata: { name: "redis" },
  spec: { type: "LoadBalancer", ports: [{ port: 6379 }], loadBalancerSourceRanges: ranges },
});
const ingress = (range: string) => ({
  metadata: { name: "i", annotations: { "nginx.ingress.kubernetes.io/whitelist-source-range": range } },
  spec: { rules: [{ http: { paths: [{ backend: { service: { name: "grafana" } } }] } }] },
});
const sg = (cidrBlocks: string[]) => ({
  ingress: [{ protocol: "tcp", fromPort: 6379, toPort: 6379, cidrBlocks }],
});

describe("no-public-internal-services parses CIDRs", () => {
  it.each([
    [["0.0.0.0/1", "128.0.0.0/1"]],
    [["1.2.3.4/0"]],
    [["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/2", "192.0.0.0/2"]],
    [["16.0.0.0/7"]],
  ])("a LoadBalancer, an Ingress and a security group open to %j are flagged", (ranges) => {
    expect(check(SERVICE, redisLb(ranges))).toEqual([expect.stringContaining("reachable from anywhere")]);
    expect(check("kubernetes:networking.k8s.io/v1:Ingress", ingress(ranges.join(",")))).toHaveLength(1);
    expect(check("aws:ec2/securityGroup:SecurityGroup", sg(ranges))).toEqual([
      expect.stringContaining("opens port 6379 to the internet"),
    ]);
  });

  it("private, CGNAT and narrow public ranges pass", () => {
    for (const ranges of [
      ["10.0.0.0/8", "192.168.0.0/16", "100.64.0.0/10"],
      ["203.0.113.0/24", "8.8.8.0/24"],
    ]) {
      expect(check(SERVICE, redisLb(ranges))).toEqual([]);
      expect(check("aws:ec2/securityGroup:SecurityGroup", sg(ranges))).toEqual([]);
    }
  });
});
