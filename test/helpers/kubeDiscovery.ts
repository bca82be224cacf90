import type { KubeObject } from "../../components/kubernetes/manifests/common";

/**
 * A small model of Prometheus' Kubernetes discovery and relabelling, to check that a rendered prometheus.yml
 * finds the layer's real manifests: the meta labels follow the prometheus docs (kubernetes_sd_config roles
 * endpoints and pod), relabelling follows relabel_config (keep / replace; regex anchored; `;` separator).
 */
export type Labels = Record<string, string>;

/** A relabel_config entry as rendered. */
export interface Relabel {
  source_labels?: string[];
  separator?: string;
  regex?: string;
  action?: string;
  target_label?: string;
  replacement?: string;
}

/** Applies relabel rules as Prometheus does (keep / replace, anchored regex, `;` separator); null = dropped. */
export function relabel(input: Labels, rules: readonly Relabel[]): Labels | null {
  const labels = { ...input };
  for (const r of rules) {
    const value = (r.source_labels ?? []).map((n) => labels[n] ?? "").join(r.separator ?? ";");
    const match = new RegExp(`^(?:${r.regex ?? "(.*)"})$`).exec(value);
    const action = r.action ?? "replace";
    if (action === "keep") {
      if (!match) return null;
    } else if (action === "replace") {
      if (!match) continue;
      const v = (r.replacement ?? "$1").replace(/\$\{?(\d+)\}?/g, (_, i: string) => match[Number(i)] ?? "");
      if (v === "") delete labels[r.target_label!];
      else labels[r.target_label!] = v;
    } else throw new Error(`relabel action ${action} not simulated`);
  }
  return Object.fromEntries(
    Object.entries(labels).filter(([k]) => k === "__address__" || !k.startsWith("__")),
  );
}

const sanitize = (l: string) => l.replace(/[^a-zA-Z0-9_]/g, "_");
const metaLabels = (kind: "pod" | "service", labels: Labels = {}) =>
  Object.fromEntries(
    Object.entries(labels).map(([k, v]) => [`__meta_kubernetes_${kind}_label_${sanitize(k)}`, v]),
  );

interface PodSpecLike {
  nodeName?: string;
  containers: { ports?: { name?: string; containerPort: number }[] }[];
}
/** One pod per workload in namespace `ns` (IP 10.0.0.<n>), as kubernetes SD would see it. */
function podsOf(objects: readonly KubeObject[], ns: string) {
  const workloads = objects.filter(
    (o) => ["Deployment", "DaemonSet", "StatefulSet"].includes(o.kind) && o.metadata.namespace === ns,
  );
  return workloads.map((w, i) => {
    const template = (w.spec as { template: { metadata: { labels: Labels }; spec: PodSpecLike } }).template;
    return {
      name: `${w.metadata.name}-0`,
      ip: `10.0.0.${i + 1}`,
      labels: template.metadata.labels,
      spec: template.spec,
    };
  });
}

/** Targets of role `endpoints`: every Service port × every pod its selector picks. */
export function endpointsTargets(objects: readonly KubeObject[], ns: string): Labels[] {
  const pods = podsOf(objects, ns);
  const services = objects.filter((o) => o.kind === "Service" && o.metadata.namespace === ns);
  return services.flatMap((svc) => {
    const spec = svc.spec as {
      selector: Labels;
      ports: { name?: string; port: number; targetPort?: number | string }[];
    };
    const picked = pods.filter((p) => Object.entries(spec.selector).every(([k, v]) => p.labels[k] === v));
    return picked.flatMap((pod) =>
      spec.ports.map((port) => {
        const target = port.targetPort ?? port.port;
        const number =
          typeof target === "number"
            ? target
            : pod.spec.containers.flatMap((c) => c.ports ?? []).find((p) => p.name === target)!.containerPort;
        return {
          __address__: `${pod.ip}:${number}`,
          __meta_kubernetes_namespace: ns,
          __meta_kubernetes_service_name: svc.metadata.name,
          __meta_kubernetes_pod_name: pod.name,
          __meta_kubernetes_endpoint_port_name: port.name ?? "",
          ...metaLabels("service", svc.metadata.labels),
          ...metaLabels("pod", pod.labels),
        };
      }),
    );
  });
}

/** Targets of role `pod`: one per declared container port (one port-less target for a container without). */
export function podTargets(objects: readonly KubeObject[], ns: string): Labels[] {
  return podsOf(objects, ns).flatMap((pod) =>
    pod.spec.containers.flatMap((c) =>
      (c.ports?.length ? c.ports : [undefined]).map((p) => ({
        __address__: p ? `${pod.ip}:${p.containerPort}` : pod.ip,
        __meta_kubernetes_namespace: ns,
        __meta_kubernetes_pod_name: pod.name,
        __meta_kubernetes_pod_node_name: "gpu-node-1",
        ...(p ? { __meta_kubernetes_pod_container_port_number: String(p.containerPort) } : {}),
        ...metaLabels("pod", pod.labels),
      })),
    ),
  );
}
