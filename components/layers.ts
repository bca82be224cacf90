// The Pulumi half of each target: how a plan of that kind is placed. The pure half (placing models, pricing,
// addresses) is its entry in components/plan/targets.ts; a new target adds one entry in each.
import * as pulumi from "@pulumi/pulumi";
import { AwsEc2Layer, AwsEksCluster } from "./aws";
import { DockerLayer } from "./docker";
import { KubernetesLayer } from "./kubernetes";
import type { Plan, PlanFor, TargetKind } from "./plan";
import type { RenderedFile } from "./render";
import type { LayerSecrets } from "./secrets";

/** What every target's layer gives the program, whatever it created. */
export interface DeployedLayer {
  /** The layer component (DockerLayer, KubernetesLayer, AwsEc2Layer). */
  readonly component: pulumi.ComponentResource;
  /** Where clients reach the gateway. */
  readonly gatewayUrl: pulumi.Input<string>;
  readonly grafanaUrl?: string;
  readonly prometheusUrl?: string;
  /** Key clients send as Bearer. Secret. */
  readonly gatewayMasterKey: pulumi.Output<string>;
  readonly grafanaAdminPassword?: pulumi.Output<string>;
  /** Every file the layer deploys, as rendered. */
  readonly files: readonly RenderedFile[];
  /** Outputs only this target has: the EKS cluster's name and kubeconfig, aws-ec2's port-forward commands. */
  readonly targetOutputs: Readonly<Record<string, pulumi.Output<string>>>;
}

type Deploy<K extends TargetKind> = (name: string, plan: PlanFor<K>, secrets: LayerSecrets) => DeployedLayer;

const common = (layer: DockerLayer | KubernetesLayer | AwsEc2Layer) => ({
  component: layer,
  gatewayUrl: layer.gatewayUrl,
  ...(layer.grafanaUrl ? { grafanaUrl: layer.grafanaUrl } : {}),
  ...(layer.prometheusUrl ? { prometheusUrl: layer.prometheusUrl } : {}),
  gatewayMasterKey: layer.gatewayMasterKey,
  ...(layer.grafanaAdminPassword ? { grafanaAdminPassword: layer.grafanaAdminPassword } : {}),
  files: layer.files,
});

/** Each target kind's deploy function. */
export const LAYER_DEPLOYERS: { readonly [K in TargetKind]: Deploy<K> } = {
  docker: (name, plan, secrets) => ({
    ...common(new DockerLayer(name, { plan, secrets })),
    targetOutputs: {},
  }),
  kubernetes: (name, plan, secrets) => ({
    ...common(new KubernetesLayer(name, { plan, secrets })),
    targetOutputs: {},
  }),
  // Create the cluster, then the same kubernetes components through a provider built from it.
  "aws-eks": (name, plan, secrets) => {
    const eks = new AwsEksCluster(name, { plan });
    const layer = new KubernetesLayer(name, { plan, secrets, provider: eks.provider }, { dependsOn: [eks] });
    return { ...common(layer), targetOutputs: { clusterName: eks.clusterName, kubeconfig: eks.kubeconfig } };
  },
  // GPU instances behind an internal load balancer; the gateway, cache and monitoring on a control host.
  "aws-ec2": (name, plan, secrets) => {
    const ec2 = new AwsEc2Layer(name, { plan, secrets });
    return {
      ...common(ec2),
      targetOutputs: {
        gatewayPortForwardCommand: ec2.gatewayPortForwardCommand,
        ...(ec2.grafanaPortForwardCommand
          ? { grafanaPortForwardCommand: ec2.grafanaPortForwardCommand }
          : {}),
      },
    };
  },
};

/** Places a plan of any target with its target's deploy function. */
export function deployPlan(name: string, plan: Plan, secrets: LayerSecrets): DeployedLayer {
  // The entry is looked up by the plan's own kind, so it always takes this plan; TypeScript cannot follow that
  // correlation through the index, hence the one widening here.
  const deploy = LAYER_DEPLOYERS[plan.target.kind] as unknown as Deploy<TargetKind>;
  return deploy(name, plan, secrets);
}
