import { DOCKER_CONTAINER, asArray, commandLine, isObject, kubeContainers, kubeKind } from "./inspect";
import { SECRET_MASK, resourceRule } from "./types";

/** Well-known credential formats. */
export const SECRET_PATTERNS: readonly { name: string; re: RegExp }[] = [
  { name: "an OpenAI/Anthropic-style key (sk-…)", re: /\bsk-[A-Za-z0-9_-]{20,}/ },
  { name: "a Hugging Face token (hf_…)", re: /\bhf_[A-Za-z0-9]{30,}/ },
  { name: "an AWS access key id (AKIA…)", re: /\b(AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { name: "a GitHub token (ghp_…)", re: /\bgh[pousr]_[A-Za-z0-9]{36,}/ },
  { name: "a Slack token (xox…)", re: /\bxox[abprs]-[A-Za-z0-9-]{10,}/ },
  { name: "a private key", re: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
  { name: "credentials in a URL", re: /[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:[^/\s@]+@/i },
];

const SECRET_PARTS = new Set([
  "password",
  "passwd",
  "passphrase",
  "secret",
  "token",
  "credential",
  "credentials",
  "apikey",
  "privatekey",
  "requirepass",
  "masterauth",
]);
/** Last words that make a name point at a secret or describe it, rather than hold it. */
const POINTER_PARTS = new Set([
  "file",
  "path",
  "dir",
  "ref",
  "id",
  "name",
  "ttl",
  "length",
  "size",
  "count",
  "type",
]);

/**
 * Whether a name holds a credential: *_KEY, *PASSWORD*, *TOKEN*, *SECRET* and kin, judged per word
 * (`max_input_tokens`, `TOKENIZER_MODE`, `credentials_file` and `HF_TOKEN_PATH` do not).
 */
export function isSecretName(name: string): boolean {
  const parts = name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  const last = parts[parts.length - 1];
  if (!last || POINTER_PARTS.has(last)) return false;
  return last === "key" || parts.some((p) => SECRET_PARTS.has(p));
}

/** A value that is a reference to a secret, not the secret: env refs, files, templating, empty. */
export function isReference(value: string): boolean {
  const v = value.trim().replace(/^["']|["']$/g, "");
  return (
    v === "" ||
    v === "null" ||
    v === "~" ||
    /^(true|false)$/i.test(v) ||
    /^os\.environ\//.test(v) ||
    /^\$[{(A-Za-z_]/.test(v) ||
    /^\{\{.*\}\}$/.test(v) ||
    v.startsWith("/") ||
    /^secrets?\//.test(v) ||
    /^(env|file|vault|arn):/.test(v)
  );
}

export function patternHit(text: string): string | undefined {
  return SECRET_PATTERNS.find((p) => p.re.test(text))?.name;
}

/** Problems in a text file (config, script, user data): credential patterns and `key: literal` lines. */
export function scanText(text: string, where: string): string[] {
  if (text === SECRET_MASK) return [`${where} holds a secret value`];
  const out: string[] = [];
  const hit = patternHit(text);
  if (hit) out.push(`${where} contains ${hit}`);
  const lines = text.split("\n");
  lines.forEach((line, i) => {
    if (/^\s*(#|\/\/)/.test(line)) return;
    const kv =
      /^\s*(?:export\s+)?["']?([A-Za-z][\w.-]*)["']?\s*[:=]\s*("[^"]*"|'[^']*'|[^\s#,]+)/.exec(line) ??
      /^\s*(requirepass|masterauth)\s+(\S+)/.exec(line);
    if (!kv) return;
    const [, key, value] = kv;
    if (isSecretName(key!) && !isReference(value!))
      out.push(`${where} line ${i + 1} sets ${key} to a literal`);
  });
  return out;
}

/** An EC2 instance's or launch template's user data as text (launch templates carry it base64-encoded). */
export function userDataText(props: Record<string, any>): string {
  const raw = props.userData ?? props.userDataBase64;
  if (typeof raw !== "string") return "";
  const compact = raw.replace(/\s/g, "");
  const looksBase64 = props.userDataBase64 !== undefined || /^[A-Za-z0-9+/]+={0,2}$/.test(compact);
  if (looksBase64 && compact.length % 4 === 0 && compact.length >= 8) {
    const decoded = Buffer.from(compact, "base64").toString("utf8");
    if (/^[\x09\x0a\x0d\x20-\x7e\u00a0-\uffff]*$/.test(decoded)) return decoded;
  }
  return raw;
}

function envProblem(name: string, value: string, where: string): string | undefined {
  if (value === SECRET_MASK) return `${where} env ${name} holds a secret as a plain value`;
  const hit = patternHit(value);
  if (hit) return `${where} env ${name} contains ${hit}`;
  if (isSecretName(name) && !isReference(value)) return `${where} env ${name} is set to a literal`;
  return undefined;
}

export const noPlaintextSecrets = resourceRule({
  name: "no-plaintext-secrets",
  description:
    "No credential sits in clear where it is readable without the secret store: Kubernetes env values (use " +
    "valueFrom.secretKeyRef), ConfigMaps, Docker labels and uploaded files, plain Docker env lists, and EC2 user " +
    "data. Flags names like *_KEY/*PASSWORD*/*TOKEN*/*SECRET* with a literal value and patterns like sk-…, hf_…, AKIA….",
  severity: "critical",
  enforcementLevel: "mandatory",
  remediation:
    "Keep the value in a Pulumi secret (pulumi config set --secret …) and pass it via a Kubernetes Secret + " +
    "secretKeyRef, or a Docker env built from secrets (the whole env list is then secret); reference it in config " +
    "files as os.environ/NAME; fetch it at boot (SSM/Secrets Manager) instead of writing it into user data.",
  defaults: { allowNames: [] as string[] },
  configSchema: {
    properties: {
      allowNames: {
        type: "array",
        items: { type: "string" },
        default: [],
        description: "Env/config names that look secret but are not (e.g. TOKENIZER_MODE)",
      },
    },
  },
  check(type, props, { config, secretsMasked }) {
    const allowed = (name: string) => config.allowNames.includes(name);
    const out: string[] = [];
    const kind = kubeKind(type);
    for (const c of kubeContainers(type, props)) {
      for (const e of asArray(c.spec.env).filter(isObject)) {
        if (typeof e.value !== "string" || allowed(String(e.name))) continue;
        const p = envProblem(String(e.name), e.value, `container ${c.name}`);
        if (p) out.push(p);
      }
      const hit = patternHit(asArray(c.spec.args).concat(asArray(c.spec.command)).join(" "));
      if (hit) out.push(`container ${c.name} command line contains ${hit}`);
    }
    if (kind === "ConfigMap" && type.startsWith("kubernetes:core/")) {
      for (const [key, value] of Object.entries({ ...(props.data ?? {}), ...(props.binaryData ?? {}) })) {
        if (typeof value !== "string") continue;
        if (isSecretName(key) && !isReference(value) && !allowed(key))
          out.push(`ConfigMap key ${key} holds a credential`);
        else out.push(...scanText(value, `ConfigMap key ${key}`));
      }
    }
    if (type === DOCKER_CONTAINER) {
      for (const l of asArray(props.labels).filter(isObject))
        if (typeof l.value === "string" && (l.value === SECRET_MASK || patternHit(l.value)))
          out.push(`label ${l.label} holds a credential`);
      for (const u of asArray(props.uploads).filter(isObject))
        if (typeof u.content === "string") out.push(...scanText(u.content, `uploaded file ${u.file}`));
      // A masked list is a Pulumi secret as a whole (the Docker provider has no per-variable secrets). In the
      // pack, secrets arrive unmasked, so a generated key and a literal look alike: only the plan checks envs.
      const envs = secretsMasked && Array.isArray(props.envs) ? props.envs : [];
      for (const entry of envs) {
        if (typeof entry !== "string") continue;
        const eq = entry.indexOf("=");
        const name = eq < 0 ? entry : entry.slice(0, eq);
        const p = allowed(name)
          ? undefined
          : envProblem(name, eq < 0 ? "" : entry.slice(eq + 1), "container");
        if (p) out.push(p);
      }
      const hit = patternHit(commandLine(props.entrypoints, props.command));
      if (hit) out.push(`container command line contains ${hit}`);
    }
    if (type === "aws:ec2/instance:Instance" || type === "aws:ec2/launchTemplate:LaunchTemplate") {
      const text = userDataText(props);
      if (text) out.push(...scanText(text, "user data"));
    }
    return out;
  },
});
