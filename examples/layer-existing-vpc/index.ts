// The whole layer (GPU models, gateway, cache, monitoring) inside a VPC the team already has: no VPC, subnet, NAT
// or internet gateway is created. vLLM runs on EC2 GPU instances behind an internal load balancer; the gateway,
// Prometheus and Grafana on a small control host; the cache on ElastiCache. Everything in the team's private
// subnets, reachable from the VPC (or its peers in gatewayClientCidrs) and, for operators, through SSM.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AwsEc2Layer, parseLayerSpec, plan, type LayerSpecInput } from "ai-layer";

const config = new pulumi.Config();
const region = config.get("region") ?? "us-east-1";
/** The team's VPC and two or more private subnets (with egress through NAT) in different AZs. */
const vpcId = config.require("vpcId");
const vpcCidr = config.require("vpcCidr");
const privateSubnetIds = config.requireObject<string[]>("privateSubnetIds");

const layerSpec = {
  target: {
    kind: "aws-ec2",
    region,
    existingNetwork: { vpcId, vpcCidr, privateSubnetIds },
    // A peered office network may call the gateway too; nothing is ever open to 0.0.0.0/0.
    gatewayClientCidrs: ["192.168.0.0/16"],
    elasticache: { engine: "valkey", nodeType: "cache.t4g.small", replicas: 1 },
    tags: { owner: "web-platform", environment: "prod", "cost-center": "web-42" },
  },
  models: [
    { name: "chat", model: "llama-3.1-8b-instruct", gpu: { type: "L4" }, replicas: { min: 1, max: 2 } },
    { name: "embed", model: "nomic-embed-text-v1.5", gpu: { type: "T4" } },
  ],
  budget: { monthlyUsd: 2500 },
} satisfies LayerSpecInput;

const layerPlan = plan(parseLayerSpec(layerSpec), {
  stack: pulumi.getStack(),
  providedSecrets: new Set(["hfToken"]),
});

// The team's own provider (their account, their default tags); the layer creates everything through it.
const provider = new aws.Provider("team-aws", { region, defaultTags: { tags: layerSpec.target.tags } });
const layer = new AwsEc2Layer("ai", {
  plan: layerPlan,
  secrets: { hfToken: config.requireSecret("hfToken") },
  awsProvider: provider,
});

/** The gateway inside the VPC; clients send `Authorization: Bearer <gatewayMasterKey>`. */
export const openaiBaseUrl = pulumi.interpolate`${layer.gatewayUrl}/v1`;
export const gatewayMasterKey = layer.gatewayMasterKey;
/** Run it, then open http://localhost:3000 (Grafana listens on the control host's loopback only). */
export const grafanaPortForwardCommand = layer.grafanaPortForwardCommand;
export const costPerMonthUsd = { min: layerPlan.cost.perMonthUsd, max: layerPlan.cost.perMonthMaxUsd };
