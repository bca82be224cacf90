import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { LayerSecretKey, SecretNeed } from "../plan";

export type LayerSecrets = Partial<Record<LayerSecretKey, pulumi.Input<string>>>;

/**
 * Every secret the plan needs, as a secret Output: the configured value, or one generated with
 * @pulumi/random. `pulumi.secret` is applied here on purpose: RandomPassword marks `result` secret through
 * additionalSecretOutputs, which only the real engine enforces (pulumi-practices.md §1.2), and the gateway
 * master key must start with `sk-` (LiteLLM general_settings.master_key).
 */
export function resolveSecrets(
  name: string,
  needs: readonly SecretNeed[],
  provided: LayerSecrets,
  parent: pulumi.Resource,
): Record<LayerSecretKey, pulumi.Output<string>> {
  const out: Partial<Record<LayerSecretKey, pulumi.Output<string>>> = {};
  for (const need of needs) {
    const key = need.configKey as LayerSecretKey;
    const given = provided[key];
    if (given !== undefined) {
      out[key] = pulumi.secret(pulumi.output(given));
      continue;
    }
    if (!need.generated) {
      // The plan only asks for user-supplied secrets it saw in config; reaching here is a wiring bug.
      throw new Error(`secret ai-layer:${key} is required but was not passed to the component`);
    }
    const generated = new random.RandomPassword(`${name}-${key}`, { length: 40, special: false }, { parent });
    out[key] = pulumi.secret(
      key === "gatewayMasterKey" ? pulumi.interpolate`sk-${generated.result}` : generated.result,
    );
  }
  return out as Record<LayerSecretKey, pulumi.Output<string>>;
}
