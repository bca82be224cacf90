import { findModel, IMAGES, type ModelSpec } from "../catalog";
import {
  extraModels,
  HOURS_PER_MONTH,
  LayerConfigError,
  formatPath,
  type ConfigProblem,
  type DockerTarget,
  type LayerSpec,
} from "../spec";
import { checkBudget, planCostModel } from "./costModel";
import { DOCKER_SERVICES, planOllamaModels, type SelfHosted } from "./planDocker";
import { kubernetesServices, planVllmModels } from "./planKubernetes";
import { eksAsKubernetes, planAwsEks } from "./planAws";
import { ec2AsDocker, planAwsEc2 } from "./planAwsEc2";
import { planCloudModel } from "./planCloud";
import { planRemote } from "./remote";
import { secretNeeds, type LayerSecretKey } from "./secrets";
import {
  isCloud,
  isRemote,
  isVllm,
  type CloudModel,
  type Plan,
  type PlannedModel,
  type RemoteModel,
} from "./types";

export { DOCKER_SERVICES as SERVICES, placeOnHost } from "./planDocker";

export interface PlanOptions {
  /** Stack name (names resources and appears in the summary). */
  readonly stack: string;
  /** Secret config keys the stack sets (`ai-layer:<key>`); the others are generated or reported missing. */
  readonly providedSecrets?: ReadonlySet<string>;
}

const money = (n: number) => Math.round(n * 100) / 100;
/** Hourly rates keep 4 decimals: GPU prices are quoted to the tenth of a cent ($0.8048/h). */
const rate = (n: number) => Math.round(n * 10_000) / 10_000;

/**
 * Resolves a parsed spec for its target: runtime per model (Ollama on docker, vLLM on kubernetes, or a remote
 * API), memory and GPU fit, addresses, images, secrets, cost. Pure. Throws LayerConfigError (path, numbers,
 * fixes) when a model cannot run where it is placed, before anything is created.
 */
export function plan(spec: LayerSpec, opts: PlanOptions): Plan {
  const provided = opts.providedSecrets ?? new Set<string>();
  const extras = extraModels(spec);
  const problems: ConfigProblem[] = [];
  const warnings: string[] = [];

  const hosted: SelfHosted[] = [];
  // Models served elsewhere (a hosted API or a GPU cloud), by their index in the config.
  const elsewhere = new Map<number, RemoteModel | CloudModel>();
  const vllmImage = spec.images.vllm ?? IMAGES.vllm;
  spec.models.forEach((entry, index) => {
    if (entry.remote) return void elsewhere.set(index, planRemote(entry, index, provided, problems));
    const model = findModel(entry.model!, extras) as ModelSpec;
    if (entry.backend) {
      const cloud = planCloudModel(opts.stack, entry, index, model, vllmImage, provided, problems);
      if (cloud) elsewhere.set(index, cloud);
    } else hosted.push({ entry, index, model });
  });

  // aws-eks is the kubernetes target on a cluster the stack creates: plan it as kubernetes plus the AWS part.
  // aws-ec2 is the docker target on a control host the stack creates, plus GPU instances running vLLM.
  const target =
    spec.target.kind === "aws-eks"
      ? eksAsKubernetes(spec.target)
      : spec.target.kind === "aws-ec2"
        ? ec2AsDocker(spec.target)
        : spec.target;
  const names = spec.models.map((m) => m.name);
  const indexOf = (n: string) => names.indexOf(n);
  let selfHosted: PlannedModel[];
  let ollamaContextLength: number | undefined;
  let plannedTarget: Plan["target"] = target;
  if (spec.target.kind === "aws-ec2") {
    const vllm = planVllmModels({}, vllmImage, hosted, provided, problems, warnings);
    const aws = planAwsEc2(spec.target, vllm, indexOf, problems, warnings, spec.gateway.timeoutSeconds);
    // A replica is a whole instance here: price it as one.
    const perInstance = new Map(aws.tracks.map((t) => [t.model, t.usdPerInstanceHour]));
    selfHosted = vllm.map((m) => ({
      ...m,
      usdPerReplicaHour: perInstance.get(m.name) ?? m.usdPerReplicaHour,
    }));
    plannedTarget = { ...(target as DockerTarget), aws };
  } else if (target.kind === "docker") {
    const docker = planOllamaModels(target, hosted, problems, warnings);
    selfHosted = docker.models;
    ollamaContextLength = docker.ollamaContextLength;
    if (docker.perGpuGiB !== undefined) plannedTarget = { ...target, gpuMemoryGiB: docker.perGpuGiB };
  } else {
    selfHosted = planVllmModels(target, vllmImage, hosted, provided, problems, warnings);
    if (spec.target.kind === "aws-eks") {
      const aws = planAwsEks(spec.target, selfHosted.filter(isVllm), indexOf, problems);
      plannedTarget = { ...target, aws };
    }
  }
  if (problems.length) throw new LayerConfigError(problems, "The layer does not fit where it runs");

  // Keep the config's order: self-hosted and remote models interleave as written.
  const byName = new Map(selfHosted.map((m) => [m.name, m] as const));
  const models = spec.models.map((e, i) => elsewhere.get(i) ?? byName.get(e.name)!);
  const cloud = models.filter(isCloud);

  const vllm = models.filter(isVllm);
  const wanted = new Set<LayerSecretKey>(["gatewayMasterKey"]);
  if (spec.cache.enabled) wanted.add("redisPassword");
  if (spec.monitoring.enabled && !spec.monitoring.existingPrometheus) wanted.add("grafanaAdminPassword");
  if (vllm.length || cloud.some((m) => m.runtime === "modal")) wanted.add("vllmApiKey");
  if ((vllm.length || cloud.length) && provided.has("hfToken")) wanted.add("hfToken");
  for (const m of models.filter(isRemote)) wanted.add(m.apiKey.configKey as LayerSecretKey);
  if (cloud.some((m) => m.runtime === "runpod")) wanted.add("runpodApiKey");
  if (cloud.some((m) => m.runtime === "modal"))
    (["modalTokenId", "modalTokenSecret"] as const).forEach((k) => wanted.add(k));
  const alerting = {
    slack: spec.monitoring.enabled && provided.has("slackWebhookUrl"),
    pagerduty: spec.monitoring.enabled && provided.has("pagerdutyRoutingKey"),
  };
  if (alerting.slack) wanted.add("slackWebhookUrl");
  if (alerting.pagerduty) wanted.add("pagerdutyRoutingKey");
  if (!spec.monitoring.enabled && (provided.has("slackWebhookUrl") || provided.has("pagerdutyRoutingKey"))) {
    warnings.push(
      "alert receivers are configured but layer.monitoring.enabled is false, so nothing sends alerts.",
    );
  }

  const existingPrometheus = spec.monitoring.existingPrometheus;
  const existingRedis = spec.cache.enabled ? spec.cache.existingRedis : undefined;
  if (existingRedis && !provided.has("redisPassword")) {
    throw new LayerConfigError(
      [
        {
          path: formatPath(["cache", "existingRedis"]),
          message:
            "set its password as a secret: pulumi config set --secret ai-layer:redisPassword <password>",
        },
      ],
      "The layer does not fit where it runs",
    );
  }
  const services = {
    ...(target.kind === "docker" ? DOCKER_SERVICES : kubernetesServices(target.namespace)),
    // The team's Prometheus replaces the layer's: KEDA, runbooks and the rendered datasource point at it.
    ...(existingPrometheus ? { prometheus: addressOf(existingPrometheus.url) } : {}),
    // The team's Redis replaces the layer's: the gateway and the exporter connect to it.
    ...(existingRedis ? { redis: addressOf(existingRedis.url) } : {}),
  };
  // Every track (stable and canary) runs its own GPUs.
  const aws = plannedTarget.kind === "kubernetes" ? plannedTarget.aws : undefined;
  const fleet = plannedTarget.kind === "docker" ? plannedTarget.aws : undefined;
  // On aws-ec2 the control host (and ElastiCache) cost the same at any load; GPU instances bill per group size.
  const fleetCost = (bound: "min" | "max") =>
    (fleet?.tracks ?? []).reduce(
      (sum, t) => sum + (bound === "min" ? t.minSize : t.maxSize) * t.usdPerInstanceHour,
      0,
    );
  // On AWS the bill is per node: node groups' min/max × the instance's $/h.
  const nodeCost = (bound: "min" | "max") =>
    aws!.gpuNodeGroups.reduce(
      (sum, g) => sum + (bound === "min" ? g.minSize : g.maxSize) * g.usdPerNodeHour,
      0,
    );
  const gpuCost = (bound: "min" | "max") =>
    aws
      ? nodeCost(bound)
      : vllm.reduce(
          (sum, m) => sum + m.tracks.reduce((n, t) => n + t.replicas[bound], 0) * m.usdPerReplicaHour,
          0,
        );
  // GPU-cloud workers bill while they run: min workers always, max under load.
  const cloudCost = (bound: "min" | "max") =>
    cloud.reduce((sum, m) => sum + m.workers[bound] * m.usdPerWorkerHour, 0);
  const perHourUsd =
    (target.kind === "docker" ? target.costPerHourUsd + fleetCost("min") : gpuCost("min")) + cloudCost("min");
  const perHourMaxUsd =
    (target.kind === "docker" ? target.costPerHourUsd + fleetCost("max") : gpuCost("max")) + cloudCost("max");

  const cost = {
    perHourUsd: rate(perHourUsd),
    perHourMaxUsd: rate(perHourMaxUsd),
    perMonthUsd: money(perHourUsd * HOURS_PER_MONTH),
    perMonthMaxUsd: money(perHourMaxUsd * HOURS_PER_MONTH),
  };
  const pricing = spec.target.kind === "aws-ec2" ? "aws-ec2" : target.kind;
  const costModel = planCostModel(models, spec.budget, pricing);
  // The budget is checked against max scale; onExceed decides whether a breach stops the plan or is reported.
  const overBudget = checkBudget(spec.budget, cost, costModel, pricing);
  if (overBudget && spec.budget?.onExceed === "fail") {
    throw new LayerConfigError([overBudget], "The layer exceeds its budget");
  }
  if (overBudget) warnings.push(`Budget exceeded: ${overBudget.message}`);

  let urls: Plan["urls"];
  if (target.kind === "docker") {
    const bind = ["0.0.0.0", "::"].includes(target.bindAddress)
      ? "localhost"
      : target.bindAddress.includes(":")
        ? `[${target.bindAddress}]`
        : target.bindAddress;
    urls = {
      gateway: `http://${bind}:${target.ports.gateway}`,
      ...(spec.monitoring.enabled
        ? {
            grafana: `http://${bind}:${target.ports.grafana}`,
            prometheus: `http://${bind}:${target.ports.prometheus}`,
          }
        : {}),
    };
  } else {
    const url = (s: keyof typeof services) => `http://${services[s].host}:${services[s].port}`;
    urls = {
      gateway: url("gateway"),
      ...(existingPrometheus
        ? { prometheus: existingPrometheus.url }
        : spec.monitoring.enabled
          ? { grafana: url("grafana"), prometheus: url("prometheus") }
          : {}),
    };
  }

  return {
    stack: opts.stack,
    target: plannedTarget,
    models,
    gateway: spec.gateway,
    cache: spec.cache,
    monitoring: spec.monitoring,
    alerting,
    ...(spec.budget ? { budget: spec.budget } : {}),
    services,
    images: { ...IMAGES, ...spec.images },
    ...(ollamaContextLength !== undefined ? { ollamaContextLength } : {}),
    secrets: secretNeeds(provided, wanted),
    urls,
    cost,
    costModel,
    warnings,
  };
}

/** `http://host:9090`, `rediss://host:6380` → `{ host, port }` (the schema requires the port). */
function addressOf(url: string) {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port) };
}

/** Whether the layer runs its own Redis (the cache is on, no existing one was given, not on ElastiCache). */
export const runsRedis = (plan: Pick<Plan, "cache" | "target">): boolean =>
  plan.cache.enabled &&
  !plan.cache.existingRedis &&
  !(plan.target.kind === "docker" && plan.target.aws?.elasticache);

/** Whether the gateway and the exporter reach Redis over TLS (an existing `rediss://` one). */
export const redisTls = (plan: Pick<Plan, "cache">): boolean =>
  plan.cache.existingRedis?.url.startsWith("rediss://") ?? false;

/** The Redis address the exporter watches, `redis://host:port` or `rediss://…` (no password: it is in env). */
export const redisExporterAddress = (plan: Pick<Plan, "cache" | "services">): string =>
  `${redisTls(plan) ? "rediss" : "redis"}://${plan.services.redis.host}:${plan.services.redis.port}`;

/** The pinned images this plan actually runs (the catalog pins more than one layer uses). */
export function imagesInUse(plan: Plan): Partial<Record<keyof Plan["images"], string>> {
  const t = plan.target;
  const vllm = plan.models.some(isVllm);
  const used: (keyof Plan["images"])[] = [
    ...(plan.models.some((m) => m.runtime === "ollama") ? (["ollama"] as const) : []),
    ...(vllm ? (["vllm"] as const) : []),
    "gateway",
    ...(runsRedis(plan) ? (["redis"] as const) : []),
    ...(plan.cache.enabled ? (["redisExporter"] as const) : []),
    ...(plan.monitoring.enabled && !plan.monitoring.existingPrometheus
      ? (["prometheus", "grafana"] as const)
      : []),
    ...(plan.alerting.slack || plan.alerting.pagerduty ? (["alertmanager"] as const) : []),
    ...(t.kind === "kubernetes" && vllm && !t.clusterHas.nvidiaDevicePlugin
      ? (["nvidiaDevicePlugin"] as const)
      : []),
    ...(t.kind === "kubernetes" && vllm && plan.monitoring.enabled && !t.clusterHas.dcgmExporter
      ? (["dcgmExporter"] as const)
      : []),
  ];
  return Object.fromEntries(used.map((k) => [k, plan.images[k]]));
}
