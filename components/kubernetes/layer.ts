import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CHARTS } from "../catalog";
import {
  dcgmExporterNamespace,
  isVllm,
  redisTls,
  VLLM_PORT,
  vllmResourceName,
  type ClusterPlan,
  type LayerSecretKey,
} from "../plan";
import {
  dashboardFiles,
  fileList,
  renderLayerFiles,
  type LayerEndpoints,
  type RenderedFile,
} from "../render";
import { resolveSecrets, type LayerSecrets } from "../secrets";
import { applyObject, targetProvider } from "./apply";
import { alertmanagerManifests } from "./manifests/alertmanager";
import { cacheManifests } from "./manifests/cache";
import { LAYER_SECRET_NAME, meta, type KubeContext, type KubeObject } from "./manifests/common";
import { gatewayManifests } from "./manifests/gateway";
import { dcgmExporterManifests, nvidiaDevicePluginManifests } from "./manifests/gpuAgents";
import { monitoringManifests } from "./manifests/monitoring";
import { networkPolicies } from "./manifests/networkPolicy";
import { podSecurityLabels, type PodSecurityLevel } from "./manifests/podSecurity";
import { vllmManifests } from "./manifests/vllm";
import { layerFlows, layerWorkloadList } from "./networkFlows";

export interface KubernetesLayerArgs {
  /** The plan of a kubernetes or aws-eks target. */
  readonly plan: ClusterPlan;
  /** Secrets from config; generated ones are created with @pulumi/random. */
  readonly secrets?: LayerSecrets;
  /**
   * A provider for a cluster created elsewhere (the aws-eks target's, or a team's own). Default on the kubernetes
   * target: one built from its kubeconfig and context; required on aws-eks (AwsEksCluster's provider).
   */
  readonly provider?: k8s.Provider;
}

/** How services reach each other in the cluster: Service DNS names in the layer's namespace. */
export function kubernetesEndpoints(plan: ClusterPlan): LayerEndpoints {
  const ns = plan.target.namespace;
  const s = plan.services;
  return {
    gateway: {
      vllm: (trackId) => `http://${vllmResourceName(trackId)}.${ns}.svc:${VLLM_PORT}/v1`,
      ...(plan.cache.enabled
        ? { redis: { host: s.redis.host, port: s.redis.port, ...(redisTls(plan) ? { tls: true } : {}) } }
        : {}),
    },
    // Scrape DCGM only where this stack runs the exporter: one in another namespace is out of Prometheus' reach.
    scrape: {
      kubernetes: {
        namespace: ns,
        dcgm: plan.models.some(isVllm) && !plan.target.clusterHas.dcgmExporter,
        dcgmNamespace: dcgmExporterNamespace(ns),
      },
    },
    prometheusUrl: `http://${s.prometheus.host}:${s.prometheus.port}`,
  };
}

/**
 * The layer on a Kubernetes cluster: vLLM per model (and canary), the LiteLLM gateway, Redis, Prometheus and
 * Grafana, KEDA, and the NVIDIA device plugin and DCGM exporter where the cluster lacks them. Talks to the
 * cluster through an explicit provider built from the target's kubeconfig and context, never the ambient one.
 */
export class KubernetesLayer extends pulumi.ComponentResource {
  /** In-cluster gateway URL, e.g. http://litellm.ai-layer.svc:4000. */
  public readonly gatewayUrl: string;
  public readonly grafanaUrl?: string;
  public readonly prometheusUrl?: string;
  public readonly gatewayMasterKey: pulumi.Output<string>;
  public readonly grafanaAdminPassword?: pulumi.Output<string>;
  /** Every file the layer deploys, as rendered. */
  public readonly files: readonly RenderedFile[];
  /** Every Kubernetes object the layer applies, as plain data (secret values are not in them). */
  public readonly objects: readonly KubeObject[];

  constructor(name: string, args: KubernetesLayerArgs, opts?: pulumi.ComponentResourceOptions) {
    super(
      "ai-layer:index:KubernetesLayer",
      name,
      { stack: args.plan.stack, models: args.plan.models.map((m) => m.name) },
      opts,
    );
    // The same five outputs as the other layer component on purpose, assigned here rather than in a shared base
    // class: a component served to other languages must extend ComponentResource directly (pulumi-practices §4).
    const built = createKubernetesLayer(name, args, this);
    this.gatewayUrl = args.plan.urls.gateway;
    this.grafanaUrl = args.plan.urls.grafana;
    this.prometheusUrl = args.plan.urls.prometheus;
    this.gatewayMasterKey = built.secrets.gatewayMasterKey;
    this.grafanaAdminPassword = built.secrets.grafanaAdminPassword;
    this.files = built.files;
    this.objects = built.objects;
    this.registerOutputs({ gatewayUrl: this.gatewayUrl, gatewayMasterKey: this.gatewayMasterKey });
  }
}

/**
 * The Pod Security level each namespace the layer creates enforces: `restricted` for the layer's own (every pod in
 * it meets the standard), `privileged` for the DCGM exporter's (root, SYS_ADMIN, a hostPath).
 */
export function layerNamespaces(
  plan: ClusterPlan,
): { readonly name: string; readonly podSecurity: PodSecurityLevel }[] {
  const dcgm = layerWorkloadList(plan).some(
    (w) => w.namespace === dcgmExporterNamespace(plan.target.namespace),
  );
  return [
    { name: plan.target.namespace, podSecurity: "restricted" },
    ...(dcgm
      ? [{ name: dcgmExporterNamespace(plan.target.namespace), podSecurity: "privileged" as const }]
      : []),
  ];
}

/** The Namespace objects of the layer, labelled with the Pod Security level they enforce. */
export function namespaceObjects(plan: ClusterPlan, ctx: KubeContext): KubeObject[] {
  return layerNamespaces(plan).map((n) => ({
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name: n.name,
      labels: { ...meta(ctx, n.name, "namespace").labels, ...podSecurityLabels(n.podSecurity) },
    },
  }));
}

/** The plain objects of the layer (everything but the Secret's values, KEDA's chart and the namespaces). */
export function kubernetesObjects(
  plan: ClusterPlan,
  ctx: KubeContext,
  files: ReturnType<typeof renderLayerFiles>,
): KubeObject[] {
  const target = plan.target;
  const hasVllm = plan.models.some(isVllm);
  return [
    ...plan.models.filter(isVllm).flatMap((m) => vllmManifests(ctx, plan, m)),
    ...(plan.cache.enabled ? cacheManifests(ctx, plan, files.redisConf?.content) : []),
    ...gatewayManifests(ctx, plan, files.litellmConfig!.content, target.gateway),
    ...(plan.monitoring.enabled && !plan.monitoring.existingPrometheus
      ? monitoringManifests(
          ctx,
          plan,
          {
            prometheusConfig: files.prometheusConfig!.content,
            alertRules: files.alertRules!.content,
            grafanaDatasources: files.grafanaDatasources!.content,
            grafanaDashboardProvider: files.grafanaDashboardProvider!.content,
            dashboards: dashboardFiles(files).map((f) => ({
              name: f.path.split("/").pop()!,
              json: f.content,
            })),
          },
          {
            dcgm: hasVllm && !target.clusterHas.dcgmExporter,
            devicePlugin: hasVllm && !target.clusterHas.nvidiaDevicePlugin,
          },
        )
      : [
          // The device plugin is what makes GPUs schedulable: it does not depend on monitoring.
          ...(hasVllm && !target.clusterHas.nvidiaDevicePlugin ? nvidiaDevicePluginManifests(ctx, plan) : []),
          // With the team's Prometheus, GPU metrics still need an exporter where the cluster has none.
          ...(plan.monitoring.existingPrometheus && hasVllm && !target.clusterHas.dcgmExporter
            ? dcgmExporterManifests(ctx, plan)
            : []),
        ]),
    ...(files.alertmanagerConfig ? alertmanagerManifests(ctx, plan, files.alertmanagerConfig.content) : []),
    // Default deny in every namespace the layer owns, then exactly the flows the plan needs (networkFlows.ts).
    ...networkPolicies(ctx, layerWorkloadList(plan), layerFlows(plan)),
  ];
}

/** @internal Places the plan on the cluster under `parent`. */
export function createKubernetesLayer(name: string, args: KubernetesLayerArgs, parent: pulumi.Resource) {
  const { plan } = args;
  const target = plan.target;
  const provider = args.provider ?? targetProvider(name, target, parent);
  const ctx: KubeContext = {
    namespace: target.namespace,
    stack: plan.stack,
    gpuNodeLabel: target.gpuNodeLabel,
    ...(target.storageClass ? { storageClass: target.storageClass } : {}),
  };
  const opts = { parent, provider };
  const [namespace, ...otherNamespaces] = namespaceObjects(plan, ctx).map((n) => applyObject(n, opts));

  const secrets = resolveSecrets(name, plan.secrets, args.secrets ?? {}, parent);
  const secret = new k8s.core.v1.Secret(
    `${target.namespace}-${LAYER_SECRET_NAME}`,
    {
      metadata: meta(ctx, LAYER_SECRET_NAME, "secrets"),
      type: "Opaque",
      stringData: Object.fromEntries(
        plan.secrets.map((s) => [s.configKey, secrets[s.configKey as LayerSecretKey]]),
      ),
    },
    { ...opts, dependsOn: [namespace!] },
  );

  const keda =
    target.clusterHas.keda || !plan.monitoring.enabled || !plan.models.some(isVllm)
      ? undefined
      : new k8s.helm.v3.Release(
          `${name}-keda`,
          {
            chart: CHARTS.keda.chart,
            version: CHARTS.keda.version,
            repositoryOpts: { repo: CHARTS.keda.repo },
            namespace: target.kedaNamespace,
            createNamespace: true,
            // Wait for the CRDs and operator before ScaledObjects are applied.
            atomic: true,
            timeout: 600,
          },
          opts,
        );

  const rendered = renderLayerFiles(plan, kubernetesEndpoints(plan));
  const objects = kubernetesObjects(plan, ctx, rendered);
  for (const obj of objects) {
    const scaled = obj.kind === "ScaledObject";
    const isVllmDeployment = obj.kind === "Deployment" && obj.metadata.name.startsWith("vllm-");
    const gatewayScaled =
      obj.kind === "Deployment" &&
      obj.metadata.name === plan.services.gateway.host.split(".")[0] &&
      plan.gateway.replicas.max > plan.gateway.replicas.min;
    const autoscaled = isVllmDeployment || gatewayScaled;
    applyObject(obj, {
      ...opts,
      dependsOn: [namespace!, ...otherNamespaces, secret, ...(scaled && keda ? [keda] : [])],
      // KEDA/HPA own the replica count once running; Pulumi must not reset it on every update.
      ...(autoscaled ? { ignoreChanges: ["spec.replicas"] } : {}),
      // A vLLM rollout downloads weights before it is ready.
      ...(isVllmDeployment ? { customTimeouts: { create: "60m", update: "60m" } } : {}),
    });
  }
  return { provider, namespace, secret, keda, secrets, objects, files: fileList(rendered) };
}
