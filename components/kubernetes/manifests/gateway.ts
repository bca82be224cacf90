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
 * The gateway runs as the image's own user with a read-only root filesystem. What that rests on:
 * - The image. The BerriAI/litellm root Dockerfile at exactly v1.104.9 is not in the stored index; the nearest stored
 *   revision is of the same generation as the 1.104.9 wheel (it creates /var/run/litellm, where the wheel's
 *   litellm/proxy/spend_tracking/spend_event_producer.py puts the collector socket) and runs `USER 65532:65532`,
 *   `ENTRYPOINT ["/app/docker-entrypoint.sh"]`, with HOME=/app, LITELLM_NON_ROOT=true, the Admin UI pre-staged in
 *   /var/lib/litellm/ui with a `.litellm_ui_ready` marker and the Prisma CLI and engines baked under /opt/prisma
 *   (PRISMA_BINARY_CACHE_DIR=/opt/prisma/binaries). docker-entrypoint.sh (same revision) runs `litellm "$@"` for
 *   args starting with "-" and creates nothing unless PROMETHEUS_MULTIPROC_DIR is set. It is not the exact
 *   revision (it copies logo.png, the wheel ships logo.jpg). An older stored revision (ENTRYPOINT
 *   docker/prod_entrypoint.sh, no USER) runs as root; this pod still starts on such an image: prod_entrypoint.sh only
 *   execs `litellm "$@"`, and without LITELLM_NON_ROOT the proxy serves its packaged UI, logging that it cannot
 *   restructure a read-only copy.
 * - What the proxy writes. litellm 1.104.9 (PyPI wheel) started as the layer runs it (--config, one worker, no
 *   DATABASE_URL), traced with strace through start-up and /health/liveliness and /health/readiness: it opens no
 *   file for writing except a .pyc (Python skips it on a read-only tree) and a copy of the UI into
 *   /var/lib/litellm/ui when that directory is missing (litellm/proxy/proxy_server.py, `_is_ui_pre_restructured`,
 *   `_try_populate_ui_directory`); the image ships it with the marker, so the proxy only reads it.
 *   PROMETHEUS_MULTIPROC_DIR is only created with several workers or a separate metrics port (proxy_cli.py);
 *   Python's tempfile and libraries that cache under $HOME or $XDG_CACHE_HOME (tokenizers fetched at request time)
 *   get the emptyDirs below.
 * - No database. The layer sets no DATABASE_URL (render/services.ts gatewayEnv), so Prisma and the migrations
 *   (LITELLM_MIGRATION_DIR, litellm_proxy_extras/utils.py) never run. The image's PRISMA_BINARY_CACHE_DIR and
 *   /app/migrations are left as they are: pointing Prisma at an empty emptyDir, or shadowing /app/migrations,
 *   would break a database added later, for nothing now.
 */
export const GATEWAY_UID = 65532;
/** The emptyDirs of the gateway pod: the only paths it can write. */
const GATEWAY_SCRATCH = [
  scratchVolume("tmp", "/tmp", "256Mi"),
  scratchVolume("cache", "/app/cache", "512Mi"),
];
/** HOME and XDG_CACHE_HOME moved off the image's read-only HOME=/app onto the emptyDirs. */
const GATEWAY_WRITABLE_ENV = [
  { name: "HOME", value: "/tmp" },
  { name: "XDG_CACHE_HOME", value: "/app/cache" },
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
