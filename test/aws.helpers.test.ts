// Pure helpers of the aws target: subnet arithmetic, the kubeconfig and the autoscaler's IAM policy.
import { describe, expect, it } from "vitest";
import { cidrSubnet, clusterAutoscalerPolicy, eksKubeconfig, vpcLayout } from "../components/aws";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
describe("cidrSubnet / vpcLayout", () => {
  it("computes subnets like Terraform's cidrsubnet", () => {
    expect(cidrSubnet("10.40.0.0/16", 3, 0)).toBe("10.40.0.0/19");
    expect(cidrSubnet("10.40.0.0/16", 3, 1)).toBe("10.40.32.0/19");
    expect(cidrSubnet("10.40.0.0/16", 5, 24)).toBe("10.40.192.0/21");
    expect(cidrSubnet("10.0.0.0/8", 8, 255)).toBe("10.255.0.0/16");
    expect(cidrSubnet("192.168.4.0/22", 2, 3)).toBe("192.168.7.0/24");
  });
  it("rejects impossible subnets", () => {
    expect(() => cidrSubnet("10.40.0.0/16", 3, 8)).toThrow(/no subnet 8/);
    expect(() => cidrSubnet("10.40.0.0/30", 3, 0)).toThrow(/cannot add/);
    expect(() => cidrSubnet("10.40.0.1/16", 1, 0)).toThrow(/host bits/);
    expect(() => cidrSubnet("10.400.0.0/16", 1, 0)).toThrow(/IPv4/);
    expect(() => vpcLayout("10.40.0.0/24", 2)).toThrow(/too small/);
  });
  it("lays out private and public subnets without overlap, up to six AZs", () => {
    const { privateCidrs, publicCidrs } = vpcLayout("10.40.0.0/16", 6);
    expect(privateCidrs).toEqual([
      "10.40.0.0/19",
      "10.40.32.0/19",
      "10.40.64.0/19",
      "10.40.96.0/19",
      "10.40.128.0/19",
      "10.40.160.0/19",
    ]);
    expect(publicCidrs).toEqual([
      "10.40.192.0/21",
      "10.40.200.0/21",
      "10.40.208.0/21",
      "10.40.216.0/21",
      "10.40.224.0/21",
      "10.40.232.0/21",
    ]);
  });
});

describe("pure helpers", () => {
  it("kubeconfig authenticates with aws eks get-token for the cluster and region", () => {
    const cfg = JSON.parse(
      eksKubeconfig({
        clusterName: "c1",
        endpoint: "https://X.gr7.us-east-1.eks.amazonaws.com",
        certificateAuthorityData: "Q0E=",
        region: "us-east-1",
      }),
    );
    expect(cfg.clusters[0].cluster).toEqual({
      server: "https://X.gr7.us-east-1.eks.amazonaws.com",
      "certificate-authority-data": "Q0E=",
    });
    expect(cfg.users[0].user.exec.command).toBe("aws");
    expect(cfg.users[0].user.exec.args).toEqual([
      "eks",
      "get-token",
      "--cluster-name",
      "c1",
      "--region",
      "us-east-1",
      "--output",
      "json",
    ]);
    expect(cfg["current-context"]).toBe("c1");
  });
  it("autoscaler policy: reads broadly, writes only to ASGs EKS tagged for this cluster", () => {
    const doc = JSON.parse(clusterAutoscalerPolicy("c1", "arn:aws:eks:us-east-1:123456789012:cluster/c1"));
    const actions = doc.Statement.flatMap((s: Json) => s.Action);
    for (const a of actions)
      expect(a).toMatch(
        /^(autoscaling:Describe|ec2:Describe|ec2:GetInstanceTypes|eks:DescribeNodegroup$|autoscaling:SetDesiredCapacity$|autoscaling:TerminateInstanceInAutoScalingGroup$)/,
      );
    const write = doc.Statement.find((s: Json) => s.Action.includes("autoscaling:SetDesiredCapacity"));
    expect(write.Condition).toEqual({
      StringEquals: { "aws:ResourceTag/k8s.io/cluster-autoscaler/c1": "owned" },
    });
    expect(doc.Statement.find((s: Json) => s.Sid === "NodeGroups").Resource).toBe(
      "arn:aws:eks:us-east-1:123456789012:nodegroup/c1/*/*",
    );
  });
});
