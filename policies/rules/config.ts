import { STACK_TYPE } from "./stack";
import { stackRule } from "./types";

/**
 * Secret config keys set in plain text in the stack file. The offline plan (`npm run plan`) reads the stack file
 * and puts the key names (never the values) on the root stack resource as `plaintextSecretConfig`. The CrossGuard
 * engine hands a pack no stack config, so under `pulumi preview --policy-pack` this rule finds nothing: CI runs
 * `npm run plan` on every PR, which is where it applies.
 */
export const secretConfigEncrypted = stackRule({
  name: "secret-config-encrypted",
  description:
    "Secret config keys (ai-layer:gatewayMasterKey, ai-layer:hfToken, … — LAYER_SECRETS) are `secure:` values in " +
    "the stack file, never plain text that lands in git. Checked by the offline plan, which reads the stack file.",
  severity: "high",
  enforcementLevel: "advisory",
  remediation:
    "Run `pulumi config set --secret ai-layer:<key> <value>` (the stack file then holds `secure:` ciphertext), " +
    "rotate the value that was in clear, and remove it from the repository's history.",
  defaults: {},
  check(resources) {
    const stack = resources.find((r) => r.type === STACK_TYPE);
    const keys = stack?.props.plaintextSecretConfig;
    if (!Array.isArray(keys)) return [];
    return keys
      .filter((k): k is string => typeof k === "string")
      .map((k) => ({
        message: `${k} is set in plain text in the stack file`,
        ...(stack?.name ? { resource: stack.name } : {}),
        ...(stack?.urn ? { urn: stack.urn } : {}),
      }));
  },
});
