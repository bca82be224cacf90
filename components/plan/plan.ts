import { findModel, IMAGES, lockedImage, type ModelSpec } from "../catalog";
import { tagOnlyImages } from "./imagePins";
import {
  extraModels,
  HOURS_PER_MONTH,
  LayerConfigError,
  formatPath,
  type ConfigProblem,
  type LayerSpec,
} from "../spec";
import { checkBudget, planCostModel } from "./costModel";
import type { SelfHosted } from "./planDocker";
import { planCloudModel } from "./planCloud";
import { planRemote } from "./remote";
import { secretNeeds, type LayerSecretKey } from "./secrets";
import type { TargetEntry, TargetPlanContext } from "./targetEntry";
import { targetEntry } from "./targets";
import {
  isCloud,
  isRemote,
  isVllm,
  onCluster,
  type CloudModel,
  type Plan,
  type PlanFor,
  type PlannedModel,
  type PlannedTarget,
  type RemoteModel,
  type TargetKind,
} from "./types";

export { DOCKER_SERVICES as SERVICES, placeOnHost } from "./planDocker";

export interface PlanOptions {
  /** Stack name (names resources and appears in the summary). */
  readonly stack: string;
  /** Secret config keys the stack sets (`ai-layer:<key>`); the others are generated or reported missing. */
  readonly providedSecrets?: ReadonlySet<string>;
  /**
   * The date prices and support phases are read at (YYYY-MM-DD), e.g. whether an EKS version is in standard or
   * extended support. Default: the env var AI_LAYER_TODAY (reproducible plans; the tests pin it), else today (UTC).
   */
  readonly today?: string;
}

/** The day a plan is made as of: the option, else AI_LAYER_TODAY, else today (UTC). */
export function planDay(
  today?: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string {
  const day = today ?? (env.AI_LAYER_TODAY || undefined);
  if (day === undefined) return new Date().toISOString().slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(day)))
    throw new Error(
      `the plan's date must be YYYY-MM-DD (option today or AI_LAYER_TODAY), not ${JSON.stringify(day)}`,
    );
  return day;
}

const money = (n: number) => Math.round(n * 100) / 100;
/** Hourly rates keep 4 decimals: GPU prices are quoted to the tenth of a cent ($0.8048/h). */
const rate = (n: number) => Math.round(n * 10_000) / 10_000;
const PLACEMENT_HEADING = "The layer does not fit where it runs";

/**
 * Resolves a parsed spec for its target: runtime per model (Ollama on docker, vLLM on kubernetes, or a remote
 * API), memory and GPU fit, addresses, images, secrets, cost. Pure. Throws LayerConfigError (path, numbers,
 * fixes) when a model cannot run where it is placed, before anything is created. The target's own planning is
 * its registry entry (./targets.ts); the steps here are the same for every target.
 */
export function plan<S extends Pick<LayerSpec, "target">>(
  spec: S & Omit<LayerSpec, "target">,
  opts: PlanOptions,
): PlanFor<S["target"]["kind"]> {
  const provided = opts.providedSecrets ?? new Set<string>();
  const problems: ConfigProblem[] = [];
  const warnings: string[] = [];
  const entry = targetEntry(spec.target.kind);

  const { hosted, elsewhere, vllmImage } = splitModels(spec, opts.stack, provided, problems);
  const names = spec.models.map((m) => m.name);
  const ctx: TargetPlanContext = {
    stack: opts.stack,
    provided,
    hosted,
    vllmImage,
    indexOf: (n) => names.indexOf(n),
    gateway: spec.gateway,
    today: planDay(opts.today),
    problems,
    warnings,
  };
  const placed = entry.place(spec.target, ctx);
  if (problems.length) throw new LayerConfigError(problems, PLACEMENT_HEADING);

  // Keep the config's order: self-hosted and remote models interleave as written.
  const byName = new Map(placed.models.map((m) => [m.name, m] as const));
  const models = spec.models.map((e, i) => elsewhere.get(i) ?? byName.get(e.name)!);
  const { wanted, alerting } = secretsWanted(spec, models, provided, warnings);
  const services = serviceAddresses(spec, entry, placed.target, provided);
  const { cost, costModel } = planCost(spec, entry, placed.target, models, warnings);

  const result: Plan = {
    stack: opts.stack,
    target: placed.target,
    models,
    gateway: spec.gateway,
    cache: spec.cache,
    monitoring: spec.monitoring,
    alerting,
    ...(spec.budget ? { budget: spec.budget } : {}),
    services,
    images: lockedImages(spec),
    ...(placed.ollamaContextLength !== undefined ? { ollamaContextLength: placed.ollamaContextLength } : {}),
    secrets: secretNeeds(provided, wanted),
    urls: entry.urls(placed.target, services, spec.monitoring),
    cost,
    costModel,
    warnings,
    ...(spec.security.requireImageDigests ? { requireImageDigests: true as const } : {}),
  };
  if (spec.security.requireImageDigests) {
    const unpinned = tagOnlyImages(result, imagesInUse(result), spec);
    if (unpinned.length) throw new LayerConfigError(unpinned, "Images pinned by tag only");
  }
  return result as PlanFor<S["target"]["kind"]>;
}

/**
 * The catalog's images with the config's overrides, each joined with the lock's digest when it holds one for that
 * reference (components/catalog/imageDigests.ts; otherwise pinned by tag).
 */
function lockedImages(spec: LayerSpec): Plan["images"] {
  const merged: Record<string, string | undefined> = { ...IMAGES, ...spec.images };
  return Object.fromEntries(
    Object.entries(merged).map(([k, ref]) => [k, lockedImage(ref ?? IMAGES[k as keyof typeof IMAGES])]),
  ) as unknown as Plan["images"];
}

/** Models the layer serves itself, and those served elsewhere (a hosted API, a GPU cloud) by config index. */
function splitModels(
  spec: LayerSpec,
  stack: string,
  provided: ReadonlySet<string>,
  problems: ConfigProblem[],
) {
  const extras = extraModels(spec);
  const hosted: SelfHosted[] = [];
  const elsewhere = new Map<number, RemoteModel | CloudModel>();
  const vllmImage = lockedImage(spec.images.vllm ?? IMAGES.vllm);
  spec.models.forEach((entry, index) => {
    if (entry.remote) return void elsewhere.set(index, planRemote(entry, index, provided, problems));
    const model = findModel(entry.model!, extras) as ModelSpec;
    if (entry.backend) {
      const cloud = planCloudModel(stack, entry, index, model, vllmImage, provided, problems);
      if (cloud) elsewhere.set(index, cloud);
    } else hosted.push({ entry, index, model });
  });
  return { hosted, elsewhere, vllmImage };
}

/** The secrets the layer needs (generated or required) and where alerts go. */
function secretsWanted(
  spec: LayerSpec,
  models: readonly PlannedModel[],
  provided: ReadonlySet<string>,
  warnings: string[],
) {
  const vllm = models.filter(isVllm);
  const cloud = models.filter(isCloud);
  const wanted = new Set<LayerSecretKey>(["gatewayMasterKey"]);
  if (spec.cache.enabled) wanted.add("redisPassword");
  if (spec.monitoring.enabled && !spec.monitoring.existingPrometheus) wanted.add("grafanaAdminPassword");
  if (vllm.length || cloud.some((m) => m.runtime === "modal")) wanted.add("vllmApiKey");
  if ((vllm.length || cloud.length) && provided.has("hfToken")) wanted.add("hfToken");
  for (const m of models.filter(isRemote)) wanted.add(m.apiKey.configKey as LayerSecretKey);
  if (cloud.some((m) => m.runtime === "runpod")) wanted.add("runpodApiKey");
  if (cloud.some((m) => m.runtime === "modal"))
    (["modalTokenId", "modalTokenSecret", "modalProxyTokenId", "modalProxyTokenSecret"] as const).forEach(
      (k) => wanted.add(k),
    );
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
  return { wanted, alerting };
}

/** Every service's address: the target's, with the team's Prometheus and Redis in place of the layer's. */
function serviceAddresses(
  spec: LayerSpec,
  entry: TargetEntry<TargetKind>,
  target: PlannedTarget,
  provided: ReadonlySet<string>,
): Plan["services"] {
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
      PLACEMENT_HEADING,
    );
  }
  return {
    ...entry.services(target),
    // The team's Prometheus replaces the layer's: KEDA, runbooks and the rendered datasource point at it.
    ...(existingPrometheus ? { prometheus: addressOf(existingPrometheus.url) } : {}),
    // The team's Redis replaces the layer's: the gateway and the exporter connect to it.
    ...(existingRedis ? { redis: addressOf(existingRedis.url) } : {}),
  };
}

/**
 * The bill at min and max scale (what the target runs, plus GPU-cloud workers: min always, max under load), the
 * per-model cost model, and the budget: checked against max scale; onExceed decides whether a breach stops the
 * plan or is reported.
 */
function planCost(
  spec: LayerSpec,
  entry: TargetEntry<TargetKind>,
  target: PlannedTarget,
  models: readonly PlannedModel[],
  warnings: string[],
) {
  const cloud = models.filter(isCloud);
  const cloudCost = (bound: "min" | "max") =>
    cloud.reduce((sum, m) => sum + m.workers[bound] * m.usdPerWorkerHour, 0);
  const hourly = entry.hourlyUsd(target, models);
  const perHourUsd = hourly.min + cloudCost("min");
  const perHourMaxUsd = hourly.max + cloudCost("max");
  const cost = {
    perHourUsd: rate(perHourUsd),
    perHourMaxUsd: rate(perHourMaxUsd),
    perMonthUsd: money(perHourUsd * HOURS_PER_MONTH),
    perMonthMaxUsd: money(perHourMaxUsd * HOURS_PER_MONTH),
  };
  const costModel = planCostModel(models, spec.budget, entry.pricing);
  const overBudget = checkBudget(spec.budget, cost, costModel, entry.pricing);
  if (overBudget && spec.budget?.onExceed === "fail") {
    throw new LayerConfigError([overBudget], "The layer exceeds its budget");
  }
  if (overBudget) warnings.push(`Budget exceeded: ${overBudget.message}`);
  if (spec.budget && costModel.unpriced.length) {
    warnings.push(
      `Budget check incomplete: ${costModel.unpriced.join(", ")} unpriced on this target, so the ` +
        `$${spec.budget.monthlyUsd}/month check counts them as $0; price them (target.costPerGpuHourUsd).`,
    );
  }
  return { cost, costModel };
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
  !(plan.target.kind === "aws-ec2" && plan.target.aws.elasticache);

/** Whether the gateway and the exporter reach Redis over TLS (an existing `rediss://` one). */
export const redisTls = (plan: Pick<Plan, "cache">): boolean =>
  plan.cache.existingRedis?.url.startsWith("rediss://") ?? false;

/** The Redis address the exporter watches, `redis://host:port` or `rediss://…` (no password: it is in env). */
export const redisExporterAddress = (plan: Pick<Plan, "cache" | "services">): string =>
  `${redisTls(plan) ? "rediss" : "redis"}://${plan.services.redis.host}:${plan.services.redis.port}`;

/** The pinned images this plan actually runs (the catalog pins more than one layer uses). */
export function imagesInUse(plan: Plan): Partial<Record<keyof Plan["images"], string>> {
  const t = onCluster(plan) ? plan.target : undefined;
  const vllm = plan.models.some(isVllm);
  // A Modal app runs the same pinned vLLM image (Runpod runs its own worker image, listed apart).
  const modal = plan.models.some((m) => isCloud(m) && m.runtime === "modal");
  const used: (keyof Plan["images"])[] = [
    ...(plan.models.some((m) => m.runtime === "ollama") ? (["ollama"] as const) : []),
    ...(vllm || modal ? (["vllm"] as const) : []),
    "gateway",
    ...(runsRedis(plan) ? (["redis"] as const) : []),
    ...(plan.cache.enabled ? (["redisExporter"] as const) : []),
    ...(plan.monitoring.enabled && !plan.monitoring.existingPrometheus
      ? (["prometheus", "grafana"] as const)
      : []),
    ...(plan.alerting.slack || plan.alerting.pagerduty ? (["alertmanager"] as const) : []),
    ...(t && vllm && !t.clusterHas.nvidiaDevicePlugin ? (["nvidiaDevicePlugin"] as const) : []),
    ...(t && vllm && plan.monitoring.enabled && !t.clusterHas.dcgmExporter
      ? (["dcgmExporter"] as const)
      : []),
  ];
  return Object.fromEntries(used.map((k) => [k, plan.images[k]]));
}
