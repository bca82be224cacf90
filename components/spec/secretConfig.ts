import { LayerConfigError, type ConfigProblem } from "./errors";

/**
 * Checks of the top-level secret config keys (`ai-layer:<key>`), run where their values are readable: the
 * offline plan reads plain values from the stack file (a `secure:` value stays this placeholder, unreadable), and
 * the program under `pulumi up` reads the values the engine decrypted. Pure.
 */

/** Stands in for a `secure:` value offline: the plan cannot decrypt it, and it must never look like a real secret. */
export const SECURE_PLACEHOLDER = "secure-config-value-not-decrypted-offline";

/**
 * Master keys LiteLLM refuses to boot with: LiteLLM (v1.104+, the pinned gateway image) stops at startup when the
 * master key is unset, empty after strip(), or publicly known. Source: BerriAI/litellm
 * litellm/proxy/auth/master_key_boot_check.py (`_unsafe_reason`, PUBLICLY_KNOWN_MASTER_KEYS = {"sk-1234"}), from
 * PR #42019 "refuse to start with an unset, empty, or publicly known master key" (merged 2026-09-19).
 */
export const PUBLICLY_KNOWN_MASTER_KEYS: readonly string[] = ["sk-1234"];

const GENERATE = "pulumi config set --secret ai-layer:gatewayMasterKey sk-$(openssl rand -hex 32)";

/**
 * Why `key` cannot be the gateway's master key, or undefined. Refused at boot by LiteLLM: empty (after strip) and
 * publicly known keys (above). Refused here as well: a key without the `sk-` prefix. That one is LiteLLM's
 * documented format (config reference: `general_settings.master_key` "must start with sk-"), which this project's
 * generated keys and docs follow; LiteLLM's auth compares the master key before it asserts `sk-` on virtual keys
 * (litellm/proxy/auth/user_api_key_auth.py), so it is a format rule, not a boot refusal.
 */
export function masterKeyProblem(key: string): string | undefined {
  const stripped = key.trim();
  if (!stripped)
    return `is empty; LiteLLM refuses to start with an empty master key. Set one (${GENERATE}) or unset the key to have the stack generate one`;
  if (PUBLICLY_KNOWN_MASTER_KEYS.includes(stripped))
    return `is the publicly known example key; LiteLLM refuses to start with it. Set a strong random key (${GENERATE}) or unset it to have the stack generate one`;
  if (!stripped.startsWith("sk-"))
    return `must start with "sk-" (LiteLLM's master key format). Set one (${GENERATE}) or unset it to have the stack generate one`;
  return undefined;
}

/**
 * The prefix Modal gives each part of a proxy auth token, by config key. modal 1.6.4 modal/cli/workspace.py
 * PROXY_TOKENS_HELP_TEXT: "Proxy tokens and secrets have `wk-` and `ws-` prefixes, respectively. They cannot be
 * interchanged with API tokens (which use `ak-` and `as-` prefixes)."
 */
const MODAL_PROXY_TOKEN_PREFIX: Readonly<Record<string, string>> = {
  "ai-layer:modalProxyTokenId": "wk-",
  "ai-layer:modalProxyTokenSecret": "ws-",
};

/** Why `value` cannot be the Modal proxy token part stored under `key`, or undefined. Never quotes the value. */
export function modalProxyTokenProblem(key: string, value: string): string | undefined {
  const prefix = MODAL_PROXY_TOKEN_PREFIX[key];
  if (prefix === undefined || value.trim().startsWith(prefix)) return undefined;
  const apiToken = /^a[ks]-/.test(value.trim())
    ? " It looks like a Modal API token (ak-/as-, the one `modal deploy` uses), which Modal's proxy does not accept."
    : "";
  return (
    `must start with "${prefix}" (a Modal proxy auth token, sent as ${prefix === "wk-" ? "Modal-Key" : "Modal-Secret"}).${apiToken} ` +
    `Create one with \`modal workspace proxy-tokens create --name ai-layer\` and run: pulumi config set --secret ${key} ${prefix}…`
  );
}

/**
 * Throws a LayerConfigError when a readable secret config value would be refused at run time. `values` is the
 * runtime config (`ai-layer:<key>` → value); SECURE_PLACEHOLDER (offline, `secure:`) is unreadable and passes.
 */
export function checkSecretConfig(values: Readonly<Record<string, string | undefined>>): void {
  const problems: ConfigProblem[] = [];
  const key = "ai-layer:gatewayMasterKey";
  const masterKey = Object.hasOwn(values, key) ? values[key] : undefined;
  if (masterKey !== undefined && masterKey !== SECURE_PLACEHOLDER) {
    const problem = masterKeyProblem(masterKey);
    if (problem) problems.push({ path: key, message: problem });
  }
  for (const proxyKey of Object.keys(MODAL_PROXY_TOKEN_PREFIX)) {
    const value = Object.hasOwn(values, proxyKey) ? values[proxyKey] : undefined;
    if (value === undefined || value === SECURE_PLACEHOLDER) continue;
    const problem = modalProxyTokenProblem(proxyKey, value);
    if (problem) problems.push({ path: proxyKey, message: problem });
  }
  if (problems.length) throw new LayerConfigError(problems, "Invalid ai-layer secret config");
}

/**
 * Why a Docker host URL carries credentials, or undefined. `ssh://` authenticates with your SSH keys or agent and
 * `tcp://` with TLS client certificates (DOCKER_CERT_PATH); a password in the URL would sit in the stack file and
 * in Pulumi state in clear.
 */
export function hostCredentialsProblem(host: string): string | undefined {
  const m = /^([a-z]+):\/\/([^/@]*)@/.exec(host);
  if (!m) return undefined;
  const [, scheme, userinfo] = m;
  if (userinfo!.includes(":"))
    return `must not hold credentials (user:password@): ${scheme} authenticates with ${scheme === "ssh" ? "your SSH keys or agent (ssh://user@host)" : "TLS client certificates (DOCKER_CERT_PATH)"}`;
  if (scheme !== "ssh")
    return `must not hold credentials (${userinfo}@): ${scheme}:// takes no user; authenticate with TLS client certificates (DOCKER_CERT_PATH)`;
  return undefined;
}
