import * as pulumi from "@pulumi/pulumi";
import { deployPlan, type DeployedLayer } from "../components/layers";
import { LAYER_SECRETS, plan, type LayerSecretKey, type Plan } from "../components/plan";
import { checkStackName, parseLayerSpec } from "../components/spec";
import { checkSecretConfig } from "../components/spec/secretConfig";
import { decodeConfigValue } from "./config";

export { decodeConfigValue };

/** The raw layer config and the secret keys the stack sets, read once from Pulumi config. */
export function readLayerConfig(config = new pulumi.Config("ai-layer")) {
  const raw = decodeConfigValue(config.get("layer"));
  const secrets: Partial<Record<LayerSecretKey, pulumi.Output<string>>> = {};
  for (const { configKey } of LAYER_SECRETS) {
    const value = config.getSecret(configKey);
    if (value !== undefined) secrets[configKey] = value;
  }
  return { raw, secrets };
}

/** One model's cost estimate as a stack output (plan.costModel; assumptions in summary.md). */
export interface ModelCostOutput {
  perHourMinUsd: number;
  perHourMaxUsd: number;
  perMonthMaxUsd: number;
  usdPerMillionOutputTokens: number | null;
}

/** What the program exports: URLs, model names, cost, and the keys as secrets. */
export interface LayerOutputs {
  /** Where clients reach the gateway (on aws-ec2: the control host's private address, inside the VPC). */
  gatewayUrl: pulumi.Input<string>;
  /** OpenAI-compatible base URL for SDKs (`${gatewayUrl}/v1`). */
  openaiBaseUrl: pulumi.Input<string>;
  grafanaUrl?: string;
  prometheusUrl?: string;
  models: string[];
  /** Estimated $/h and $/month at min scale, and at max scale (GPU-hours on kubernetes; the host on docker). */
  costPerHourUsd: number;
  costPerMonthUsd: number;
  costPerHourMaxUsd: number;
  costPerMonthMaxUsd: number;
  /** EKS cluster name and its kubeconfig (secret), on the aws-eks target. */
  clusterName?: pulumi.Output<string>;
  kubeconfig?: pulumi.Output<string>;
  /** aws-ec2: `aws ssm start-session …` forwarding the gateway / Grafana to localhost (nothing else reaches them). */
  gatewayPortForwardCommand?: pulumi.Output<string>;
  grafanaPortForwardCommand?: pulumi.Output<string>;
  /** The configured monthly budget, USD (only when layer.budget is set). */
  budgetMonthlyUsd?: number;
  /** true when the stack opts in to digest-pinned images only (layer.security.requireImageDigests). */
  requireImageDigests?: boolean;
  /** Per self-hosted GPU model (vLLM): $/h at min and max, $/month at max, $ per 1M output tokens (null: n/a). */
  costByModel: Record<string, ModelCostOutput>;
  gatewayMasterKey: pulumi.Output<string>;
  grafanaAdminPassword?: pulumi.Output<string>;
}

/**
 * The program: read → parse → plan → place on the target → outputs. Parsing and planning run before any
 * resource is constructed, so a bad config throws one path-named error and registers nothing.
 */
export function deployLayer(): { plan: Plan; layer: DeployedLayer; outputs: LayerOutputs } {
  checkStackName(pulumi.getStack());
  checkSecretConfig(pulumi.runtime.allConfig()); // decrypted under `pulumi up`: the master key LiteLLM would refuse
  const { raw, secrets } = readLayerConfig();
  const spec = parseLayerSpec(raw);
  const layerPlan = plan(spec, { stack: pulumi.getStack(), providedSecrets: new Set(Object.keys(secrets)) });
  // The plan's target decides what is created (components/layers.ts): one deploy function per target kind.
  const layer = deployPlan("ai-layer", layerPlan, secrets);
  const outputs: LayerOutputs = {
    gatewayUrl: layer.gatewayUrl,
    openaiBaseUrl: pulumi.interpolate`${layer.gatewayUrl}/v1`,
    ...(layer.grafanaUrl ? { grafanaUrl: layer.grafanaUrl } : {}),
    ...(layer.prometheusUrl ? { prometheusUrl: layer.prometheusUrl } : {}),
    models: layerPlan.models.map((m) => m.name),
    costPerHourUsd: layerPlan.cost.perHourUsd,
    costPerMonthUsd: layerPlan.cost.perMonthUsd,
    costPerHourMaxUsd: layerPlan.cost.perHourMaxUsd,
    costPerMonthMaxUsd: layerPlan.cost.perMonthMaxUsd,
    ...layer.targetOutputs,
    // The policy pack's budget rule reads this from the stack's outputs.
    ...(layerPlan.budget ? { budgetMonthlyUsd: layerPlan.budget.monthlyUsd } : {}),
    // The images-pinned-by-digest policy is mandatory for a stack that sets this (policies/rules/images.ts).
    ...(layerPlan.requireImageDigests ? { requireImageDigests: true } : {}),
    costByModel: Object.fromEntries(
      layerPlan.costModel.models.map((m) => [
        m.name,
        {
          perHourMinUsd: m.perHourMinUsd,
          perHourMaxUsd: m.perHourMaxUsd,
          perMonthMaxUsd: m.perMonthMaxUsd,
          usdPerMillionOutputTokens: m.usdPerMillionOutputTokens,
        },
      ]),
    ),
    gatewayMasterKey: layer.gatewayMasterKey,
    ...(layer.grafanaAdminPassword ? { grafanaAdminPassword: layer.grafanaAdminPassword } : {}),
  };
  return { plan: layerPlan, layer, outputs };
}
