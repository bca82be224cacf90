import { describe, expect, it } from "vitest";
import { LayerConfigError, parseLayerSpec } from "../components/spec";
import { cidrProblem, openToInternet, publicAddressCount } from "../components/spec/cidr";
import { plan } from "../components/plan";

const base = { models: [{ name: "chat", model: "llama-3.1-8b-instruct", gpu: { type: "L4" } }] };
const tags = { owner: "a", environment: "b", "cost-center": "c" };
const eks = (target: Record<string, unknown>) => ({
  ...base,
  target: {
    kind: "aws-eks",
    region: "us-east-1",
    tags,
    publicAccessCidrs: ["203.0.113.0/24"],
    ...target,
  },
});
const ec2 = (target: Record<string, unknown>) => ({
  ...base,
  target: { kind: "aws-ec2", region: "us-east-1", tags, ...target },
});
const k8s = (target: Record<string, unknown>) => ({
  ...base,
  target: { kind: "kubernetes", context: "c", ...target },
});

/** The problems of a config, from parsing and planning, as `path: message` lines. */
function problems(raw: unknown): string[] {
  try {
    plan(parseLayerSpec(raw), { stack: "t", providedSecrets: new Set(["hfToken"]) });
  } catch (e) {
    if (e instanceof LayerConfigError) return e.problems.map((p) => `${p.path}: ${p.message}`);
    throw e;
  }
  return [];
}

describe("CIDRs are parsed, not compared as strings", () => {
  it("rejects invalid addresses, long prefixes and leading zeros", () => {
    expect(cidrProblem("300.1.2.3/40")).toMatch(/not an IPv4 CIDR|at most \/32/);
    expect(cidrProblem("1.2.3.4/33")).toContain("at most /32");
    expect(cidrProblem("010.0.0.0/8")).toContain("invalid");
    expect(cidrProblem("10.0.0.0")).toContain("not an IPv4 CIDR");
    expect(cidrProblem("10.0.0.1/16")).toContain("host bits set; the network is 10.0.0.0/16");
    expect(cidrProblem("10.40.0.0/16")).toBeUndefined();
  });

  it("judges exposure by the public addresses a list covers", () => {
    expect(openToInternet(["0.0.0.0/0"])).toBeDefined();
    expect(openToInternet(["0.0.0.0/1", "128.0.0.0/1"])).toBeDefined();
    expect(openToInternet(["1.2.3.4/0"])).toBeDefined();
    expect(openToInternet(["16.0.0.0/7"])).toBeDefined();
    expect(openToInternet(["::/0"])).toBeDefined();
    // Private, CGNAT and documentation space is not public; one /8 of public space is the most allowed.
    expect(
      openToInternet(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"]),
    ).toBeUndefined();
    expect(openToInternet(["203.0.113.0/24", "198.51.100.7/32"])).toBeUndefined();
    expect(openToInternet(["17.0.0.0/8"])).toBeUndefined();
    // Overlapping entries count once.
    expect(publicAddressCount(["8.8.8.0/24", "8.8.8.0/25"])[4]).toBe(256n);
  });
});

describe("every CIDR list in the spec refuses invalid and open ranges", () => {
  it.each([
    [
      "target.gateway.sourceRanges",
      k8s({ gateway: { expose: "load-balancer", sourceRanges: ["0.0.0.0/1", "128.0.0.0/1"] } }),
    ],
    [
      "target.gateway.sourceRanges",
      k8s({ gateway: { expose: "load-balancer", sourceRanges: ["0.0.0.0/1"] } }),
    ],
    ["target.cache.sourceRanges", k8s({ cache: { expose: "load-balancer", sourceRanges: ["0.0.0.0/0"] } })],
    ["target.publicAccessCidrs", eks({ publicAccessCidrs: ["0.0.0.0/1", "128.0.0.0/1"] })],
    ["target.gatewayClientCidrs", ec2({ gatewayClientCidrs: ["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/1"] })],
  ])("%s: a union covering the internet is open", (path, config) => {
    const found = problems(config);
    expect(found).toEqual([
      expect.stringMatching(new RegExp(`^layer\\.${path.replace(/\./g, "\\.")}: .*open`)),
    ]);
    expect(found[0]).toContain("list your networks");
  });

  it.each([
    [
      "target.gateway.sourceRanges[0]",
      k8s({ gateway: { expose: "load-balancer", sourceRanges: ["300.1.2.3/24"] } }),
    ],
    [
      "target.cache.sourceRanges[0]",
      k8s({ cache: { expose: "load-balancer", sourceRanges: ["1.2.3.4/0"] } }),
    ],
    ["target.publicAccessCidrs[0]", eks({ publicAccessCidrs: ["1.2.3.4/40"] })],
    ["target.gatewayClientCidrs[0]", ec2({ gatewayClientCidrs: ["10.0.0.1/8"] })],
    [
      "target.existingNetwork.vpcCidr",
      eks({
        existingNetwork: {
          vpcId: "vpc-0a1b2c3d",
          vpcCidr: "10.0.0.5/16",
          privateSubnetIds: ["subnet-0a1b2c3d", "subnet-0a1b2c3e"],
        },
      }),
    ],
  ])("%s: an invalid CIDR or one with host bits is a path-named problem", (path, config) => {
    const found = problems(config);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(new RegExp(`^layer\\.${path.replace(/[.[\]]/g, "\\$&")}: `));
  });

  it("a vpcCidr with host bits set or an invalid address is a config error, not a crash in the subnet split", () => {
    for (const config of [eks({ vpcCidr: "10.40.0.1/16" }), ec2({ vpcCidr: "10.40.0.1/16" })])
      expect(problems(config)).toEqual([
        'layer.target.vpcCidr: "10.40.0.1/16" has host bits set; the network is 10.40.0.0/16',
      ]);
    expect(problems(eks({ vpcCidr: "10.400.0.0/16" }))).toEqual([
      expect.stringMatching(/^layer\.target\.vpcCidr: .*invalid/),
    ]);
    expect(problems(ec2({ vpcCidr: "10.32.0.0/12" }))).toEqual([
      expect.stringMatching(/^layer\.target\.vpcCidr: .*between \/16 and \/24/),
    ]);
  });

  it("the shipped kind of value still passes", () => {
    expect(problems(eks({}))).toEqual([]);
    expect(problems(ec2({ gatewayClientCidrs: ["192.168.0.0/16"] }))).toEqual([]);
    expect(
      problems(k8s({ gateway: { expose: "load-balancer", sourceRanges: ["203.0.113.0/24", "8.8.8.0/24"] } })),
    ).toEqual([]);
  });
});
