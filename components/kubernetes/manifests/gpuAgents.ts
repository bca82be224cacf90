import { dcgmExporterNamespace, type Plan } from "../../plan";
import { DCGM_EXPORTER_COMPONENT, DCGM_EXPORTER_PORT } from "../../render";
import { GPU_TAINT, labels, meta, selector, type KubeContext, type KubeObject } from "./common";

/** Namespace of the NVIDIA device plugin (NVIDIA's static manifest; a node agent, not part of the layer). */
export const DEVICE_PLUGIN_NAMESPACE = "kube-system";
/** DaemonSet name from NVIDIA/k8s-device-plugin deployments/static/nvidia-device-plugin.yml @v0.20.0. */
export const DEVICE_PLUGIN_NAME = "nvidia-device-plugin-daemonset";

/** Schedule only on nodes carrying the GPU label (whatever its value), the label node provisioning sets. */
export function gpuNodeAffinity(ctx: KubeContext) {
  return {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: [{ key: ctx.gpuNodeLabel, operator: "Exists" }] }],
      },
    },
  };
}

/** Tolerates the GPU taint whatever its value (NVIDIA's manifests use operator Exists). */
export const GPU_TOLERATION = { key: GPU_TAINT.key, operator: "Exists", effect: GPU_TAINT.effect } as const;

/**
 * The DCGM exporter as a DaemonSet on GPU nodes, in its own namespace (dcgmExporterNamespace): it runs as root with
 * SYS_ADMIN and a hostPath, which only the `privileged` Pod Security level admits, so the layer's namespace can
 * enforce `restricted`. Prometheus discovers it there (job `dcgm`, pod label app.kubernetes.io/name=dcgm-exporter,
 * port 9400) through dcgmScrapeAccess. Follows NVIDIA/dcgm-exporter dcgm-exporter.yaml and deployment/ (helm)
 * @d5e5f510: the image's entrypoint already loads the default counters.
 */
export function dcgmExporterManifests(ctx: KubeContext, plan: Plan): KubeObject[] {
  const name = DCGM_EXPORTER_COMPONENT;
  const m = meta({ ...ctx, namespace: dcgmExporterNamespace(ctx.namespace) }, name, DCGM_EXPORTER_COMPONENT);
  const port = DCGM_EXPORTER_PORT;
  // helm values.yaml: /health on the metrics port, initialDelaySeconds 45 (DCGM takes a while to attach).
  const probe = { httpGet: { path: "/health", port }, initialDelaySeconds: 45, periodSeconds: 5 };
  return [
    {
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: m,
      spec: {
        selector: { matchLabels: selector(DCGM_EXPORTER_COMPONENT, name) },
        updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
        template: {
          metadata: { labels: m.labels },
          spec: {
            // Pod labels are not mapped (no API access needed), as in NVIDIA's static manifest.
            automountServiceAccountToken: false,
            affinity: gpuNodeAffinity(ctx),
            tolerations: [GPU_TOLERATION],
            containers: [
              {
                name: "exporter",
                image: plan.images.dcgmExporter,
                env: [
                  { name: "DCGM_EXPORTER_LISTEN", value: `:${port}` },
                  // Adds pod/namespace/container of the pod holding each GPU, read from the kubelet's
                  // pod-resources socket mounted below.
                  { name: "DCGM_EXPORTER_KUBERNETES", value: "true" },
                  { name: "NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
                ],
                ports: [{ name: "metrics", containerPort: port, protocol: "TCP" }],
                // Upstream's securityContext: root with SYS_ADMIN only, needed for the DCGM_FI_PROF_* counters.
                securityContext: {
                  runAsNonRoot: false,
                  runAsUser: 0,
                  capabilities: { add: ["SYS_ADMIN"], drop: ["ALL"] },
                  allowPrivilegeEscalation: false,
                },
                readinessProbe: probe,
                livenessProbe: probe,
                // helm values.yaml resources.
                resources: {
                  requests: { cpu: "100m", memory: "128Mi" },
                  limits: { cpu: "200m", memory: "512Mi" },
                },
                volumeMounts: [
                  { name: "pod-gpu-resources", mountPath: "/var/lib/kubelet/pod-resources", readOnly: true },
                ],
              },
            ],
            volumes: [{ name: "pod-gpu-resources", hostPath: { path: "/var/lib/kubelet/pod-resources" } }],
          },
        },
      },
    },
  ];
}

/**
 * A Role and RoleBinding in the DCGM exporter's namespace letting the layer's Prometheus (ServiceAccount
 * `prometheus` of the layer namespace) list and watch the pods its `dcgm` job discovers there (role pod).
 */
export function dcgmScrapeAccess(ctx: KubeContext, prometheusAccount: string): KubeObject[] {
  const m = meta(
    { ...ctx, namespace: dcgmExporterNamespace(ctx.namespace) },
    `${prometheusAccount}-discovery`,
    "prometheus",
  );
  return [
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: m,
      rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] }],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: m,
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: m.name },
      subjects: [{ kind: "ServiceAccount", name: prometheusAccount, namespace: ctx.namespace }],
    },
  ];
}

/**
 * The NVIDIA device plugin DaemonSet, following NVIDIA/k8s-device-plugin deployments/static/nvidia-device-plugin.yml
 * @v0.20.0 (kube-system, system-node-critical, the kubelet's device-plugins dir), restricted to GPU nodes.
 * It advertises `nvidia.com/gpu` so vLLM pods can request GPUs. Install only where the node image lacks it
 * (AL2023 NVIDIA needs it; Bottlerocket NVIDIA and EKS Auto Mode include it; runtime-facts.md §E).
 */
export function nvidiaDevicePluginManifests(ctx: KubeContext, plan: Plan): KubeObject[] {
  const component = "nvidia-device-plugin";
  return [
    {
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: {
        name: DEVICE_PLUGIN_NAME,
        namespace: DEVICE_PLUGIN_NAMESPACE,
        labels: labels(ctx, component, DEVICE_PLUGIN_NAME),
      },
      spec: {
        selector: { matchLabels: selector(component, DEVICE_PLUGIN_NAME) },
        updateStrategy: { type: "RollingUpdate" },
        template: {
          metadata: { labels: labels(ctx, component, DEVICE_PLUGIN_NAME) },
          spec: {
            // A critical node add-on: without it no GPU pod schedules (upstream comment on priorityClassName).
            priorityClassName: "system-node-critical",
            automountServiceAccountToken: false,
            affinity: gpuNodeAffinity(ctx),
            tolerations: [GPU_TOLERATION],
            containers: [
              {
                name: "nvidia-device-plugin-ctr",
                image: plan.images.nvidiaDevicePlugin,
                securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
                // Not in the static manifest; a small agent (gRPC over a unix socket, no HTTP to probe).
                resources: {
                  requests: { cpu: "50m", memory: "64Mi" },
                  limits: { cpu: "200m", memory: "256Mi" },
                },
                volumeMounts: [
                  { name: "kubelet-device-plugins-dir", mountPath: "/var/lib/kubelet/device-plugins" },
                ],
              },
            ],
            volumes: [
              {
                name: "kubelet-device-plugins-dir",
                hostPath: { path: "/var/lib/kubelet/device-plugins", type: "Directory" },
              },
            ],
          },
        },
      },
    },
  ];
}
