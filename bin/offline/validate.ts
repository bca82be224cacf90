import { LAYER_SECRETS, plan, type Plan } from "../../components/plan";
import { parseLayerSpec } from "../../components/spec";
import { checkSecretConfig } from "../../components/spec/secretConfig";
import { decodeConfigValue } from "../../stacks/config";
import type { StackConfig } from "./stackFile";

/**
 * Parses and plans a stack's config without Pulumi, exactly as the program will: throws LayerConfigError on any
 * problem (a secret given in plain text is checked too). The CLIs call it first so a bad config fails before anything runs.
 */
export function validateStackConfig(stack: string, config: StackConfig): Plan {
  checkSecretConfig(config.values);
  const spec = parseLayerSpec(decodeConfigValue(config.values["ai-layer:layer"]));
  return plan(spec, {
    stack,
    providedSecrets: new Set(
      LAYER_SECRETS.map((s) => s.configKey).filter((k) => `ai-layer:${k}` in config.values),
    ),
  });
}
