import type { Plan } from "../plan";
import { recordsModelCost } from "./alertRules";
import { dashboardJson, type Panel } from "./grafana";

// Grafana's rate window: sized from the datasource's timeInterval (the scrape interval), see grafana.ts.
const RATE = "[$__rate_interval]";

/**
 * Panels of the Redis (response cache) dashboard. Metric names are redis_exporter's (oliver006/redis_exporter
 * `exporter/exporter.go`, namespace `redis`; runtime-facts.md §D): gauges as is, INFO counters with `_total`.
 */
export function redisPanels(): Panel[] {
  const perSecond = (metric: string) => `sum(rate(${metric}${RATE}))`;
  return [
    {
      title: "Memory used vs max",
      description:
        "Redis memory against its maxmemory. At the line Redis evicts (allkeys-lru) or, with noeviction, refuses writes.",
      unit: "bytes",
      targets: [
        { expr: "max(redis_memory_used_bytes)", legendFormat: "used" },
        { expr: "max(redis_memory_max_bytes)", legendFormat: "max" },
      ],
    },
    {
      title: "Memory used share",
      // maxmemory 0 means unlimited: the filter drops the series rather than dividing by zero.
      description:
        "Used / maxmemory. Sustained near 100% means the cache is too small for the TTL (cache.maxMemoryMb).",
      unit: "percentunit",
      targets: [
        {
          expr: "max(redis_memory_used_bytes) / (max(redis_memory_max_bytes) > 0)",
          legendFormat: "used share",
        },
      ],
    },
    {
      title: "Evictions per second",
      description:
        "Keys dropped to make room. Evictions shorten the cache's effective TTL: raise cache.maxMemoryMb or lower ttlSeconds.",
      unit: "short",
      targets: [{ expr: perSecond("redis_evicted_keys_total"), legendFormat: "evicted keys/s" }],
    },
    {
      title: "Keyspace hit ratio",
      // Empty (not 0) while Redis serves no lookups, so an idle cache does not read as a failing one.
      description:
        "Lookups that found their key / all lookups, as Redis counts them (keyspace_hits, keyspace_misses).",
      unit: "percentunit",
      targets: [
        {
          expr:
            `${perSecond("redis_keyspace_hits_total")} / ` +
            `(${perSecond("redis_keyspace_hits_total")} + ${perSecond("redis_keyspace_misses_total")} > 0)`,
          legendFormat: "hit ratio",
        },
      ],
    },
    {
      title: "Hits and misses per second",
      description: "Keyspace lookups per second.",
      unit: "short",
      targets: [
        { expr: perSecond("redis_keyspace_hits_total"), legendFormat: "hits/s" },
        { expr: perSecond("redis_keyspace_misses_total"), legendFormat: "misses/s" },
      ],
    },
    {
      title: "Connected clients",
      description: "Client connections: the gateway replicas' pools (and the exporter).",
      unit: "short",
      targets: [{ expr: "max(redis_connected_clients)", legendFormat: "clients" }],
    },
    {
      title: "Redis up",
      description:
        "1 when the exporter reaches Redis (redis_up); 0 means the gateway runs without its cache.",
      unit: "short",
      kind: "stat",
      targets: [{ expr: "min(redis_up)", legendFormat: "redis" }],
    },
    {
      title: "Exporter scraped",
      description: "1 when Prometheus reaches the Redis exporter.",
      unit: "short",
      kind: "stat",
      targets: [{ expr: 'up{job="redis"}', legendFormat: "{{instance}}" }],
    },
  ];
}

/** The `model` label of the per-model cost rule, copied from the gateway's `requested_model` for a join. */
const asModel = (expr: string) => `label_replace(${expr}, "model", "$1", "requested_model", "(.*)")`;

/**
 * Panels of the Cost dashboard, from the layer's recording rules (components/render/alertRules.ts):
 * `ai_layer:cost_usd_per_hour` (the layer's planned $/h), `ai_layer:model_cost_usd_per_hour{model}`,
 * `ai_layer:gateway_requests:rate5m{requested_model}` and `ai_layer:output_tokens:rate5m{requested_model}`.
 * $/request and $/1M tokens divide the running cost by live traffic; they are empty, not infinite, when idle.
 */
export function costPanels(plan: Plan): Panel[] {
  const cost = "sum(ai_layer:cost_usd_per_hour)";
  const perModel = recordsModelCost(plan);
  const panels: Panel[] = [
    {
      title: "Cost now ($/h)",
      description: "What the running replicas cost per hour (GPU-hours on kubernetes, the host on docker).",
      unit: "currencyUSD",
      kind: "stat",
      targets: [{ expr: cost, legendFormat: "$/h" }],
    },
    {
      title: "Monthly projection ($)",
      description:
        "The current $/h × 730 h. Compare with budget.monthlyUsd and summary.md's max-scale figure.",
      unit: "currencyUSD",
      kind: "stat",
      targets: [{ expr: `${cost} * 730`, legendFormat: "$/month" }],
    },
    // Per-model cost exists only where the rules record it (vLLM scraped); elsewhere the panel would stay empty.
    ...(perModel
      ? [
          {
            title: "Cost per model ($/h)",
            description: "Per self-hosted model, every track (stable and canary) at its current replicas.",
            unit: "currencyUSD",
            targets: [
              {
                expr: 'sum by (model) (ai_layer:model_cost_usd_per_hour{model=~"$model"})',
                legendFormat: "{{model}}",
              },
            ],
          } satisfies Panel,
        ]
      : []),
    {
      title: "Cost per request ($)",
      description:
        "$/h ÷ (requests/s × 3600): what one request costs at the current traffic. Falls as traffic grows.",
      unit: "currencyUSD",
      targets: [
        {
          expr: `${cost} / (sum(ai_layer:gateway_requests:rate5m) * 3600 > 0)`,
          legendFormat: "$/request",
        },
      ],
    },
    {
      title: "Cost per 1M output tokens ($)",
      description:
        "$/h ÷ (output tokens/s × 3600) × 1e6, from live token counters. summary.md states the planned figure.",
      unit: "currencyUSD",
      targets: [
        {
          expr: `${cost} / (sum(ai_layer:output_tokens:rate5m) * 3600 > 0) * 1e6`,
          legendFormat: "layer",
        },
        ...(perModel
          ? [
              {
                expr:
                  'sum by (model) (ai_layer:model_cost_usd_per_hour{model=~"$model"}) / on (model) ' +
                  `(sum by (model) (${asModel('ai_layer:output_tokens:rate5m{requested_model=~"$model"}')}) * 3600 > 0) * 1e6`,
                legendFormat: "{{model}}",
              },
            ]
          : []),
      ],
    },
    {
      title: "Traffic the cost is spread over",
      description: "Requests/s and output tokens/s through the gateway, by model name.",
      unit: "short",
      targets: [
        {
          expr: 'sum by (requested_model) (ai_layer:gateway_requests:rate5m{requested_model=~"$model"})',
          legendFormat: "req/s {{requested_model}}",
        },
        {
          expr: 'sum by (requested_model) (ai_layer:output_tokens:rate5m{requested_model=~"$model"})',
          legendFormat: "out tok/s {{requested_model}}",
        },
      ],
    },
  ];
  if (plan.cache.enabled) {
    panels.push({
      title: "Saved by the cache (hit ratio)",
      description: "Share of gateway requests answered from Redis: no GPU time spent on them.",
      unit: "percentunit",
      targets: [
        {
          expr:
            `sum(rate(litellm_cache_hits_metric_total${RATE})) / ` +
            `(sum(rate(litellm_cache_hits_metric_total${RATE})) + sum(rate(litellm_cache_misses_metric_total${RATE})) > 0)`,
          legendFormat: "saved",
        },
      ],
    });
  }
  return panels;
}

/** The Redis dashboard (classic Grafana JSON); rendered when the cache is on. */
export function renderRedisDashboard(plan: Plan): string {
  return dashboardJson({
    uid: "ai-layer-redis",
    title: "ai-layer / Redis cache",
    description: `Memory, evictions, hit ratio and clients of the gateway's Redis cache (stack ${plan.stack}).`,
    tags: ["ai-layer", "redis"],
    variables: [],
    panels: redisPanels(),
  });
}

const usd = (n: number) => `$${n.toFixed(2)}`;

/** The Cost dashboard (classic Grafana JSON), with the plan's estimate in its description. */
export function renderCostDashboard(plan: Plan): string {
  const c = plan.cost;
  return dashboardJson({
    uid: "ai-layer-cost",
    title: "ai-layer / Cost",
    description:
      `Spend rate, $/request and $ per 1M output tokens from live traffic (stack ${plan.stack}). ` +
      `Planned: ${usd(c.perHourUsd)}–${usd(c.perHourMaxUsd)}/h, ${usd(c.perMonthUsd)}–${usd(c.perMonthMaxUsd)}/month` +
      `${plan.budget ? `; budget ${usd(plan.budget.monthlyUsd)}/month` : ""}.`,
    tags: ["ai-layer", "cost"],
    variables: [{ name: "model", label: "Model", values: plan.models.map((m) => m.name) }],
    panels: costPanels(plan),
  });
}
