import type { ServiceDescription } from "../../render";

/**
 * Plain Kubernetes objects (apiVersion/kind/metadata/spec as the API takes them), built by pure functions so
 * they are tested and schema-validated without Pulumi; the components in ../ only hand them to the provider.
 */
export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [key: string]: unknown;
};

/** What every manifest builder needs to know about where it lands. */
export interface KubeContext {
  /** Namespace of the layer. */
  readonly namespace: string;
  /** Stack name, for labels. */
  readonly stack: string;
  /** Node label whose value is the GPU type (shared with node provisioning). */
  readonly gpuNodeLabel: string;
  /** StorageClass for volumes; the cluster default when unset. */
  readonly storageClass?: string;
  /** Secret the pods read layer secrets from (keys are config keys). Default LAYER_SECRET_NAME. */
  readonly secretName?: string;
}

/** The Secret holding every layer secret; keys are the `ai-layer:<configKey>` names. */
export const LAYER_SECRET_NAME = "ai-layer-secrets";

/** Taint GPU nodes carry (NVIDIA's convention; the aws target applies the same). */
export const GPU_TAINT = { key: "nvidia.com/gpu", effect: "NoSchedule" } as const;

/** Recommended labels (app.kubernetes.io/*) plus the stack, for selectors and dashboards. */
export function labels(ctx: KubeContext, component: string, instance: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": component,
    "app.kubernetes.io/instance": instance,
    "app.kubernetes.io/part-of": "ai-layer",
    "app.kubernetes.io/managed-by": "pulumi",
    "ai-layer.dev/stack": ctx.stack,
  };
}

/** The subset of labels that selects pods (stable across config changes). */
export function selector(component: string, instance: string): Record<string, string> {
  return { "app.kubernetes.io/name": component, "app.kubernetes.io/instance": instance };
}

export function meta(ctx: KubeContext, name: string, component: string, instance = name) {
  return { name, namespace: ctx.namespace, labels: labels(ctx, component, instance) };
}

/** A service description's env as a container's: plain values, and secrets read from the layer Secret by config key. */
export function serviceEnv(service: ServiceDescription, secretName = LAYER_SECRET_NAME) {
  return service.env.map((e) => {
    if ("value" in e) return { name: e.name, value: e.value };
    if ("secret" in e) return secretEnv(e.name, e.secret, false, secretName);
    throw new Error(`${service.id}: ${e.name} (${e.deployTime}) has no value on Kubernetes`);
  });
}

/** A memory quantity from MiB, as the API server prints it back (`2Gi`, `352Mi`), so a read shows no diff. */
export const memoryQuantity = (mib: number) => (mib % 1024 === 0 ? `${mib / 1024}Gi` : `${mib}Mi`);

/** An env var read from the layer Secret. */
export function secretEnv(name: string, key: string, optional = false, secretName = LAYER_SECRET_NAME) {
  return {
    name,
    valueFrom: { secretKeyRef: { name: secretName, key, ...(optional ? { optional: true } : {}) } },
  };
}

/** Deployment strategy that never drops serving capacity: surge one new pod, take none away before it is ready. */
export const SURGE_ROLLOUT = {
  type: "RollingUpdate",
  rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
} as const;

export function podDisruptionBudget(
  ctx: KubeContext,
  name: string,
  component: string,
  instance: string,
): KubeObject {
  return {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: meta(ctx, name, component, instance),
    // maxUnavailable 1 lets a node drain proceed one pod at a time; with one replica the drain evicts it
    // (minAvailable 1 would block every drain forever).
    spec: { maxUnavailable: 1, selector: { matchLabels: selector(component, instance) } },
  };
}

export function clusterIpService(
  ctx: KubeContext,
  name: string,
  component: string,
  instance: string,
  port: number,
): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: meta(ctx, name, component, instance),
    spec: {
      type: "ClusterIP",
      selector: selector(component, instance),
      ports: [{ name: "http", port, targetPort: port, protocol: "TCP" }],
    },
  };
}

/** The same Service as a LoadBalancer reachable only from `sourceRanges` (none listed: open — policies refuse it). */
export function withLoadBalancer(service: KubeObject, sourceRanges: readonly string[]): KubeObject {
  return {
    ...service,
    spec: {
      ...(service.spec as object),
      type: "LoadBalancer",
      ...(sourceRanges.length ? { loadBalancerSourceRanges: [...sourceRanges] } : {}),
    },
  };
}
