import { isIP } from "node:net";
import { LayerConfigError } from "./errors";

/**
 * Names the platforms would refuse, checked against their own grammars before anything is created. Pure.
 *
 * Kubernetes: k8s.io/apimachinery/pkg/util/validation/validation.go — IsQualifiedName (label keys: optional
 * DNS-1123 subdomain prefix ≤ 253 + "/" + name ≤ 63 matching qualifiedNameFmt), IsValidLabelValue (≤ 63,
 * labelValueFmt = "(" + qualifiedNameFmt + ")?") and IsDNS1123Subdomain (≤ 253, dns1123SubdomainFmt), which
 * StorageClass names must satisfy (ValidateClassName = NameIsDNSSubdomain).
 */

// qualifiedNameFmt = "(" + qnameCharFmt + qnameExtCharFmt + "*)?" + qnameCharFmt
const QUALIFIED_NAME = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
// dns1123LabelFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"; dns1123SubdomainFmt = label + "(\\." + label + ")*"
const DNS1123_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_SUBDOMAIN = `${DNS1123_LABEL}(\\.${DNS1123_LABEL})*`;

const full = (re: string) => new RegExp(`^(?:${re})$`);

/** A label value: empty, or ≤ 63 characters, alphanumeric at both ends, `-_.` and alphanumerics between. */
export function isLabelValue(value: string): boolean {
  return value.length <= 63 && full(`(${QUALIFIED_NAME})?`).test(value);
}

/** A DNS-1123 subdomain: ≤ 253 characters, lowercase alphanumerics, `-` and `.`, alphanumeric at both ends. */
export function isDnsSubdomain(value: string): boolean {
  return value.length >= 1 && value.length <= 253 && full(DNS1123_SUBDOMAIN).test(value);
}

/** Why `key` is not a label key (`[prefix/]name`), or undefined when it is. */
export function labelKeyProblem(key: string): string | undefined {
  const parts = key.split("/");
  if (parts.length > 2) return "has more than one /";
  const name = parts[parts.length - 1]!;
  if (parts.length === 2 && !isDnsSubdomain(parts[0]!))
    return `prefix "${parts[0]}" is not a DNS subdomain (lowercase letters, digits, - and ., at most 253 characters)`;
  if (name.length === 0 || name.length > 63 || !full(QUALIFIED_NAME).test(name))
    return `name "${name}" must be 1–63 characters: letters, digits, -, _ and ., starting and ending with a letter or digit`;
  return undefined;
}

/**
 * The stack name is the value of the `ai-layer.dev/stack` label on every Kubernetes object and AWS resource
 * the layer creates, and part of names like `ai-layer-<stack>-<model>`; Pulumi allows stack names (up to 100
 * characters, leading `_`, `.` or `-`) that Kubernetes refuses as label values. Throws a LayerConfigError.
 */
export function checkStackName(stack: string): void {
  if (stack.length > 0 && isLabelValue(stack)) return;
  throw new LayerConfigError([
    {
      path: "stack",
      message:
        `"${stack}" cannot be the value of the ai-layer.dev/stack label (a Kubernetes label value: at most 63 ` +
        `characters, letters, digits, -, _ and ., starting and ending with a letter or digit); ` +
        `rename the stack (pulumi stack rename) or pick such a name`,
    },
  ]);
}

/** An IPv4 or IPv6 address (node:net isIP): what Docker's port publishing takes as the host IP. */
export const isIpAddress = (value: string): boolean => isIP(value) !== 0;

/*
 * Image references: github.com/distribution/reference regexp.go (v0.6), the grammar Docker and containerd
 * parse. reference := name [ ":" tag ] [ "@" digest ]; name := [domain "/"] path-component ("/" path-component)*;
 * path-component := [a-z0-9]+ (separator [a-z0-9]+)*, separator := [._] | "__" | "-"+; domain := host [":" port],
 * host := domain-name (("." domain-name)*) | "[" ipv6 "]"; tag := [\w][\w.-]{0,127}. Digests: only
 * sha256:<64 lowercase hex> (the algorithm registries and the Docker daemon verify). A name is ≤ 255 characters
 * (NameTotalLengthMax).
 */
const ALPHANUMERIC = "[a-z0-9]+";
const SEPARATOR = "(?:[._]|__|[-]+)";
const PATH_COMPONENT = `${ALPHANUMERIC}(?:${SEPARATOR}${ALPHANUMERIC})*`;
const DOMAIN_NAME_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const HOST = `(?:${DOMAIN_NAME_COMPONENT}(?:\\.${DOMAIN_NAME_COMPONENT})*|\\[(?:[a-fA-F0-9:]+)\\])`;
const DOMAIN_AND_PORT = `${HOST}(?::[0-9]+)?`;
const NAME = `(?:${DOMAIN_AND_PORT}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const REFERENCE = new RegExp(`^(${NAME})(?::([\\w][\\w.-]{0,127}))?(?:@(sha256:[0-9a-f]{64}))?$`);

/** Why `ref` is not an image reference, or undefined when it is. */
export function imageReferenceProblem(ref: string): string | undefined {
  const m = REFERENCE.exec(ref);
  if (m && m[1]!.length <= 255) return undefined;
  return (
    `"${ref}" is not a valid image reference: [registry[:port]/]path[:tag][@sha256:<64 hex>], path in lowercase ` +
    `letters, digits and . _ - separators, tag of letters, digits, _ . - (e.g. vllm/vllm-openai:v0.25.1)`
  );
}
