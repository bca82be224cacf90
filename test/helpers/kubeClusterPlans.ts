import { plan as makePlan, type ClusterPlan } from "../../components/plan";
import { parseLayerSpec } from "../../components/spec";
import { stackClusterPlan } from "./kubeLayer";

/**
 * Cluster plans that between them run every workload the kubernetes layer can: the shipped staging (kubernetes)
 * and prod (aws-eks) stacks, and variants with Alertmanager, an existing Redis and Prometheus, a cluster that
 * already runs KEDA and the GPU agents, and a Redis behind a load balancer.
 */
const chat = { name: "chat", model: "llama-3.1-8b-instruct", gpu: { type: "L4" } };
const variant = (layer: Record<string, unknown>, secrets: string[] = []) =>
  makePlan(parseLayerSpec({ target: { kind: "kubernetes", context: "c" }, models: [chat], ...layer }), {
    stack: "variant",
    providedSecrets: new Set(["hfToken", ...secrets]),
  }) as ClusterPlan;

export const CLUSTER_PLANS: [string, () => ClusterPlan][] = [
  ["staging", () => stackClusterPlan("staging")],
  ["prod", () => stackClusterPlan("prod")],
  ["alerting on", () => variant({}, ["slackWebhookUrl", "pagerdutyRoutingKey"])],
  [
    "existing Redis and Prometheus",
    () =>
      variant(
        {
          cache: { existingRedis: { url: "redis://redis.shared.svc:6379" } },
          monitoring: { existingPrometheus: { url: "http://prometheus.monitoring.svc:9090" } },
        },
        ["redisPassword"],
      ),
  ],
  [
    "Redis behind a load balancer, no monitoring",
    () =>
      variant({
        target: {
          kind: "kubernetes",
          context: "c",
          cache: { expose: "load-balancer", sourceRanges: ["203.0.113.0/24"] },
        },
        models: [{ ...chat, replicas: { min: 1, max: 1 } }],
        monitoring: { enabled: false },
      }),
  ],
  [
    "cluster already runs KEDA (in autoscaling), the device plugin and DCGM",
    () =>
      variant({
        target: {
          kind: "kubernetes",
          context: "c",
          clusterHas: { keda: true, nvidiaDevicePlugin: true, dcgmExporter: true },
          kedaNamespace: "autoscaling",
        },
      }),
  ],
];
