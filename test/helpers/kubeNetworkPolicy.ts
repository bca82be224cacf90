import type { KubeObject } from "../../components/kubernetes/manifests/common";

/**
 * A small model of how a cluster enforces NetworkPolicies (networking.k8s.io/v1), to ask of rendered policies
 * "may this connection happen?". Semantics from kubernetes docs concepts/services-networking/network-policies.md:
 * - a pod is isolated for ingress (egress) when some policy in its namespace selects it with that policyType; an
 *   isolated pod accepts only connections some selecting policy's rule allows; a non-isolated one accepts all;
 * - a connection needs both the source's egress and the destination's ingress to allow it;
 * - a rule without `from`/`to` allows every peer, without `ports` every port; an entry with podSelector and
 *   namespaceSelector means those pods in those namespaces, podSelector alone the policy's own namespace,
 *   namespaceSelector `{}` every namespace; ipBlock matches addresses (pods too, by their IP) in cidr minus except.
 * Traffic from a pod's own node (probes) is always allowed and not modelled here.
 */

/** A pod: namespace, labels and an IP; or an address outside the cluster. */
export type Endpoint =
  | {
      readonly kind: "pod";
      readonly name: string;
      readonly namespace: string;
      readonly labels: Record<string, string>;
      readonly ip: string;
    }
  | { readonly kind: "ip"; readonly name: string; readonly ip: string };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const ipToInt = (ip: string) => ip.split(".").reduce((n, o) => n * 256 + Number(o), 0);
/** Whether IPv4 `ip` lies in `cidr`. */
export function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split("/");
  const size = 2 ** (32 - Number(bits));
  const start = Math.floor(ipToInt(base!) / size) * size;
  return ipToInt(ip) >= start && ipToInt(ip) < start + size;
}

function matchLabels(selector: Json, labels: Record<string, string>): boolean {
  if (selector.matchExpressions) throw new Error("matchExpressions not simulated");
  return Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
}

/** Namespace labels as the API server sets them: kubernetes.io/metadata.name = the name. */
const namespaceLabels = (ns: string) => ({ "kubernetes.io/metadata.name": ns });

function peerMatches(peer: Json, policyNamespace: string, other: Endpoint): boolean {
  if (peer.ipBlock) {
    return (
      inCidr(other.ip, peer.ipBlock.cidr) &&
      !(peer.ipBlock.except ?? []).some((c: string) => inCidr(other.ip, c))
    );
  }
  if (other.kind !== "pod") return false;
  const nsOk = peer.namespaceSelector
    ? matchLabels(peer.namespaceSelector, namespaceLabels(other.namespace))
    : other.namespace === policyNamespace;
  const podOk = peer.podSelector ? matchLabels(peer.podSelector, other.labels) : true;
  return nsOk && podOk;
}

function ruleAllows(
  rule: Json,
  direction: "from" | "to",
  policyNamespace: string,
  other: Endpoint,
  port: number,
  protocol: string,
) {
  const portOk =
    !rule.ports?.length ||
    rule.ports.some(
      (p: Json) => (p.protocol ?? "TCP") === protocol && (p.port === undefined || p.port === port),
    );
  if (typeof rule.ports?.[0]?.port === "string") throw new Error("named ports not simulated");
  const peers = rule[direction];
  const peerOk = !peers?.length || peers.some((p: Json) => peerMatches(p, policyNamespace, other));
  return portOk && peerOk;
}

/** Whether `pod`'s side lets the connection through, in `type` (Ingress: `other` connects to it; Egress: it to `other`). */
function sideAllows(
  policies: readonly KubeObject[],
  pod: Endpoint,
  type: "Ingress" | "Egress",
  other: Endpoint,
  port: number,
  protocol: string,
) {
  if (pod.kind !== "pod") return true;
  const selecting = policies.filter(
    (p) =>
      p.metadata.namespace === pod.namespace &&
      matchLabels((p as Json).spec.podSelector, pod.labels) &&
      ((p as Json).spec.policyTypes ?? ["Ingress"]).includes(type),
  );
  if (selecting.length === 0) return true;
  const [rulesKey, direction] =
    type === "Ingress" ? (["ingress", "from"] as const) : (["egress", "to"] as const);
  return selecting.some((p) =>
    ((p as Json).spec[rulesKey] ?? []).some((r: Json) =>
      ruleAllows(r, direction, pod.namespace, other, port, protocol),
    ),
  );
}

/** Whether the policies let `from` open a connection to `to` on `port`/`protocol`. */
export function connectionAllowed(
  policies: readonly KubeObject[],
  from: Endpoint,
  to: Endpoint,
  port: number,
  protocol: "TCP" | "UDP" = "TCP",
): boolean {
  const nps = policies.filter((p) => p.kind === "NetworkPolicy");
  return (
    sideAllows(nps, from, "Egress", to, port, protocol) &&
    sideAllows(nps, to, "Ingress", from, port, protocol)
  );
}
