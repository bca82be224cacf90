import { createHash } from "node:crypto";
import { isRemote, isVllm, type Plan } from "../../plan";
import { GATEWAY_ENV } from "../../render";
import {
  clusterIpService,
  withLoadBalancer,
  meta,
  podDisruptionBudget,
  secretEnv,
  selector,
  SURGE_ROLLOUT,
  type KubeContext,
  type KubeObject,
} from "./common";

const COMPONENT = "litellm";
export const GATEWAY_CONFIG_MAP = "litellm-config";
const CONFIG_DIR = "/etc/litellm";

/** Exposure of the gateway outside the cluster (from the kubernetes target). */
export interface GatewayExposure {
  readonly expose: "cluster" | "load-balancer";
  readonly sourceRanges: readonly string[];
}

/** sha256 of the config, as a pod annotation: a config change changes the template and rolls the pods. */
export const configChecksum = (config: string) => createHash("sha256").update(config).digest("hex");

/** The LiteLLM gateway: its config, Deployment, Service, CPU autoscaler and disruption budget. */
export function gatewayManifests(
  ctx: KubeContext,
  plan: Plan,
  config: string,
  exposure: GatewayExposure,
): KubeObject[] {
  const name = plan.services.gateway.host.split(".")[0]!;
  const port = plan.services.gateway.port;
  const { min, max } = plan.gateway.replicas;
  const env = [
    secretEnv(GATEWAY_ENV.masterKey, "gatewayMasterKey"),
    ...(plan.cache.enabled ? [secretEnv(GATEWAY_ENV.redisPassword, "redisPassword")] : []),
    ...(plan.models.some(isVllm) ? [secretEnv(GATEWAY_ENV.vllmApiKey, "vllmApiKey")] : []),
    ...[
      ...new Map(plan.models.filter(isRemote).map((m) => [m.apiKey.env, m.apiKey.configKey])).entries(),
    ].map(([env, key]) => secretEnv(env, key)),
    { name: "LITELLM_MODE", value: "PRODUCTION" },
    { name: "LITELLM_LOG", value: "INFO" },
  ];
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
      data: { "config.yaml": config },
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
            annotations: { "ai-layer.dev/config-sha256": configChecksum(config) },
          },
          spec: {
            containers: [
              {
                name: "litellm",
                image: plan.images.gateway,
                // The image's entrypoint runs litellm; pass only args (runtime-facts.md §A9). One worker per pod, so
                // each pod's /metrics is whole (several workers need PROMETHEUS_MULTIPROC_DIR); scale with replicas.
                args: ["--config", `${CONFIG_DIR}/config.yaml`, "--port", String(port), "--num_workers", "1"],
                ports: [{ name: "http", containerPort: port, protocol: "TCP" }],
                env,
                resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { memory: "2Gi" } },
                volumeMounts: [{ name: "config", mountPath: CONFIG_DIR, readOnly: true }],
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
            volumes: [{ name: "config", configMap: { name: GATEWAY_CONFIG_MAP } }],
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
