import { BYTES_PER_PARAM, findGpu, type ModelSpec } from "../catalog";
import { DEFAULTS, formatPath, HOURS_PER_MONTH, type BudgetSpec, type ConfigProblem } from "../spec";
import { isCloud, isVllm, type CloudModel, type PlannedModel, type VllmModel } from "./types";

/**
 * The cost model: what each self-hosted GPU model costs per hour and month at min and max scale, and what one
 * million output tokens cost at a stated utilization, from a bandwidth-roofline throughput estimate.
 *
 * Throughput (runtime-facts.md §G). Decoding one token reads every weight once, so a single stream is bounded by
 *   roofline tok/s = GPU bandwidth (GB/s) × GPUs per replica ÷ weight GB (params × bytes/param at the precision)
 * and reaches a fraction of it. That fraction is calibrated on the one published point with both numbers:
 * A100-40GB, Llama-3.1-8B bf16, vLLM 0.23: ~75 tok/s single stream ≈ 77% of roofline → DECODE_EFFICIENCY 0.75
 * (1555 / 16.06 = 96.8 tok/s roofline × 0.75 = 72.6 tok/s, 3% under the measured 75).
 * Batching: the same sweep measured 6.6× aggregate at concurrency 8 (the knee) = 8 × 0.83, so
 *   aggregate tok/s = single × max(1, min(C, 8) × 0.83)
 * (the floor at 1 keeps C = 1 on the calibrated single-stream point). C defaults to 8, capped by the requests of
 * the assumed length (budget.assumedRequestTokens, default 1024 prompt + 256 output) that the KV cache left after
 * the weights holds (fit.kvBudgetGiB ÷ (KV per token × request tokens)), at least 1. Capping by full-context
 * sequences instead would price every request as if it filled max-model-len, several-fold too high for chat.
 * $ per 1M output tokens = $/replica-hour ÷ (aggregate tok/s × 3600 s × utilization) × 1e6.
 * Ollama (docker) is priced as the host only; its per-token cost is not estimated.
 */
export const COST_CONSTANTS = {
  /** Share of the bandwidth roofline a single decode stream reaches (calibrated on A100-40GB, 8B bf16). */
  decodeEfficiency: 0.75,
  /** Concurrency at which batching stops paying (the measured knee). */
  concurrencyKnee: 8,
  /** Aggregate speed-up per concurrent stream up to the knee (6.6× at C = 8). */
  batchingEfficiency: 0.83,
  /** Concurrent streams assumed per replica, before the KV-cache cap. */
  defaultConcurrency: 8,
} as const;

/** The assumptions behind the figures, as data (summary.md prints them). */
export interface CostAssumptions {
  readonly hoursPerMonth: number;
  /** Share of each hour a replica spends generating (budget.assumedUtilization or the default). */
  readonly utilization: number;
  readonly decodeEfficiency: number;
  readonly concurrencyKnee: number;
  readonly batchingEfficiency: number;
  readonly defaultConcurrency: number;
  /** The typical request the concurrency is computed for (budget.assumedRequestTokens or the default). */
  readonly requestTokens: { readonly prompt: number; readonly output: number };
  /** Where the $/h figures come from. */
  readonly pricing: string;
  /** The formulas and their sources, one sentence each. */
  readonly notes: readonly string[];
}

/** Throughput estimate of one replica of a vLLM model. */
export interface ThroughputEstimate {
  /** Bandwidth ceiling of one stream, tok/s. */
  readonly rooflineTokensPerSecond: number;
  /** Single-stream decode estimate, tok/s. */
  readonly singleStreamTokensPerSecond: number;
  /** Concurrent streams assumed. */
  readonly concurrency: number;
  /** Aggregate output tok/s of one replica at that concurrency. */
  readonly aggregateTokensPerSecond: number;
}

export interface ModelCost {
  readonly name: string;
  /** Index in layer.models, for error paths. */
  readonly index: number;
  readonly usdPerReplicaHour: number;
  /** All tracks (stable + canary) at their min and max replicas. */
  readonly perHourMinUsd: number;
  readonly perHourMaxUsd: number;
  readonly perMonthMinUsd: number;
  readonly perMonthMaxUsd: number;
  /** Chat models only; embedding models generate no output tokens. */
  readonly throughput?: ThroughputEstimate;
  /** null when not estimated (embedding models, or a replica that costs nothing). */
  readonly usdPerMillionOutputTokens: number | null;
  /** Why this model has no $/h on its target: its figures are 0 and left out of the totals. */
  readonly unpriced?: string;
}

export interface CostModel {
  readonly assumptions: CostAssumptions;
  /** Self-hosted GPU models (vLLM); Ollama and remote models are not priced per model. */
  readonly models: readonly ModelCost[];
  /** Names of the models without a price on their target (left out of every total and the budget check). */
  readonly unpriced: readonly string[];
}

const round4 = (n: number) => Math.round(n * 10_000) / 10_000;
const round2 = (n: number) => Math.round(n * 100) / 100;
const round1 = (n: number) => Math.round(n * 10) / 10;

/** Weight bytes read per decoded token: parameters × bytes per parameter at the served precision. */
export function weightBytes(
  model: Pick<ModelSpec, "paramsB">,
  precision: keyof typeof BYTES_PER_PARAM,
): number {
  return model.paramsB * 1e9 * BYTES_PER_PARAM[precision];
}

/** Throughput of one replica: roofline × efficiency, then batching up to the knee (see the file comment). */
export function estimateThroughput(input: {
  readonly bandwidthGBps: number;
  readonly gpus: number;
  readonly weightBytes: number;
  /** Requests of the assumed length the KV cache holds at once (Infinity when unbounded). */
  readonly kvSequences: number;
}): ThroughputEstimate {
  const c = COST_CONSTANTS;
  const roofline = (input.bandwidthGBps * 1e9 * input.gpus) / input.weightBytes;
  const single = roofline * c.decodeEfficiency;
  const concurrency = Math.max(1, Math.min(c.defaultConcurrency, input.kvSequences));
  const speedup = Math.max(1, Math.min(concurrency, c.concurrencyKnee) * c.batchingEfficiency);
  return {
    rooflineTokensPerSecond: round1(roofline),
    singleStreamTokensPerSecond: round1(single),
    concurrency,
    aggregateTokensPerSecond: round1(single * speedup),
  };
}

/** $ per 1M output tokens: one replica-hour over the tokens it generates in that hour at `utilization`. */
export function usdPerMillionTokens(usdPerReplicaHour: number, tokensPerSecond: number, utilization: number) {
  return (usdPerReplicaHour / (tokensPerSecond * 3600 * utilization)) * 1e6;
}

/** What pricing one model needs, whether its GPUs are cluster replicas or GPU-cloud workers. */
interface Priced {
  readonly name: string;
  readonly kind: VllmModel["kind"];
  readonly gpu: { readonly type: string; readonly count: number };
  /** Weights of the whole model at the served precision, GiB. */
  readonly weightsGiB: number;
  /** Per GPU: the KV cache left after weights and overhead, and one token's KV, GiB (from the fit). */
  readonly kvBudgetGiB: number;
  readonly kvPerTokenGiB: number;
  /** $/h of one replica or worker. */
  readonly usdPerUnitHour: number;
  readonly units: { readonly min: number; readonly max: number };
  readonly unpriced?: string;
}

function priced(m: VllmModel | CloudModel): Priced {
  const common = {
    name: m.name,
    kind: m.kind,
    gpu: m.gpu,
    kvBudgetGiB: m.fit.kvBudgetGiB,
    kvPerTokenGiB: m.fit.kvPerTokenGiB,
  };
  if (isVllm(m)) {
    const replicas = (bound: "min" | "max") => m.tracks.reduce((n, t) => n + t.replicas[bound], 0);
    return {
      ...common,
      weightsGiB: m.memory.weightsGiB,
      usdPerUnitHour: m.usdPerReplicaHour,
      units: { min: replicas("min"), max: replicas("max") },
      ...(m.unpriced ? { unpriced: m.unpriced } : {}),
    };
  }
  // fit.weightsGiB is per GPU (tensor parallelism shards the weights).
  return {
    ...common,
    weightsGiB: m.fit.weightsGiB * m.gpu.count,
    usdPerUnitHour: m.usdPerWorkerHour,
    units: m.workers,
  };
}

/** Requests of `requestTokens` the KV cache left holds at once (Infinity without a KV cache). */
export function requestsInKvCache(kvBudgetGiB: number, kvPerTokenGiB: number, requestTokens: number): number {
  return kvPerTokenGiB > 0
    ? Math.max(0, Math.floor(kvBudgetGiB / (kvPerTokenGiB * requestTokens)))
    : Infinity;
}

function modelCost(
  model: VllmModel | CloudModel,
  index: number,
  utilization: number,
  requestTokens: number,
): ModelCost {
  const m = priced(model);
  const perHourMin = m.units.min * m.usdPerUnitHour;
  const perHourMax = m.units.max * m.usdPerUnitHour;
  const gpu = findGpu(m.gpu.type);
  const bytes = m.weightsGiB * 1024 ** 3;
  const throughput =
    m.kind === "chat" && gpu
      ? estimateThroughput({
          bandwidthGBps: gpu.bandwidthGBps,
          gpus: m.gpu.count,
          weightBytes: bytes,
          kvSequences: requestsInKvCache(m.kvBudgetGiB, m.kvPerTokenGiB, requestTokens),
        })
      : undefined;
  const perMillion =
    throughput && m.usdPerUnitHour > 0
      ? round4(usdPerMillionTokens(m.usdPerUnitHour, throughput.aggregateTokensPerSecond, utilization))
      : null;
  return {
    name: m.name,
    index,
    usdPerReplicaHour: m.usdPerUnitHour,
    perHourMinUsd: round4(perHourMin),
    perHourMaxUsd: round4(perHourMax),
    perMonthMinUsd: round2(perHourMin * HOURS_PER_MONTH),
    perMonthMaxUsd: round2(perHourMax * HOURS_PER_MONTH),
    ...(throughput ? { throughput } : {}),
    usdPerMillionOutputTokens: perMillion,
    ...(m.unpriced ? { unpriced: m.unpriced } : {}),
  };
}

/** How a target is priced: a Docker host's fixed cost, GPU-hours on a cluster, or EC2 instances (aws-ec2). */
export type PricingKind = "docker" | "kubernetes" | "aws-ec2";

/** The cost model of the planned models (pure). */
export function planCostModel(
  models: readonly PlannedModel[],
  budget: BudgetSpec | undefined,
  target: PricingKind,
): CostModel {
  const utilization = budget?.assumedUtilization ?? DEFAULTS.budget.assumedUtilization;
  const request = budget?.assumedRequestTokens ?? DEFAULTS.budget.assumedRequestTokens;
  const requestTokens = request.prompt + request.output;
  const c = COST_CONSTANTS;
  const pricing =
    target === "docker"
      ? "the Docker host's configured cost (target.costPerHourUsd); Ollama models are not priced per token"
      : target === "aws-ec2"
        ? "a replica is one EC2 GPU instance at the catalog's us-east-1 on-demand $/h (runtime-facts.md §F); the control host and ElastiCache are a fixed cost on top"
        : "GPU replicas only: target.costPerGpuHourUsd × GPUs, else the AWS us-east-1 on-demand instance that carries a replica's GPUs (runtime-facts.md §F), shared by the replicas that fit on it";
  return {
    assumptions: {
      hoursPerMonth: HOURS_PER_MONTH,
      utilization,
      ...c,
      requestTokens: { prompt: request.prompt, output: request.output },
      pricing,
      notes: [
        `a month is ${HOURS_PER_MONTH} h; min and max scale count every track's (stable and canary) replicas`,
        "single-stream decode = GPU bandwidth × GPUs ÷ weight bytes at the served precision (bandwidth roofline)" +
          ` × ${c.decodeEfficiency}, calibrated on A100-40GB Llama-3.1-8B bf16 ≈ 75 tok/s ≈ 77% of roofline (runtime-facts.md §G)`,
        `aggregate = single × max(1, min(C, ${c.concurrencyKnee}) × ${c.batchingEfficiency}) (6.6× at C = 8, the measured knee);` +
          ` C = ${c.defaultConcurrency} concurrent streams, capped by the requests of ${request.prompt} prompt + ${request.output} output tokens` +
          " (budget.assumedRequestTokens) the KV cache left after the weights holds, at least 1",
        `$ per 1M output tokens = $/replica-hour ÷ (aggregate tok/s × 3600 × utilization ${utilization}) × 1e6;` +
          " an estimate for planning, not a benchmark: measure with the Cost dashboard",
      ],
    },
    models: models.flatMap((m, i) =>
      isVllm(m) || isCloud(m) ? [modelCost(m, i, utilization, requestTokens)] : [],
    ),
    unpriced: models.flatMap((m) => (isVllm(m) && m.unpriced ? [m.name] : [])),
  };
}

const usd = (n: number) => `$${n.toFixed(2)}`;
/** Hourly rates keep up to 4 decimals ($0.8048/h). */
const usdRate = (n: number) => `$${round4(n)}`;

/**
 * Compares max scale against budget.monthlyUsd. Returns nothing when within (or no budget), else the problem at
 * layer.budget.monthlyUsd with the numbers and the fixes; the caller fails or warns as budget.onExceed says.
 */
export function checkBudget(
  budget: BudgetSpec | undefined,
  cost: { readonly perHourMaxUsd: number; readonly perMonthMaxUsd: number },
  model: CostModel,
  target: PricingKind,
): ConfigProblem | undefined {
  if (!budget || cost.perMonthMaxUsd <= budget.monthlyUsd) return undefined;
  const over = cost.perMonthMaxUsd - budget.monthlyUsd;
  const parts = model.models
    .filter((m) => m.perMonthMaxUsd > 0)
    .map((m) => `${m.name} ${usd(m.perMonthMaxUsd)}`)
    .join(", ");
  const fixes: string[] = [];
  if (target !== "docker") {
    const priciest = [...model.models].sort((a, b) => b.perMonthMaxUsd - a.perMonthMaxUsd)[0];
    if (priciest && priciest.usdPerReplicaHour > 0) {
      const perReplicaMonth = priciest.usdPerReplicaHour * HOURS_PER_MONTH;
      const fewer = Math.ceil(over / perReplicaMonth - 1e-9);
      const currentMax = Math.round(priciest.perHourMaxUsd / priciest.usdPerReplicaHour);
      if (fewer < currentMax) {
        fixes.push(
          `lower ${formatPath(["models", priciest.index, "replicas", "max"])} by ${fewer} ` +
            `(each replica of ${priciest.name} costs ${usd(perReplicaMonth)}/month)`,
        );
      }
    }
    fixes.push(
      "lower replicas.max (or remove a canary) on other models",
      "serve on a cheaper or smaller GPU (gpu.type, gpu.count), with precision: fp8 or a 4-bit variant if it must fit",
      ...(target === "kubernetes"
        ? ["set target.costPerGpuHourUsd if you pay less than AWS on-demand (reserved, spot, another cloud)"]
        : []),
    );
  } else {
    fixes.push("a cheaper host (target.costPerHourUsd is what it costs)");
  }
  fixes.push("raise budget.monthlyUsd", "or set budget.onExceed: warn to report instead of failing");
  return {
    path: formatPath(["budget", "monthlyUsd"]),
    message:
      `max scale costs ${usd(cost.perMonthMaxUsd)}/month (${usdRate(cost.perHourMaxUsd)}/h × ${HOURS_PER_MONTH} h` +
      `${parts ? `: ${parts}` : ""}${model.unpriced.length ? `; leaves out unpriced ${model.unpriced.join(", ")}` : ""}), ` +
      `${usd(over)} over the budget of ${usd(budget.monthlyUsd)}. ` +
      `Fixes: ${fixes.join("; ")}.`,
  };
}
