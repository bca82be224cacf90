/**
 * Reading the stack's config value, with no Pulumi import: the plan CLI validates a config with it before it
 * loads the program and the provider SDKs (a bad config is reported in a fraction of a second).
 */

/**
 * A config value as the runtime stores it (objects JSON-encoded) back to data. A value that is not JSON stays
 * a string, so the schema reports "expected an object, got the string …" at `layer` instead of a JSON error.
 */
export function decodeConfigValue(value: string | undefined): unknown {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
