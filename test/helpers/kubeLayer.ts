import { join } from "node:path";
import { validateStackConfig } from "../../bin/offline/validate";
import { readStackFile } from "../../bin/offline/stackFile";
import { kubernetesEndpoints, kubernetesObjects, namespaceObjects } from "../../components/kubernetes/layer";
import type { KubeContext, KubeObject } from "../../components/kubernetes/manifests/common";
import { monitoringManifests, type MonitoringFiles } from "../../components/kubernetes/manifests/monitoring";
import {
  dcgmExporterNamespace,
  onCluster,
  plan as makePlan,
  type ClusterPlan,
  type Plan,
  type PlanFor,
} from "../../components/plan";
import {
  renderLayerFiles,
  renderAlertRules,
  renderGatewayDashboard,
  renderGpuDashboard,
  renderGrafanaDashboardProvider,
  renderGrafanaDatasources,
  renderKubernetesPrometheusConfig,
  renderVllmDashboard,
} from "../../components/render";
import { parseLayerSpec } from "../../components/spec";

/** Manifests are walked as plain JSON in tests; their shape is checked by the schema tests. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

/** A kubernetes layer: two vLLM models on L4s (chat optionally with a canary track), the hfToken provided. */
export function kubernetesPlan(opts: { canary?: boolean } = {}): PlanFor<"kubernetes"> {
  const spec = parseLayerSpec({
    target: { kind: "kubernetes", context: "staging" },
    models: [
      {
        name: "chat",
        model: "llama-3.1-8b-instruct",
        gpu: { type: "L4" },
        ...(opts.canary ? { canary: { weight: 10, revision: "abc123" } } : {}),
      },
      { name: "embed", model: "nomic-embed-text-v1.5", gpu: { type: "L4" } },
    ],
  });
  return makePlan(spec, { stack: "staging", providedSecrets: new Set(["hfToken"]) });
}

/** The manifest context of a kubernetes plan, as the layer builds it. */
export function kubeContext(plan: Plan): KubeContext {
  if (plan.target.kind !== "kubernetes") throw new Error("expected a kubernetes plan");
  return { namespace: plan.target.namespace, stack: plan.stack, gpuNodeLabel: plan.target.gpuNodeLabel };
}

/** The monitoring manifests of kubernetesPlan() with every agent on, the files they hold, and lookups. */
export function monitoringFixture() {
  const plan = kubernetesPlan();
  const ctx = kubeContext(plan);
  const files: MonitoringFiles = {
    prometheusConfig: renderKubernetesPrometheusConfig(plan, {
      namespace: ctx.namespace,
      dcgm: true,
      dcgmNamespace: dcgmExporterNamespace(ctx.namespace),
    }),
    alertRules: renderAlertRules(plan),
    grafanaDatasources: renderGrafanaDatasources(
      plan.urls.prometheus!,
      plan.monitoring.scrapeIntervalSeconds,
    ),
    grafanaDashboardProvider: renderGrafanaDashboardProvider(),
    // Both spellings of a dashboard name the builder accepts.
    dashboards: [
      { name: "gateway", json: renderGatewayDashboard(plan) },
      { name: "vllm.json", json: renderVllmDashboard(plan) },
      { name: "gpu", json: renderGpuDashboard(plan) },
    ],
  };
  const all = monitoringManifests(ctx, plan, files, { dcgm: true, devicePlugin: true });
  const find = (kind: string, name: string): Json => {
    const o = all.find((x) => x.kind === kind && x.metadata.name === name);
    if (!o) throw new Error(`no ${kind} ${name}`);
    return o;
  };
  const podSpec = (name: string, kind = "Deployment"): Json => find(kind, name).spec.template.spec;
  return {
    plan,
    ctx,
    files,
    all,
    find,
    podSpec,
    container: (name: string, kind = "Deployment"): Json => podSpec(name, kind).containers[0],
    workloads: all.filter((o) => o.kind === "Deployment" || o.kind === "DaemonSet") as Json[],
  };
}

/** `Kind namespace/name`, for test titles and messages. */
export const kubeLabel = (o: KubeObject) => `${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name}`;

/** The plan of a stack in stacks/ (Pulumi.<stack>.yaml), validated as `npm run plan` does; a cluster plan. */
export function stackClusterPlan(stack: string): ClusterPlan {
  const p = validateStackConfig(
    stack,
    readStackFile(join(__dirname, "..", "..", "stacks", `Pulumi.${stack}.yaml`)),
  );
  if (!onCluster(p)) throw new Error(`${stack} is not a kubernetes or aws-eks stack`);
  return p;
}

/** Every object the kubernetes layer applies for `plan` (its Namespaces first), as createKubernetesLayer builds them. */
export function layerObjects(plan: ClusterPlan): KubeObject[] {
  const ctx: KubeContext = {
    namespace: plan.target.namespace,
    stack: plan.stack,
    gpuNodeLabel: plan.target.gpuNodeLabel,
    ...(plan.target.storageClass ? { storageClass: plan.target.storageClass } : {}),
  };
  return [
    ...namespaceObjects(plan, ctx),
    ...kubernetesObjects(plan, ctx, renderLayerFiles(plan, kubernetesEndpoints(plan))),
  ];
}
