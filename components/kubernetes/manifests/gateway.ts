import { createHash } from "node:crypto";
import { posix } from "node:path";
import type { Plan } from "../../plan";
import { describeGateway } from "../../render";
import {
  clusterIpService,
  withLoadBalancer,
  memoryQuantity,
  meta,
  podDisruptionBudget,
  serviceEnv,
  selector,
  SURGE_ROLLOUT,
  type KubeContext,
  type KubeObject,
} from "./common";
import {
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
  scratchVolume,
} from "./podSecurity";

const COMPONENT = "litellm";
export const GATEWAY_CONFIG_MAP = "litellm-config";

/** Exposure of the gateway outside the cluster (from the kubernetes target). */
export interface GatewayExposure {
  readonly expose: "cluster" | "load-balancer";
  readonly sourceRanges: readonly string[];
}

/**
 * The gateway runs as a non-root user with a read-only root filesystem, its writable paths on emptyDirs, as LiteLLM's
 * production guide sets it up (BerriAI/litellm docs/my-website/docs/proxy/prod.md, "Read-only File System":
 * LITELLM_MIGRATION_DIR, PRISMA_BINARY_CACHE_DIR and XDG_CACHE_HOME on writable volumes; the image's Admin UI under
 * /var/lib/litellm/ui is pre-restructured, so it is only read). 65532 is the `nonroot` user of the Chainguard
 * python base recent BerriAI/litellm Dockerfiles build on (LITELLM_RUNTIME_IMAGE cgr.dev/chainguard/python; the
 * v1.104.9 Dockerfile itself was not read here). No passwd entry is needed: HOME and the caches are set below.
 */
export const GATEWAY_UID = 65532;
const GATEWAY_SCRATCH = [
  scratchVolume("tmp", "/tmp", "256Mi"),
  scratchVolume("cache", "/app/cache", "512Mi"),
  scratchVolume("migrations", "/app/migrations", "64Mi"),
];
const GATEWAY_WRITABLE_ENV = [
  { name: "HOME", value: "/tmp" },
  { name: "XDG_CACHE_HOME", value: "/app/cache" },
  { name: "PRISMA_BINARY_CACHE_DIR", value: "/app/cache/prisma-python/binaries" },
  { name: "LITELLM_MIGRATION_DIR", value: "/app/migrations" },
];

/** sha256 of the config, as a pod annotation: a config change changes the template and rolls the pods. */
export const configChecksum = (config: string) => createHash("sha256").update(config).digest("hex");

/** The LiteLLM gateway: its config, Deployment, Service, CPU autoscaler and disruption budget. */
export function gatewayManifests(
  ctx: KubeContext,
  plan: Plan,
  configText: string,
  exposure: GatewayExposure,
): KubeObject[] {
  const name = plan.services.gateway.host.split(".")[0]!;
  const port = plan.services.gateway.port;
  const { min, max } = plan.gateway.replicas;
  // The same image, args, env and config path as on every target (describeGateway).
  const service = describeGateway(plan);
  const config = service.files.find((f) => f.key === "litellmConfig")!;
  const configDir = posix.dirname(config.mountPath);
  const probe = (path: string) => ({
    httpGet: { path, port: "http" },
    periodSeconds: 15,
    timeoutSeconds: 10,
    failureThreshold: 3,
  });
  const objects: KubeObject[] = [
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: meta(ctx, GATEWAY_CONFIG_MAP, COMPONENT, name),
      data: { [posix.basename(config.mountPath)]: configText },
    },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: meta(ctx, name, COMPONENT),
      spec: {
        replicas: min,
        selector: { matchLabels: selector(COMPONENT, name) },
        strategy: SURGE_ROLLOUT,
        template: {
          metadata: {
            labels: meta(ctx, name, COMPONENT).labels,
            annotations: { "ai-layer.dev/config-sha256": configChecksum(configText) },
          },
          spec: {
            securityContext: restrictedPodSecurityContext(GATEWAY_UID),
            // LiteLLM reads no Kubernetes API.
            automountServiceAccountToken: false,
            containers: [
              {
                name: "litellm",
                image: service.image,
                // One worker per pod, so each pod's /metrics is whole (several workers need
                // PROMETHEUS_MULTIPROC_DIR); scale with replicas.
                args: [...service.args!],
                ports: [{ name: "http", containerPort: port, protocol: "TCP" }],
                env: [...serviceEnv(service), ...GATEWAY_WRITABLE_ENV],
                securityContext: restrictedContainerSecurityContext(true),
                resources: {
                  requests: { cpu: "500m", memory: "1Gi" },
                  limits: { memory: memoryQuantity(service.memoryMb!) },
                },
                volumeMounts: [
                  { name: "config", mountPath: configDir, readOnly: true },
                  ...GATEWAY_SCRATCH.map((v) => v.mount),
                ],
                // Both are unauthenticated and make no model calls; /health would call every model (§A7).
                startupProbe: {
                  httpGet: { path: "/health/liveliness", port: "http" },
                  periodSeconds: 5,
                  failureThreshold: 60,
                },
                livenessProbe: probe("/health/liveliness"),
                readinessProbe: probe("/health/readiness"),
              },
            ],
            volumes: [
              { name: "config", configMap: { name: GATEWAY_CONFIG_MAP } },
              ...GATEWAY_SCRATCH.map((v) => v.volume),
            ],
          },
        },
      },
    },
    exposure.expose === "load-balancer"
      ? withLoadBalancer(clusterIpService(ctx, name, COMPONENT, name, port), exposure.sourceRanges)
      : clusterIpService(ctx, name, COMPONENT, name, port),
    podDisruptionBudget(ctx, name, COMPONENT, name),
  ];
  if (max > min) {
    objects.push({
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: meta(ctx, name, COMPONENT),
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name },
        minReplicas: min,
        maxReplicas: max,
        metrics: [
          {
            type: "Resource",
            resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } },
          },
        ],
      },
    });
  }
  return objects;
}
