import { isIP } from "node:net";
import ipaddr from "ipaddr.js";
import {
  dcgmExporterNamespace,
  isCloud,
  isRemote,
  isVllm,
  runsRedis,
  VLLM_PORT,
  vllmResourceName,
  type ClusterPlan,
} from "../plan";
import { DCGM_EXPORTER_COMPONENT, DCGM_EXPORTER_PORT, needsAlertmanager } from "../render";
import { selector } from "./manifests/common";

/**
 * The network flows the layer needs on a cluster, as data: who opens a connection to whom, on which port. The
 * NetworkPolicies (manifests/networkPolicy.ts) are rendered from this list and nothing else, so a flow missing here
 * is a connection the cluster refuses.
 */

/** The pods of one of the layer's workloads (a Deployment or DaemonSet), by the labels its selector matches. */
export interface LayerWorkload {
  readonly kind: "workload";
  /** The Deployment's or DaemonSet's name. */
  readonly name: string;
  readonly namespace: string;
  /** Pod labels that select exactly its pods (app.kubernetes.io/name and /instance). */
  readonly podLabels: Readonly<Record<string, string>>;
}

/** One end of a flow that is not a layer workload. */
export type OutsidePeer =
  /** Every pod of a namespace (KEDA's operator and metrics server, in `keda`). */
  | { readonly kind: "namespace"; readonly namespace: string }
  /** Every pod of the cluster (a team's Prometheus whose namespace the config does not name). */
  | { readonly kind: "cluster" }
  /** Any address, inside the cluster or not (clients of the gateway; a Redis outside the namespace). */
  | { readonly kind: "anywhere" }
  /** Public addresses only: everything but the private, shared and link-local ranges (PRIVATE_RANGES). */
  | { readonly kind: "internet" }
  /** Private addresses only (CLUSTER_RANGES, not link-local): the Kubernetes API server's endpoints. */
  | { readonly kind: "private" }
  /** The cluster DNS: pods labelled k8s-app=kube-dns in kube-system. */
  | { readonly kind: "kube-dns" };

export type FlowPeer = LayerWorkload | OutsidePeer;

/** One allowed connection: `from` opens it to `to` on `port`. */
export interface Flow {
  readonly from: FlowPeer;
  readonly to: FlowPeer;
  readonly port: number;
  readonly protocol: "TCP" | "UDP";
  /** Why the layer needs it, for reading the policies. */
  readonly purpose: string;
}

/**
 * Addresses that are not the public internet (RFC 1918 private, RFC 6598 shared — some CNIs number pods from it —
 * and link-local, which holds the cloud metadata service 169.254.169.254). Egress to "internet" excludes them, so a
 * pod allowed out for downloads reaches no cluster, VPC or metadata address through that rule.
 */
export const PRIVATE_RANGES = [
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "100.64.0.0/10",
  "169.254.0.0/16",
] as const;

/** Where a cluster's own hosts live: PRIVATE_RANGES without link-local (the metadata service is not one of them). */
export const CLUSTER_RANGES = PRIVATE_RANGES.filter((r) => r !== "169.254.0.0/16");

/** Ports of the Kubernetes API server: 443 (managed control planes such as EKS), 6443 (kubeadm's default). */
export const KUBE_API_PORTS = [443, 6443] as const;

/** Port a remote API's base URL is reached on: its explicit port, else 443 for https (the default) and 80 for http. */
function apiPort(apiBase: string | undefined): number {
  if (!apiBase) return 443;
  const url = new URL(apiBase);
  return url.port ? Number(url.port) : url.protocol === "http:" ? 80 : 443;
}

/**
 * Whether a remote API's base URL points inside the cluster or the private network (an openai-compatible vLLM/TGI
 * on `*.svc`, `*.cluster.local`, a `*.internal` VPC name, a single-label name, or a private address): the gateway
 * reaches it on private addresses, which the "internet" peer excludes. A public name that resolves to a private
 * address is not visible here; such an endpoint needs an IP or an internal name in `apiBase`.
 */
export function apiInsideNetwork(apiBase: string | undefined): boolean {
  if (!apiBase) return false;
  const host = new URL(apiBase).hostname.replace(/^\[|\]$/g, "");
  if (!host.includes(".") || /\.(svc|cluster\.local|internal|local)$/.test(host)) return true;
  if (!isIP(host)) return false;
  // ipaddr.js ranges: RFC 1918 "private", RFC 6598 "carrierGradeNat" (CLUSTER_RANGES), IPv6 "uniqueLocal".
  return ["private", "carrierGradeNat", "uniqueLocal"].includes(ipaddr.parse(host).range());
}

const serviceName = (host: string) => host.split(".")[0]!;

function workload(namespace: string, component: string, name: string): LayerWorkload {
  return { kind: "workload", name, namespace, podLabels: selector(component, name) };
}

/** Every workload the layer runs for this plan, with the namespace it runs in (mirrors kubernetesObjects). */
export function layerWorkloads(plan: ClusterPlan) {
  const ns = plan.target.namespace;
  const s = plan.services;
  const hasVllm = plan.models.some(isVllm);
  const ownPrometheus = plan.monitoring.enabled && !plan.monitoring.existingPrometheus;
  // kubernetesObjects runs the DCGM exporter for its own Prometheus and for a team's (existingPrometheus).
  const anyPrometheus = ownPrometheus || !!plan.monitoring.existingPrometheus;
  return {
    gateway: workload(ns, "litellm", serviceName(s.gateway.host)),
    vllm: plan.models
      .filter(isVllm)
      .flatMap((m) => m.tracks.map((t) => workload(ns, "vllm", vllmResourceName(t.id)))),
    redis: runsRedis(plan) ? workload(ns, "redis", serviceName(s.redis.host)) : undefined,
    redisExporter: plan.cache.enabled
      ? workload(ns, "redis-exporter", serviceName(s.redisExporter.host))
      : undefined,
    prometheus: ownPrometheus ? workload(ns, "prometheus", serviceName(s.prometheus.host)) : undefined,
    grafana: ownPrometheus ? workload(ns, "grafana", serviceName(s.grafana.host)) : undefined,
    alertmanager:
      plan.monitoring.enabled && needsAlertmanager(plan)
        ? workload(ns, "alertmanager", serviceName(s.alertmanager.host))
        : undefined,
    dcgmExporter:
      hasVllm && !plan.target.clusterHas.dcgmExporter && anyPrometheus
        ? workload(dcgmExporterNamespace(ns), DCGM_EXPORTER_COMPONENT, DCGM_EXPORTER_COMPONENT)
        : undefined,
  };
}

/** The workloads as a list (the ones this plan runs). */
export const layerWorkloadList = (plan: ClusterPlan): LayerWorkload[] =>
  Object.values(layerWorkloads(plan))
    .flat()
    .filter((w): w is LayerWorkload => w !== undefined);

/**
 * Every flow the layer needs, derived from the plan:
 * - clients → gateway (from anywhere: it authenticates every request with the master key) and → Grafana (admin
 *   password; reached by port-forward or a Service a team adds);
 * - gateway → each vLLM track, → Redis, → remote APIs and GPU clouds on the internet;
 * - Redis exporter → Redis; Prometheus → gateway, vLLM, exporters, Alertmanager and the API server (discovery);
 * - Grafana → Prometheus; KEDA (every pod of target.kedaNamespace) → Prometheus (ScaledObject queries);
 * - vLLM → the internet on 443 (Hugging Face weights); Alertmanager → the internet on 443 (Slack, PagerDuty);
 * - every workload that connects anywhere → the cluster DNS.
 * With `monitoring.existingPrometheus` the team's Prometheus may sit in any namespace: the metrics ports accept
 * scrapes from every pod of the cluster (the peer `cluster`), never from outside it.
 */
export function layerFlows(plan: ClusterPlan): Flow[] {
  const w = layerWorkloads(plan);
  const s = plan.services;
  const flows: Flow[] = [];
  const add = (
    from: FlowPeer,
    to: FlowPeer,
    port: number,
    purpose: string,
    protocol: Flow["protocol"] = "TCP",
  ) => flows.push({ from, to, port, protocol, purpose });
  const scraper: FlowPeer | undefined =
    w.prometheus ?? (plan.monitoring.enabled ? { kind: "cluster" } : undefined);

  add(
    { kind: "anywhere" },
    w.gateway,
    s.gateway.port,
    "clients call the gateway (master key or virtual keys)",
  );
  for (const v of w.vllm) add(w.gateway, v, VLLM_PORT, "the gateway routes requests to vLLM");
  if (w.redis) add(w.gateway, w.redis, s.redis.port, "the gateway's response cache and router state");
  else if (plan.cache.enabled)
    add(w.gateway, { kind: "anywhere" }, s.redis.port, "the gateway's Redis outside the namespace");
  if (w.redis && plan.target.cache.expose === "load-balancer")
    add(
      { kind: "anywhere" },
      w.redis,
      s.redis.port,
      "apps outside the cluster (the load balancer limits sources)",
    );
  const apis = [...plan.models.filter(isRemote), ...plan.models.filter(isCloud)].map((m) => ({
    port: apiPort(m.apiBase),
    inside: apiInsideNetwork(m.apiBase),
  }));
  const portsOf = (inside: boolean) =>
    [...new Set(apis.filter((a) => a.inside === inside).map((a) => a.port))].sort((a, b) => a - b);
  for (const port of portsOf(false))
    add(w.gateway, { kind: "internet" }, port, "the gateway calls remote APIs and GPU-cloud endpoints");
  for (const port of portsOf(true))
    add(
      w.gateway,
      { kind: "private" },
      port,
      "the gateway calls a model endpoint inside the cluster or the VPC",
    );
  for (const v of w.vllm) add(v, { kind: "internet" }, 443, "vLLM downloads weights from Hugging Face");

  if (w.redisExporter) {
    add(w.redisExporter, w.redis ?? { kind: "anywhere" }, s.redis.port, "the exporter reads Redis INFO");
    if (scraper) add(scraper, w.redisExporter, s.redisExporter.port, "Prometheus scrapes the Redis exporter");
  }
  if (scraper) {
    add(scraper, w.gateway, s.gateway.port, "Prometheus scrapes the gateway's /metrics/");
    for (const v of w.vllm) add(scraper, v, VLLM_PORT, "Prometheus scrapes vLLM's /metrics");
    if (w.dcgmExporter) add(scraper, w.dcgmExporter, DCGM_EXPORTER_PORT, "Prometheus scrapes GPU metrics");
    if (w.alertmanager) add(scraper, w.alertmanager, s.alertmanager.port, "Prometheus sends alerts");
  }
  if (w.prometheus) {
    for (const port of KUBE_API_PORTS)
      add(w.prometheus, { kind: "private" }, port, "Prometheus discovers targets through the Kubernetes API");
    if (w.grafana) add(w.grafana, w.prometheus, s.prometheus.port, "Grafana queries Prometheus");
    if (w.vllm.length)
      add(
        { kind: "namespace", namespace: plan.target.kedaNamespace },
        w.prometheus,
        s.prometheus.port,
        "KEDA reads queue depth",
      );
  }
  if (w.grafana) add({ kind: "anywhere" }, w.grafana, s.grafana.port, "people open Grafana (admin password)");
  if (w.alertmanager)
    add(w.alertmanager, { kind: "internet" }, 443, "Alertmanager posts to Slack and PagerDuty");

  // DNS for every workload that opens a connection (by name: Service names, Hugging Face, provider APIs).
  const clients = new Map<string, LayerWorkload>();
  for (const f of flows)
    if (f.from.kind === "workload") clients.set(`${f.from.namespace}/${f.from.name}`, f.from);
  for (const c of clients.values())
    for (const protocol of ["UDP", "TCP"] as const)
      add(c, { kind: "kube-dns" }, 53, "name lookups", protocol);
  return flows;
}
