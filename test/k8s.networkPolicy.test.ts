// Network isolation on the kubernetes target. For each cluster plan, the connections the layer needs are derived
// here from the plan (independently of components/kubernetes/networkFlows.ts), and every connection between the
// layer's pods, other pods of the cluster and outside addresses is put to the rendered NetworkPolicies through a
// model of their semantics (helpers/kubeNetworkPolicy.ts): exactly the expected ones may happen.
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../components/kubernetes/manifests/common";
import { DEFAULT_DENY_POLICY } from "../components/kubernetes/manifests/networkPolicy";
import { runsRedis, type ClusterPlan } from "../components/plan";
import { CLUSTER_PLANS } from "./helpers/kubeClusterPlans";
import { layerObjects, type Json } from "./helpers/kubeLayer";
import { connectionAllowed, inCidr, type Endpoint } from "./helpers/kubeNetworkPolicy";

type Proto = "TCP" | "UDP";
const key = (from: string, to: string, port: number, proto: Proto) => `${from} -> ${to}:${port}/${proto}`;

/** Addresses outside the cluster: a client, a public API, the cloud metadata service, a host in the VPC. */
const OUTSIDE: Endpoint[] = [
  { kind: "ip", name: "client", ip: "203.0.113.7" },
  { kind: "ip", name: "public-api", ip: "104.16.0.1" },
  { kind: "ip", name: "metadata", ip: "169.254.169.254" },
  { kind: "ip", name: "vpc-host", ip: "10.20.30.40" },
];
const OUTSIDE_PORTS = [80, 443, 6379, 6443];
type OtherPod = Endpoint & { ports: [number, Proto][] };
/** Pods of the cluster that are not the layer's, with the ports they listen on; KEDA in the plan's namespace for it. */
const otherPodsOf = (plan: ClusterPlan): OtherPod[] => [
  {
    kind: "pod",
    name: "keda-operator",
    namespace: plan.target.kedaNamespace,
    labels: { app: "keda-operator" },
    ip: "10.1.0.1",
    ports: [[8080, "TCP"]],
  },
  {
    kind: "pod",
    name: "intruder",
    namespace: "default",
    labels: { app: "intruder" },
    ip: "10.1.0.2",
    ports: [[8080, "TCP"]],
  },
  {
    kind: "pod",
    name: "team-prometheus",
    namespace: "monitoring",
    labels: { app: "prometheus" },
    ip: "10.1.0.3",
    ports: [[9090, "TCP"]],
  },
  {
    kind: "pod",
    name: "kube-dns",
    namespace: "kube-system",
    labels: { "k8s-app": "kube-dns" },
    ip: "10.1.0.4",
    ports: [
      [53, "UDP"],
      [53, "TCP"],
    ],
  },
];
const RFC1918_AND_SPECIAL = [
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "100.64.0.0/10",
  "169.254.0.0/16",
];
const isPublic = (ip: string) => !RFC1918_AND_SPECIAL.some((c) => inCidr(ip, c));
const isClusterPrivate = (ip: string) => RFC1918_AND_SPECIAL.slice(0, 4).some((c) => inCidr(ip, c));

const WORKLOADS = ["Deployment", "DaemonSet"];
const nameOf = (host: string) => host.split(".")[0]!;

/** The layer's pods: one per workload, with its template labels, container ports and an IP in 10.0.0.0/24. */
function layerPods(objects: readonly KubeObject[], namespaces: Set<string>) {
  return objects
    .filter((o) => WORKLOADS.includes(o.kind) && namespaces.has(o.metadata.namespace!))
    .map((o, i) => {
      const t = (o as Json).spec.template;
      return {
        kind: "pod" as const,
        name: o.metadata.name,
        namespace: o.metadata.namespace!,
        labels: t.metadata.labels as Record<string, string>,
        ip: `10.0.0.${i + 1}`,
        ports: t.spec.containers.flatMap((c: Json) =>
          (c.ports ?? []).map((p: Json) => [p.containerPort, p.protocol ?? "TCP"]),
        ) as [number, Proto][],
      };
    });
}

/** The connections the plan needs, by endpoint name (see the file comment). */
function expectedConnections(
  plan: ClusterPlan,
  pods: ReturnType<typeof layerPods>,
  OTHER_PODS: readonly OtherPod[],
): Set<string> {
  const s = plan.services;
  const has = (name: string) => pods.some((p) => p.name === name);
  const gw = nameOf(s.gateway.host);
  const vllm = pods.filter((p) => p.labels["app.kubernetes.io/name"] === "vllm").map((p) => p.name);
  const redis = runsRedis(plan) ? nameOf(s.redis.host) : undefined;
  const exporter = plan.cache.enabled ? nameOf(s.redisExporter.host) : undefined;
  const ownPrometheus = plan.monitoring.enabled && !plan.monitoring.existingPrometheus;
  const prometheus = ownPrometheus ? nameOf(s.prometheus.host) : undefined;
  const grafana = ownPrometheus ? nameOf(s.grafana.host) : undefined;
  const alertmanager = has(nameOf(s.alertmanager.host)) ? nameOf(s.alertmanager.host) : undefined;
  const dcgm = has("dcgm-exporter") ? "dcgm-exporter" : undefined;
  // Clients of the gateway and Grafana: every pod outside the layer and every outside address. The layer's own pods
  // reach only what they need (their egress is restricted too).
  const otherPods = OTHER_PODS.map((p) => p.name);
  const everyone = [...otherPods, ...OUTSIDE.map((o) => o.name)];
  // A team's Prometheus may sit anywhere in the cluster: every pod outside the layer may scrape (the layer's own
  // pods reach only what they need); no outside address may.
  const scrapers = prometheus ? [prometheus] : plan.monitoring.existingPrometheus ? otherPods : [];

  const out = new Set<string>();
  const allow = (froms: string[], to: string | undefined, port: number, proto: Proto = "TCP") => {
    if (to) for (const f of froms) if (f !== to) out.add(key(f, to, port, proto));
  };
  allow([...everyone, ...scrapers], gw, s.gateway.port);
  allow(everyone, grafana, s.grafana.port);
  if (redis && plan.target.cache.expose === "load-balancer") allow(everyone, redis, s.redis.port);
  for (const v of vllm) allow([gw, ...scrapers], v, 8000);
  allow([gw, ...(exporter ? [exporter] : [])], redis, s.redis.port);
  allow(scrapers, exporter, s.redisExporter.port);
  allow(scrapers, dcgm, 9400);
  allow(scrapers, alertmanager, s.alertmanager.port);
  allow(grafana ? [grafana] : [], prometheus, s.prometheus.port);
  if (vllm.length) allow(["keda-operator"], prometheus, s.prometheus.port);
  // Name lookups for every layer pod that connects to anything.
  const clients = [gw, ...vllm, exporter, prometheus, grafana, alertmanager].filter((x): x is string => !!x);
  for (const c of clients)
    for (const proto of ["UDP", "TCP"] as const) out.add(key(c, "kube-dns", 53, proto));
  // Outside addresses.
  const remote = plan.models.some(
    (m) => m.runtime === "remote" || m.runtime === "runpod" || m.runtime === "modal",
  );
  for (const o of OUTSIDE) {
    if (isPublic(o.ip)) {
      if (remote) out.add(key(gw, o.name, 443, "TCP"));
      for (const v of vllm) out.add(key(v, o.name, 443, "TCP"));
      if (alertmanager) out.add(key(alertmanager, o.name, 443, "TCP"));
    }
    if (prometheus && isClusterPrivate(o.ip))
      for (const p of [443, 6443]) out.add(key(prometheus, o.name, p, "TCP"));
    if (plan.cache.enabled && !redis)
      for (const c of [gw, exporter!]) out.add(key(c, o.name, s.redis.port, "TCP"));
  }
  return out;
}

describe.each(CLUSTER_PLANS)("%s", (_name, makeIt) => {
  const plan = makeIt();
  const objects = layerObjects(plan);
  const policies = objects.filter((o) => o.kind === "NetworkPolicy");
  const layerNamespaces = new Set(objects.filter((o) => o.kind === "Namespace").map((o) => o.metadata.name));
  const pods = layerPods(objects, layerNamespaces);
  const OTHER_PODS = otherPodsOf(plan);
  const expected = expectedConnections(plan, pods, OTHER_PODS);
  const sources: Endpoint[] = [...pods, ...OTHER_PODS, ...OUTSIDE];
  const targets = [
    ...pods.map((p) => ({ end: p as Endpoint, ports: p.ports })),
    ...OTHER_PODS.map((p) => ({ end: p as Endpoint, ports: p.ports })),
    ...OUTSIDE.map((o) => ({ end: o, ports: OUTSIDE_PORTS.map((p) => [p, "TCP"] as [number, Proto]) })),
  ];
  const inLayer = (e: Endpoint) => e.kind === "pod" && layerNamespaces.has(e.namespace);

  it("every namespace the layer owns denies all ingress and egress by default", () => {
    expect(layerNamespaces.size).toBeGreaterThan(0);
    for (const ns of layerNamespaces) {
      const deny = policies.find(
        (p) => p.metadata.namespace === ns && p.metadata.name === DEFAULT_DENY_POLICY,
      ) as Json;
      expect(deny?.spec, ns).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    }
  });

  it("allows exactly the connections the plan needs, to, from and between the layer's pods", () => {
    const wrong: string[] = [];
    let allowedCount = 0;
    for (const from of sources)
      for (const { end: to, ports } of targets) {
        if (from.name === to.name || !(inLayer(from) || inLayer(to))) continue;
        for (const [port, proto] of ports) {
          const k = key(from.name, to.name, port, proto);
          const actual = connectionAllowed(policies, from, to, port, proto);
          if (actual) allowedCount++;
          if (actual !== expected.has(k))
            wrong.push(`${actual ? "allowed" : "denied"} but ${actual ? "not needed" : "needed"}: ${k}`);
        }
      }
    expect(wrong).toEqual([]);
    expect(allowedCount).toBe(expected.size);
  });

  it("the Redis exporter (it holds the Redis password) accepts no one but the scraper and reaches nothing but Redis and DNS", () => {
    const exporter = pods.find((p) => p.labels["app.kubernetes.io/name"] === "redis-exporter");
    if (!exporter) return expect(plan.cache.enabled).toBe(false);
    const outsiders = [
      ...OTHER_PODS.filter((p) => p.name === "intruder" || p.name === "keda-operator"),
      ...OUTSIDE,
    ];
    const scrapeFromOutsiders = outsiders.filter((o) =>
      connectionAllowed(policies, o, exporter, plan.services.redisExporter.port),
    );
    // Only a team's Prometheus (existingPrometheus) is trusted anywhere in the cluster; never an outside address.
    expect(scrapeFromOutsiders.filter((o) => o.kind === "ip")).toEqual([]);
    if (!plan.monitoring.existingPrometheus) expect(scrapeFromOutsiders).toEqual([]);
    const reachable = OUTSIDE.filter((o) =>
      [80, 443].some((port) => connectionAllowed(policies, exporter, o, port)),
    );
    expect(reachable).toEqual([]);
  });
});
