import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { LAYER_SECRETS } from "../../components/plan/secrets";
import { SECURE_PLACEHOLDER } from "../../components/spec/secretConfig";

export { SECURE_PLACEHOLDER };

/** Config of one stack as the Pulumi runtime holds it: `ns:key` → string (objects JSON-encoded). */
export interface StackConfig {
  readonly values: Record<string, string>;
  /** Keys whose value is a `secure:` ciphertext (opaque offline). */
  readonly secretKeys: string[];
}

function isSecure(v: unknown): v is { secure: string } {
  return (
    typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && "secure" in v
  );
}

function replaceSecure(v: unknown): { value: unknown; secret: boolean } {
  if (isSecure(v)) return { value: SECURE_PLACEHOLDER, secret: true };
  if (Array.isArray(v)) {
    const items = v.map(replaceSecure);
    return { value: items.map((i) => i.value), secret: items.some((i) => i.secret) };
  }
  if (typeof v === "object" && v !== null) {
    const entries = Object.entries(v).map(([k, x]) => [k, replaceSecure(x)] as const);
    return {
      value: Object.fromEntries(entries.map(([k, x]) => [k, x.value])),
      secret: entries.some(([, x]) => x.secret),
    };
  }
  return { value: v, secret: false };
}

/** Parses a Pulumi.<stack>.yaml text; `secure:` values (top-level or nested) become opaque secrets. */
/** A stack file that cannot be read as Pulumi stack config. */
export class StackFileError extends Error {}

export function parseStackFile(text: string, source = "stack file"): StackConfig {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new StackFileError(`${source}: not valid YAML: ${(e as Error).message.split("\n")[0]}`);
  }
  const config = (doc as { config?: unknown } | null)?.config;
  if (config === undefined || config === null) return { values: {}, secretKeys: [] };
  if (typeof config !== "object" || Array.isArray(config))
    throw new StackFileError(`${source}: "config" must be a map of keys`);
  const values: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, raw] of Object.entries(config)) {
    const { value, secret } = replaceSecure(raw);
    const fullKey = key.includes(":") ? key : `ai-layer:${key}`;
    values[fullKey] = typeof value === "string" ? value : JSON.stringify(value);
    if (secret) secretKeys.push(fullKey);
  }
  return { values, secretKeys };
}

export function readStackFile(path: string): StackConfig {
  return parseStackFile(readFileSync(path, "utf8"), path);
}

/**
 * The secret keys (`ai-layer:<key>` of LAYER_SECRETS) the stack file sets in plain text instead of `secure:`
 * ciphertext: names only, never values. The offline plan hands them to the secret-config-encrypted policy.
 */
export function plaintextSecretKeys(config: StackConfig): string[] {
  return LAYER_SECRETS.map((s) => `ai-layer:${s.configKey}`).filter(
    (k) => Object.hasOwn(config.values, k) && !config.secretKeys.includes(k),
  );
}
