import { isVllm, onCluster, onDockerHost, type Plan, type VllmModel } from "../plan";
import { HOURS_PER_MONTH } from "../spec";
import { alertRunbooks, DASHBOARDS, type Runbooks } from "./alertRunbooks";
import { yamlFile } from "./yamlFile";

/**
 * Recording rules other renderers (the cost dashboard) query by name: a contract, so change both sides together.
 * - `cost`: the layer's $/h now (kubernetes: GPU replicas that answer scrapes × $/replica-hour; docker: the host's
 *   configured $/h). No labels.
 * - `modelCost`: the same per vLLM model, label `model` (a model at zero replicas records 0). Kubernetes only: a
 *   docker host's cost is not split by model.
 * - `requests` / `outputTokens`: gateway requests/s and output tokens/s over 5m, by `requested_model`.
 */
export const RECORDING_RULES = {
  cost: "ai_layer:cost_usd_per_hour",
  modelCost: "ai_layer:model_cost_usd_per_hour",
  requests: "ai_layer:gateway_requests:rate5m",
  outputTokens: "ai_layer:output_tokens:rate5m",
} as const;

export type Severity = "critical" | "warning";

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: { readonly severity: Severity } & Readonly<Record<string, string>>;
  readonly annotations: { readonly summary: string; readonly description: string; readonly runbook: string };
}

export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
  readonly labels?: Readonly<Record<string, string>>;
}

export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly (AlertRule | RecordingRule)[];
}

/**
 * Whether this stack's Prometheus scrapes a DCGM exporter: the kubernetes target runs one for vLLM unless the
 * cluster has its own (which lives outside the namespace Prometheus discovers in). Mirrors kubernetesEndpoints.
 */
export function scrapesDcgm(plan: Plan): boolean {
  return onCluster(plan) && plan.models.some(isVllm) && !plan.target.clusterHas.dcgmExporter;
}

/** Whether this stack's Prometheus scrapes vLLM servers (job "vllm"): kubernetes pods, or aws-ec2 instances. */
export function scrapesVllm(plan: Plan): boolean {
  return plan.target.kind !== "docker";
}

/**
 * Whether the rules record `ai_layer:model_cost_usd_per_hour` (per vLLM model, from `up{job="vllm"}`): only where
 * Prometheus scrapes vLLM servers. The cost dashboard shows its per-model panels only then (the e2e tier found a
 * docker stack's "Cost per model" panel querying a series nothing records).
 */
export function recordsModelCost(plan: Plan): boolean {
  return scrapesVllm(plan) && plan.models.some(isVllm);
}

const pct = "{{ $value | humanizePercentage }}";
/** A 0–1 threshold as a percentage for annotations, without float noise (0.07 → "7%"). */
const percent = (ratio: number) => `${Number((ratio * 100).toFixed(4))}%`;

/** Requests/s and output tokens/s by model, and the layer's $/h, for the cost dashboard and SpendOverBudget. */
function recordingRules(plan: Plan): RecordingRule[] {
  const byModel = (metric: string) => `sum by (requested_model) (rate(${metric}[5m]))`;
  const traffic: RecordingRule[] = [
    { record: RECORDING_RULES.requests, expr: byModel("litellm_proxy_total_requests_metric_total") },
    { record: RECORDING_RULES.outputTokens, expr: byModel("litellm_output_tokens_metric_total") },
  ];
  const vllm = plan.models.filter(isVllm);
  // A Docker host costs the same at any load; on aws-ec2 that is the control host (and ElastiCache).
  const fixed = onDockerHost(plan) ? plan.target.costPerHourUsd : 0;
  if (!recordsModelCost(plan)) {
    return [...traffic, { record: RECORDING_RULES.cost, expr: `vector(${fixed})` }];
  }
  // Every pod of every track (stable and canary) that answers its scrape is a replica holding GPUs; `or vector(0)`
  // keeps a model scaled to zero on the dashboard at $0. The rule's `model` label names the series (one rule per
  // model, so promtool's duplicate check sees distinct label sets).
  const modelCost = (m: VllmModel): RecordingRule => ({
    record: RECORDING_RULES.modelCost,
    expr: `count(up{job="vllm", model="${m.name}"} == 1) * ${m.usdPerReplicaHour} or vector(0)`,
    labels: { model: m.name },
  });
  return [
    ...traffic,
    ...vllm.map(modelCost),
    {
      record: RECORDING_RULES.cost,
      expr: fixed ? `sum(${RECORDING_RULES.modelCost}) + ${fixed}` : `sum(${RECORDING_RULES.modelCost})`,
    },
  ];
}

function gatewayAlerts(plan: Plan, rb: Runbooks): AlertRule[] {
  const slo = plan.monitoring.slo;
  const rate = (metric: string) => `sum by (requested_model) (rate(${metric}[5m]))`;
  return [
    {
      alert: "GatewayDown",
      // No litellm target answers: every replica down, or none discovered at all (absent covers both).
      expr: 'absent(up{job="litellm"} == 1)',
      for: "2m",
      labels: { severity: "critical", service: "gateway" },
      annotations: {
        summary: "The LiteLLM gateway is down: no replica answers Prometheus' scrape",
        description: "No gateway target has been up for 2m; every client request to the layer fails.",
        runbook: rb.gatewayDown,
      },
    },
    {
      alert: "GatewayErrorRatioHigh",
      expr:
        `${rate("litellm_proxy_failed_requests_metric_total")} / ` +
        `${rate("litellm_proxy_total_requests_metric_total")} > ${slo.errorRatio}`,
      for: "5m",
      labels: { severity: "critical", service: "gateway" },
      annotations: {
        summary: "Gateway requests for {{ $labels.requested_model }} fail above the SLO",
        description: `${pct} of requests for {{ $labels.requested_model }} failed over 5m (SLO: below ${percent(slo.errorRatio)}).`,
        runbook: rb.gatewayErrors,
      },
    },
    {
      alert: "GatewayLatencyP95High",
      expr:
        "histogram_quantile(0.95, sum by (le, requested_model) " +
        `(rate(litellm_request_total_latency_metric_bucket[5m]))) > ${slo.p95LatencySeconds}`,
      for: "10m",
      labels: { severity: "warning", service: "gateway" },
      annotations: {
        summary: "p95 latency of {{ $labels.requested_model }} is over the SLO",
        description: `p95 end-to-end latency of {{ $labels.requested_model }} is {{ $value | humanizeDuration }} (SLO: ${slo.p95LatencySeconds}s).`,
        runbook: rb.gatewayLatency,
      },
    },
  ];
}

function cacheAlerts(rb: Runbooks): AlertRule[] {
  return [
    {
      alert: "RedisDown",
      // redis_up = 0: the exporter runs but cannot reach Redis; up = 0: the exporter itself is down.
      expr: 'redis_up == 0 or up{job="redis"} == 0',
      for: "2m",
      labels: { severity: "critical", service: "cache" },
      annotations: {
        summary: "Redis (response cache and router state) is unreachable",
        description: "Redis or its exporter ({{ $labels.instance }}) has been down for 2m.",
        runbook: rb.redisDown,
      },
    },
    {
      alert: "RedisNearMaxMemory",
      // `> 0` drops a Redis without maxmemory (0 = unlimited) instead of dividing by zero.
      expr: "redis_memory_used_bytes / (redis_memory_max_bytes > 0) > 0.9",
      for: "10m",
      labels: { severity: "warning", service: "cache" },
      annotations: {
        summary: "Redis is near its maxmemory",
        description: `Redis uses ${pct} of its maxmemory.`,
        runbook: rb.redisMemory,
      },
    },
    {
      alert: "RedisEvicting",
      expr: "rate(redis_evicted_keys_total[5m]) > 0",
      for: "15m",
      labels: { severity: "warning", service: "cache" },
      annotations: {
        summary: "Redis has been evicting keys for 15m",
        description: "Redis evicts {{ $value | humanize }} keys/s: cached responses are dropped early.",
        runbook: rb.redisEvicting,
      },
    },
  ];
}

function vllmAlerts(plan: Plan, rb: Runbooks): AlertRule[] {
  const slo = plan.monitoring.slo;
  const alwaysOn = plan.models.filter(isVllm).filter((m) => m.replicas.min >= 1);
  return [
    {
      alert: "ModelQueueBacklog",
      expr: `sum by (model) (vllm:num_requests_waiting{job="vllm"}) > ${slo.waitingRequests}`,
      for: "10m",
      labels: { severity: "warning", service: "inference" },
      annotations: {
        summary: "Requests queue up for {{ $labels.model }}",
        description: `{{ $value }} requests wait for {{ $labels.model }} (threshold ${slo.waitingRequests}) for 10m: autoscaling did not catch up.`,
        runbook: rb.queueBacklog,
      },
    },
    {
      alert: "KvCacheSaturated",
      expr: `max by (model, pod) (vllm:kv_cache_usage_perc{job="vllm"}) > ${slo.kvCacheUsage}`,
      for: "10m",
      labels: { severity: "warning", service: "inference" },
      annotations: {
        summary: "KV cache of {{ $labels.model }} ({{ $labels.pod }}) is nearly full",
        description: `KV-cache usage is ${pct} (threshold ${percent(slo.kvCacheUsage)}); new requests wait or preempt others.`,
        runbook: rb.kvCache,
      },
    },
    {
      alert: "VllmPreemptions",
      expr: 'sum by (model) (rate(vllm:num_preemptions_total{job="vllm"}[5m])) > 0',
      for: "15m",
      labels: { severity: "warning", service: "inference" },
      annotations: {
        summary: "vLLM preempts requests of {{ $labels.model }}",
        description:
          "{{ $labels.model }} preempts {{ $value | humanize }} requests/s: KV cache too small for the load.",
        runbook: rb.kvCache,
      },
    },
    // One rule per model that must always run (min ≥ 1); a model KEDA may scale to zero has no such alert.
    ...alwaysOn.map((m): AlertRule => ({
      alert: "VllmModelDown",
      expr: `absent(up{job="vllm", model="${m.name}"} == 1)`,
      // Long enough for a pod to pull weights and load on a fresh node.
      for: "15m",
      labels: { severity: "critical", service: "inference", model: m.name },
      annotations: {
        summary: `No vLLM replica of ${m.name} is up`,
        description: `${m.name} should run at least ${m.replicas.min} replica(s) but none has answered a scrape for 15m; the gateway falls back or fails.`,
        // Annotations see the expression's labels only; absent() has none, so the model is filled in here.
        runbook: rb.modelDown.replaceAll("{{ $labels.model }}", m.name),
      },
    })),
  ];
}

function gpuAlerts(plan: Plan, rb: Runbooks): AlertRule[] {
  // GPUs the always-on replicas hold: fewer visible GPUs means a node or driver is missing.
  const needed = plan.models
    .filter(isVllm)
    .reduce((n, m) => n + m.tracks.reduce((r, t) => r + t.replicas.min, 0) * m.gpu.count, 0);
  return [
    ...(needed > 0
      ? [
          {
            alert: "GpuMissing",
            expr: `(count(DCGM_FI_DEV_GPU_UTIL) or vector(0)) < ${needed}`,
            for: "15m",
            labels: { severity: "critical", service: "gpu" },
            annotations: {
              summary: "Fewer GPUs report metrics than the models need",
              description: `DCGM reports {{ $value }} GPU(s); the vLLM replicas at minimum scale need ${needed}.`,
              runbook: rb.gpuMissing,
            },
          } satisfies AlertRule,
        ]
      : []),
    {
      alert: "GpuXidErrors",
      // The gauge holds the last XID code (0 = none since the driver loaded): any code is worth a look.
      expr: "DCGM_FI_DEV_XID_ERRORS > 0",
      labels: { severity: "critical", service: "gpu" },
      annotations: {
        summary: "GPU {{ $labels.gpu }} on {{ $labels.Hostname }} reported an XID error",
        description: "Last XID error code: {{ $value }} (GPU {{ $labels.gpu }}, {{ $labels.modelName }}).",
        runbook: rb.gpuXid,
      },
    },
  ];
}

function budgetAlerts(plan: Plan, rb: Runbooks): AlertRule[] {
  if (!plan.budget) return [];
  const budget = plan.budget.monthlyUsd;
  return [
    {
      alert: "SpendOverBudget",
      expr: `${RECORDING_RULES.cost} * ${HOURS_PER_MONTH} > ${budget}`,
      for: "30m",
      labels: { severity: "warning", service: "cost" },
      annotations: {
        summary: "The layer's spend rate would exceed the monthly budget",
        description: `At the current rate the layer costs \${{ $value | printf "%.0f" }} a month (${HOURS_PER_MONTH} h); the budget is $${budget}.`,
        runbook: rb.spend,
      },
    },
  ];
}

/** The rule groups of a plan: only alerts whose metrics this target's Prometheus scrapes. */
export function alertRuleGroups(plan: Plan): RuleGroup[] {
  const rb = alertRunbooks(plan);
  const groups: RuleGroup[] = [
    { name: "ai-layer-recording", rules: recordingRules(plan) },
    { name: "ai-layer-gateway", rules: gatewayAlerts(plan, rb) },
    ...(plan.cache.enabled ? [{ name: "ai-layer-cache", rules: cacheAlerts(rb) }] : []),
    ...(scrapesVllm(plan) && plan.models.some(isVllm)
      ? [{ name: "ai-layer-vllm", rules: vllmAlerts(plan, rb) }]
      : []),
    ...(scrapesDcgm(plan) ? [{ name: "ai-layer-gpu", rules: gpuAlerts(plan, rb) }] : []),
    ...(plan.budget ? [{ name: "ai-layer-cost", rules: budgetAlerts(plan, rb) }] : []),
  ];
  return groups;
}

/**
 * For drills and the e2e tier (test/e2e), which must see an alert fire within seconds; a stack leaves both unset.
 */
export interface AlertRuleOptions {
  /**
   * Evaluation interval of every group, seconds: the rule group's `interval` field (Prometheus
   * docs/configuration/recording_rules.md, `<rule_group>`). Default: unset, so the global `evaluation_interval`
   * (the scrape interval) applies.
   */
  readonly evaluationIntervalSeconds?: number;
  /** Replaces every alert's `for`, seconds (0 = fire on the first evaluation that matches). Default: each rule's own. */
  readonly forSeconds?: number;
}

/** prometheus/rules/ai-layer.yml: recording rules (cost, traffic) and alerts with severity and runbook. */
export function renderAlertRules(plan: Plan, opts: AlertRuleOptions = {}): string {
  const groups = alertRuleGroups(plan).map((g) => ({
    name: g.name,
    ...(opts.evaluationIntervalSeconds !== undefined
      ? { interval: `${opts.evaluationIntervalSeconds}s` }
      : {}),
    rules:
      opts.forSeconds === undefined
        ? g.rules
        : g.rules.map((r) => ("alert" in r ? { ...r, for: `${opts.forSeconds}s` } : r)),
  }));
  return yamlFile(
    `Prometheus rules for stack "${plan.stack}", rendered by ai-layer (renderAlertRules).\n` +
      `Dashboards named in runbooks: ${Object.values(DASHBOARDS).join(", ")}.`,
    { groups },
  );
}
