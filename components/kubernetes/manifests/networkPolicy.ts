import {
  CLUSTER_RANGES,
  PRIVATE_RANGES,
  type Flow,
  type FlowPeer,
  type LayerWorkload,
} from "../networkFlows";
import { labels, type KubeContext, type KubeObject } from "./common";

/**
 * NetworkPolicies rendered from the layer's flows (networkFlows.ts): in each namespace the layer owns, a default
 * deny of all ingress and egress, then one policy per workload allowing exactly its flows in and out. Semantics
 * follow kubernetes docs concepts/services-networking/network-policies.md: policies are additive allow-lists; a pod
 * selected by a policy with a policyType accepts only what some policy allows; peers in one `from`/`to` entry with
 * both namespaceSelector and podSelector mean "these pods in those namespaces"; `kubernetes.io/metadata.name` is the
 * namespace label the API server sets; traffic from the pod's own node (kubelet probes) is always allowed.
 */

/** Name of the default-deny policy of each namespace. */
export const DEFAULT_DENY_POLICY = "default-deny";

const namespaceSelector = (namespace: string) => ({
  matchLabels: { "kubernetes.io/metadata.name": namespace },
});

const sameWorkload = (a: FlowPeer, b: LayerWorkload) =>
  a.kind === "workload" && a.namespace === b.namespace && a.name === b.name;

/**
 * The NetworkPolicy peer of a flow's other end, seen from a policy in `namespace`; undefined for `anywhere`
 * (the rule then names no peer, which allows every source or destination).
 */
function policyPeer(peer: FlowPeer, namespace: string): object | undefined {
  switch (peer.kind) {
    case "workload":
      return {
        ...(peer.namespace === namespace ? {} : { namespaceSelector: namespaceSelector(peer.namespace) }),
        podSelector: { matchLabels: { ...peer.podLabels } },
      };
    case "namespace":
      return { namespaceSelector: namespaceSelector(peer.namespace) };
    case "cluster":
      return { namespaceSelector: {} };
    case "anywhere":
      return undefined;
    case "internet":
      return { ipBlock: { cidr: "0.0.0.0/0", except: [...PRIVATE_RANGES] } };
    case "private":
      throw new Error("private ranges take one peer each (rulePeers)");
    case "kube-dns":
      return {
        namespaceSelector: namespaceSelector("kube-system"),
        podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
      };
  }
}

/** The peers of one rule: one entry per private range, none for `anywhere`, else the one peer. */
function rulePeers(peer: FlowPeer, namespace: string): object[] | undefined {
  if (peer.kind === "private") return CLUSTER_RANGES.map((cidr) => ({ ipBlock: { cidr } }));
  const one = policyPeer(peer, namespace);
  return one ? [one] : undefined;
}

function rule(direction: "from" | "to", peer: FlowPeer, f: Flow, namespace: string) {
  const peers = rulePeers(peer, namespace);
  return { ...(peers ? { [direction]: peers } : {}), ports: [{ protocol: f.protocol, port: f.port }] };
}

/** A namespace's default deny: every pod selected, no rule, so nothing enters or leaves unless allowed. */
export function defaultDenyPolicy(ctx: KubeContext, namespace: string): KubeObject {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: {
      name: DEFAULT_DENY_POLICY,
      namespace,
      labels: labels(ctx, "network-policy", DEFAULT_DENY_POLICY),
    },
    spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
  };
}

/** The policy of one workload: ingress from every flow that ends at it, egress to every flow it opens. */
export function workloadPolicy(
  ctx: KubeContext,
  workload: LayerWorkload,
  flows: readonly Flow[],
): KubeObject {
  const ns = workload.namespace;
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: workload.name, namespace: ns, labels: labels(ctx, "network-policy", workload.name) },
    spec: {
      podSelector: { matchLabels: { ...workload.podLabels } },
      policyTypes: ["Ingress", "Egress"],
      ingress: flows.filter((f) => sameWorkload(f.to, workload)).map((f) => rule("from", f.from, f, ns)),
      egress: flows.filter((f) => sameWorkload(f.from, workload)).map((f) => rule("to", f.to, f, ns)),
    },
  };
}

/** Every NetworkPolicy of the layer: a default deny per namespace of `workloads`, then one per workload. */
export function networkPolicies(
  ctx: KubeContext,
  workloads: readonly LayerWorkload[],
  flows: readonly Flow[],
): KubeObject[] {
  const namespaces = [...new Set(workloads.map((w) => w.namespace))];
  return [
    ...namespaces.map((ns) => defaultDenyPolicy(ctx, ns)),
    ...workloads.map((w) => workloadPolicy(ctx, w, flows)),
  ];
}
