// The gpu-fleet stack (aws-ec2) as `npm run plan -- gpu-fleet` runs it, checked across every resource it
// registers: nothing open to the internet, IMDSv2 everywhere, every disk and the cache encrypted, user data that
// passes shellcheck and carries no secret, and the policy pack clean.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadPolicyConfig, policyResources, runPolicies } from "../bin/offline/policyReport";
import { runOffline, SECRET_MASK, type PlannedResource } from "../bin/offline/run";
import { readStackFile, type StackConfig } from "../bin/offline/stackFile";
import { itRequiresToolInCi, requireTool, run, toolTitle } from "./helpers/tools";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
const ROOT = join(__dirname, "..");
/** Every layer secret set to a value we can look for afterwards (none is generated). */
const SECRETS: Record<string, string> = {
  gatewayMasterKey: "sk-master-FLEETSECRET-0001",
  redisPassword: "redisFLEETSECRET0002abcdefghijkl",
  grafanaAdminPassword: "grafana-FLEETSECRET-0003",
  vllmApiKey: "vllm-FLEETSECRET-0004",
  hfToken: "hf_FLEETSECRET0005abcdefghijklmnopqrs",
};
const INSTALL = "apt-get install shellcheck";
const hasShellcheck = requireTool("shellcheck");

function stackConfig(): StackConfig {
  const file = readStackFile(join(ROOT, "stacks", "Pulumi.gpu-fleet.yaml"));
  const values = { ...file.values };
  for (const [key, value] of Object.entries(SECRETS)) values[`ai-layer:${key}`] = value;
  return { values, secretKeys: Object.keys(SECRETS).map((k) => `ai-layer:${k}`) };
}

describe("npm run plan -- gpu-fleet", async () => {
  const { resources, plan, outputs } = await runOffline("gpu-fleet", stackConfig());
  const ofType = (t: string) => resources.filter((r) => r.type === t).map((r) => r.inputs as Json);
  const userData = (r: Json) => String(r.userData);
  const scripts = [
    ...ofType("aws:ec2/launchTemplate:LaunchTemplate").map((lt) =>
      Buffer.from(userData(lt), "base64").toString("utf8"),
    ),
    ...ofType("aws:ec2/instance:Instance").map(userData),
  ];

  it("creates one GPU group per model behind an internal NLB, a control host and ElastiCache", () => {
    expect(ofType("aws:autoscaling/group:Group").map((g) => [g.minSize, g.maxSize])).toEqual([
      [1, 3],
      [1, 1],
    ]);
    expect(ofType("aws:ec2/launchTemplate:LaunchTemplate").map((lt) => lt.instanceType)).toEqual([
      "g6.xlarge",
      "g4dn.xlarge",
    ]);
    const [nlb] = ofType("aws:lb/loadBalancer:LoadBalancer");
    expect(nlb).toMatchObject({ internal: true, loadBalancerType: "network" });
    expect(ofType("aws:lb/targetGroup:TargetGroup").map((tg) => tg.healthCheck.path)).toEqual([
      "/health",
      "/health",
    ]);
    expect(ofType("aws:ec2/instance:Instance")).toHaveLength(1);
    expect(ofType("aws:elasticache/replicationGroup:ReplicationGroup")).toHaveLength(1);
    // No Kubernetes anywhere, and no Redis container: the cache is ElastiCache.
    expect(resources.filter((r) => r.type.startsWith("kubernetes:") || r.type.startsWith("docker:"))).toEqual(
      [],
    );
  });

  it("load balancer and target group names fit AWS's 32 characters whatever the track; listeners outlast the gateway timeout", () => {
    const named = [...ofType("aws:lb/targetGroup:TargetGroup"), ...ofType("aws:lb/loadBalancer:LoadBalancer")];
    for (const x of named) {
      // A prefix (≤ 6) the provider completes to a unique 32-character name; no autoname from long logical names.
      expect(x.namePrefix.length).toBeLessThanOrEqual(6);
      expect(x.name).toBeUndefined();
    }
    for (const l of ofType("aws:lb/listener:Listener"))
      expect(l.tcpIdleTimeoutSeconds).toBe(plan.gateway.timeoutSeconds + 60);
  }); // prettier-ignore

  it("the gateway's address is a network interface of its own, so a replaced control host keeps it", () => {
    const [eni] = ofType("aws:ec2/networkInterface:NetworkInterface");
    const [host] = ofType("aws:ec2/instance:Instance");
    expect(eni.securityGroups).toHaveLength(1);
    expect(host.primaryNetworkInterface.networkInterfaceId).toMatch(/^eni-/);
    // The ECS-optimized AMI has Docker but no AWS CLI: boot installs it from the release-locked repository.
    expect(scripts[2]).toMatch(/if ! command -v aws .*\n\s+dnf install -y -q awscli-2/);
  });

  it("no security group admits 0.0.0.0/0 (or ::/0); Redis, vLLM and Grafana only from other security groups", () => {
    const rules = ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
    expect(rules.length).toBeGreaterThan(0);
    for (const r of rules) {
      expect(r.cidrIpv4).not.toBe("0.0.0.0/0");
      expect(r.cidrIpv6).toBeUndefined();
    }
    for (const sg of ofType("aws:ec2/securityGroup:SecurityGroup")) expect(sg.ingress ?? []).toEqual([]);
    const fleet = plan.target.kind === "aws-ec2" ? plan.target.aws : undefined;
    const internalPorts = [6379, fleet!.vllmPort, 3000, ...fleet!.tracks.map((t) => t.listenerPort)];
    const toInternal = rules.filter((r) => internalPorts.some((p) => r.fromPort <= p && p <= r.toPort));
    expect(toInternal.length).toBeGreaterThanOrEqual(4);
    for (const r of toInternal) {
      expect(r.cidrIpv4, `rule to port ${r.fromPort}`).toBeUndefined();
      expect(r.referencedSecurityGroupId).toBeDefined();
    }
    // The one CIDR rule is the gateway's port, from the VPC.
    expect(rules.filter((r) => r.cidrIpv4).map((r) => [r.fromPort, r.cidrIpv4])).toEqual([
      [4000, "10.40.0.0/16"],
    ]);
  });

  it("every instance requires IMDSv2; every EBS volume and the cache are encrypted", () => {
    const templates = ofType("aws:ec2/launchTemplate:LaunchTemplate");
    const instances = ofType("aws:ec2/instance:Instance");
    for (const x of [...templates, ...instances]) expect(x.metadataOptions.httpTokens).toBe("required");
    for (const lt of templates)
      for (const m of lt.blockDeviceMappings)
        expect(m.ebs).toMatchObject({ encrypted: "true", volumeType: "gp3" });
    for (const i of instances)
      expect(i.rootBlockDevice).toMatchObject({ encrypted: true, volumeType: "gp3" });
    const [cache] = ofType("aws:elasticache/replicationGroup:ReplicationGroup");
    expect(cache).toMatchObject({
      atRestEncryptionEnabled: true,
      transitEncryptionEnabled: true,
      authToken: SECRET_MASK,
      engine: "valkey",
    });
    expect(cache.authTokenUpdateStrategy).toMatch(/^(ROTATE|SET)$/);
  });

  it("user data is plain (nothing secret flowed into it) and holds none of the secret values", () => {
    expect(scripts).toHaveLength(3);
    for (const s of scripts) {
      expect(s.startsWith("#!/bin/bash")).toBe(true);
      for (const value of Object.values(SECRETS)) expect(s).not.toContain(value);
      expect(s).toContain("/ai-layer/gpu-fleet/");
    }
    // Nowhere in the plan: the secrets are SSM SecureString values, masked as secrets.
    const all = JSON.stringify(resources);
    for (const value of Object.values(SECRETS)) expect(all).not.toContain(value);
    const params = ofType("aws:ssm/parameter:Parameter");
    expect(params.map((p) => [p.type, p.value])).toEqual(params.map(() => ["SecureString", SECRET_MASK]));
  });

  itRequiresToolInCi("shellcheck", INSTALL);
  it.skipIf(!hasShellcheck)(toolTitle("every user data script passes shellcheck", "shellcheck", hasShellcheck, INSTALL), () => {
    for (const s of scripts) {
      const r = run("shellcheck", ["-s", "bash", "-"], { input: s });
      expect(r.stdout + r.stderr).toBe("");
      expect(r.status).toBe(0);
    }
  }); // prettier-ignore

  it("the policy pack finds nothing to refuse; only advice to pin the images by digest (the shipped lock is empty)", () => {
    const { config } = loadPolicyConfig(ROOT, "gpu-fleet");
    const report = runPolicies(policyResources("gpu-fleet", resources as PlannedResource[], outputs), config);
    expect(report.mandatory).toBe(0);
    expect(report.findings.filter((f) => f.rule !== "images-pinned-by-digest")).toEqual([]);
    expect(new Set(report.findings.map((f) => f.level))).toEqual(new Set(["advisory"]));
  }); // prettier-ignore

  it("exports the gateway's private URL, the port-forward commands and the cost at min and max", () => {
    expect(outputs.gatewayUrl).toMatch(/^http:\/\/10\.40\.\d+\.\d+:4000$/);
    expect(outputs.openaiBaseUrl).toBe(`${outputs.gatewayUrl}/v1`);
    expect(String(outputs.grafanaPortForwardCommand)).toMatch(
      /^aws ssm start-session --target i-[0-9a-f]+ --document-name AWS-StartPortForwardingSession --parameters .*portNumber=3000/,
    );
    // + 2 NAT gateways ($0.045/h) and the internal load balancer ($0.0225/h) since they are priced.
    expect(outputs).toMatchObject({ costPerHourUsd: 1.5905, costPerHourMaxUsd: 3.2001 });
    expect(outputs.kubeconfig).toBeUndefined();
  });
});
