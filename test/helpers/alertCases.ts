import type { AlertCase, ExprCase } from "./promtoolRules";
import { s } from "./promtoolRules";

/**
 * promtool cases per alert: series in, the alert firing when it must (with its labels and rendered value) and
 * silent when it must not. Thresholds are the schema defaults (monitoring.slo), which the stacks keep; the test
 * asserts that before running them. Samples are 1m apart.
 */

const GW = 'job="litellm", instance="gateway:4000", service="gateway"';
const REDIS = 'job="redis", instance="redis-exporter:9121", service="cache"';
const total = (model: string, values: string) =>
  s(
    `litellm_proxy_total_requests_metric_total{${GW}, requested_model="${model}", status_code="200"}`,
    values,
  );
const failed = (model: string, values: string) =>
  s(`litellm_proxy_failed_requests_metric_total{${GW}, requested_model="${model}"}`, values);
const latency = (le: string, values: string) =>
  s(`litellm_request_total_latency_metric_bucket{${GW}, requested_model="chat", le="${le}"}`, values);

// prettier-ignore
export const gatewayCases: AlertCase[] = [
  { alert: "GatewayDown", name: "gateway target down for 5m", series: [s(`up{${GW}}`, "0x10")], at: "5m", fires: [{ labels: {} }] },
  { alert: "GatewayDown", name: "no gateway target at all", series: [s(`up{${REDIS}}`, "1x10")], at: "5m", fires: [{ labels: {} }] },
  { alert: "GatewayDown", name: "gateway up", series: [s(`up{${GW}}`, "1x10")], at: "5m", fires: [] },
  { alert: "GatewayDown", name: "down for 1m only (for: 2m)", series: [s(`up{${GW}}`, "1x5 0 0")], at: "6m", fires: [] },
  {
    alert: "GatewayErrorRatioHigh",
    name: "20% of chat requests fail",
    series: [total("chat", "0+100x20"), failed("chat", "0+20x20"), total("embed", "0+100x20"), failed("embed", "0x20")],
    at: "15m",
    fires: [{ labels: { requested_model: "chat" }, value: "20%" }],
  },
  {
    alert: "GatewayErrorRatioHigh",
    name: "1% failures (SLO 5%)",
    series: [total("chat", "0+100x20"), failed("chat", "0+1x20")],
    at: "15m",
    fires: [],
  },
  {
    alert: "GatewayLatencyP95High",
    name: "every request takes 5-30s: p95 28.75s over 20s",
    series: [latency("1", "0x30"), latency("5", "0x30"), latency("30", "0+10x30"), latency("+Inf", "0+10x30")],
    at: "20m",
    fires: [{ labels: { requested_model: "chat" }, value: "28.75s" }],
  },
  {
    alert: "GatewayLatencyP95High",
    name: "every request under 1s",
    series: [latency("1", "0+10x30"), latency("5", "0+10x30"), latency("30", "0+10x30"), latency("+Inf", "0+10x30")],
    at: "20m",
    fires: [],
  },
];

// prettier-ignore
export const redisCases: AlertCase[] = [
  {
    alert: "RedisDown",
    name: "exporter up, Redis unreachable",
    series: [s(`redis_up{${REDIS}}`, "0x10"), s(`up{${REDIS}}`, "1x10")],
    at: "5m",
    fires: [{ labels: { job: "redis", instance: "redis-exporter:9121", service: "cache" } }],
  },
  {
    alert: "RedisDown",
    name: "exporter down",
    series: [s(`up{${REDIS}}`, "0x10")],
    at: "5m",
    fires: [{ labels: { job: "redis", instance: "redis-exporter:9121", service: "cache" } }],
  },
  { alert: "RedisDown", name: "Redis and exporter up", series: [s(`redis_up{${REDIS}}`, "1x10"), s(`up{${REDIS}}`, "1x10")], at: "5m", fires: [] },
  {
    alert: "RedisNearMaxMemory",
    name: "95% of maxmemory",
    series: [s(`redis_memory_used_bytes{${REDIS}}`, "950x20"), s(`redis_memory_max_bytes{${REDIS}}`, "1000x20")],
    at: "15m",
    fires: [{ labels: { job: "redis", instance: "redis-exporter:9121", service: "cache" }, value: "95%" }],
  },
  {
    alert: "RedisNearMaxMemory",
    name: "no maxmemory set (0 = unlimited): no division by zero",
    series: [s(`redis_memory_used_bytes{${REDIS}}`, "950x20"), s(`redis_memory_max_bytes{${REDIS}}`, "0x20")],
    at: "15m",
    fires: [],
  },
  {
    alert: "RedisNearMaxMemory",
    name: "half full",
    series: [s(`redis_memory_used_bytes{${REDIS}}`, "500x20"), s(`redis_memory_max_bytes{${REDIS}}`, "1000x20")],
    at: "15m",
    fires: [],
  },
  {
    alert: "RedisEvicting",
    name: "1 key/s evicted for 25m",
    series: [s(`redis_evicted_keys_total{${REDIS}}`, "0+60x30")],
    at: "25m",
    fires: [{ labels: { job: "redis", instance: "redis-exporter:9121", service: "cache" }, value: "1" }],
  },
  { alert: "RedisEvicting", name: "no evictions", series: [s(`redis_evicted_keys_total{${REDIS}}`, "100x30")], at: "25m", fires: [] },
];

const VLLM = (model: string, pod: string) =>
  `job="vllm", model="${model}", deployment="vllm-${model}", track="stable", pod="${pod}", model_name="${model}"`;
const vllmUp = (model: string, pod: string, values: string) => s(`up{${VLLM(model, pod)}}`, values);
const DCGM = (gpu: string) =>
  `job="dcgm", gpu="${gpu}", UUID="GPU-${gpu}", device="nvidia${gpu}", modelName="NVIDIA L4", Hostname="gpu-node-1"`;

/** vLLM and GPU cases for the staging stack: chat (min 1), chat-small (min 0), embed (min 1), one L4 each. */
// prettier-ignore
export const vllmCases: AlertCase[] = [
  {
    alert: "ModelQueueBacklog",
    name: "16 requests wait for chat across 2 pods",
    series: [s(`vllm:num_requests_waiting{${VLLM("chat", "a")}}`, "8x20"), s(`vllm:num_requests_waiting{${VLLM("chat", "b")}}`, "8x20")],
    at: "15m",
    fires: [{ labels: { model: "chat" }, value: "16" }],
  },
  { alert: "ModelQueueBacklog", name: "8 waiting (threshold 10)", series: [s(`vllm:num_requests_waiting{${VLLM("chat", "a")}}`, "8x20")], at: "15m", fires: [] },
  {
    alert: "KvCacheSaturated",
    name: "KV cache 98% full for 15m",
    series: [s(`vllm:kv_cache_usage_perc{${VLLM("chat", "a")}}`, "0.98x20")],
    at: "15m",
    fires: [{ labels: { model: "chat", pod: "a" }, value: "98%" }],
  },
  { alert: "KvCacheSaturated", name: "KV cache 90% full", series: [s(`vllm:kv_cache_usage_perc{${VLLM("chat", "a")}}`, "0.9x20")], at: "15m", fires: [] },
  {
    alert: "VllmPreemptions",
    name: "0.5 preemptions/s for 25m",
    series: [s(`vllm:num_preemptions_total{${VLLM("chat", "a")}}`, "0+30x30")],
    at: "25m",
    fires: [{ labels: { model: "chat" }, value: "500m" }],
  },
  { alert: "VllmPreemptions", name: "no preemptions", series: [s(`vllm:num_preemptions_total{${VLLM("chat", "a")}}`, "3x30")], at: "25m", fires: [] },
  {
    alert: "VllmModelDown",
    name: "chat's only pod down 20m; chat-small at zero replicas is fine",
    series: [vllmUp("chat", "a", "0x20"), vllmUp("embed", "e", "1x20")],
    at: "20m",
    fires: [{ labels: { model: "chat" } }],
  },
  {
    alert: "VllmModelDown",
    name: "chat and embed up, chat-small scaled to zero",
    series: [vllmUp("chat", "a", "1x20"), vllmUp("embed", "e", "1x20")],
    at: "20m",
    fires: [],
  },
  {
    alert: "GpuMissing",
    name: "1 GPU reports, 2 needed at min scale",
    series: [s(`DCGM_FI_DEV_GPU_UTIL{${DCGM("0")}}`, "50x20")],
    at: "20m",
    fires: [{ labels: {}, value: "1" }],
  },
  { alert: "GpuMissing", name: "no DCGM series at all", series: [vllmUp("chat", "a", "1x20")], at: "20m", fires: [{ labels: {}, value: "0" }] },
  {
    alert: "GpuMissing",
    name: "2 GPUs report",
    series: [s(`DCGM_FI_DEV_GPU_UTIL{${DCGM("0")}}`, "50x20"), s(`DCGM_FI_DEV_GPU_UTIL{${DCGM("1")}}`, "50x20")],
    at: "20m",
    fires: [],
  },
  {
    alert: "GpuXidErrors",
    name: "XID 79 (GPU fell off the bus)",
    series: [s(`DCGM_FI_DEV_XID_ERRORS{${DCGM("0")}}`, "0 0 79x5"), s(`DCGM_FI_DEV_XID_ERRORS{${DCGM("1")}}`, "0x7")],
    at: "4m",
    fires: [
      {
        labels: { job: "dcgm", gpu: "0", UUID: "GPU-0", device: "nvidia0", modelName: "NVIDIA L4", Hostname: "gpu-node-1" },
        value: "79",
      },
    ],
  },
  { alert: "GpuXidErrors", name: "no XID", series: [s(`DCGM_FI_DEV_XID_ERRORS{${DCGM("0")}}`, "0x7")], at: "4m", fires: [] },
];

/** SpendOverBudget on staging with budget.monthlyUsd 5000; chat and embed cost $0.8048/replica-hour. */
// prettier-ignore
export const kubernetesSpendCases: AlertCase[] = [
  {
    alert: "SpendOverBudget",
    name: "10 chat replicas up for 40m: 10 × 0.8048 × 730 = $5875/month",
    series: Array.from({ length: 10 }, (_, i) => vllmUp("chat", `p${i}`, "1x45")),
    at: "40m",
    fires: [{ labels: {}, value: "5875" }],
  },
  {
    alert: "SpendOverBudget",
    name: "2 chat + 1 embed replicas: $1763/month",
    series: [vllmUp("chat", "a", "1x45"), vllmUp("chat", "b", "1x45"), vllmUp("embed", "e", "1x45")],
    at: "40m",
    fires: [],
  },
];

/** Recording rules on staging: per-model and total $/h from the vLLM pods that answer scrapes. */
// prettier-ignore
export const kubernetesCostExprs: ExprCase[] = [
  ...[
    ["chat", 1.6096],
    ["chat-small", 0],
    ["embed", 0.8048],
  ].map(([model, value]) => ({
    name: `model cost of ${model}: 2 chat pods up (+1 down), chat-small at zero, 1 embed pod`,
    series: [vllmUp("chat", "a", "1x10"), vllmUp("chat", "b", "1x10"), vllmUp("chat", "c", "0x10"), vllmUp("embed", "e", "1x10")],
    at: "5m",
    expr: `ai_layer:model_cost_usd_per_hour{model="${model}"}`,
    samples: [{ labels: `ai_layer:model_cost_usd_per_hour{model="${model}"}`, value: value as number }],
  })),
  {
    name: "layer cost: (2 + 1) × 0.8048",
    series: [vllmUp("chat", "a", "1x10"), vllmUp("chat", "b", "1x10"), vllmUp("embed", "e", "1x10")],
    at: "5m",
    expr: "ai_layer:cost_usd_per_hour",
    // Prometheus sums in float64 like JS: 1.6096 + 0.8048 = 2.4143999999999997.
    samples: [{ labels: "ai_layer:cost_usd_per_hour", value: 2 * 0.8048 + 0.8048 }],
  },
];

/** Traffic recording rules (both targets): 2 series × 1 req/s and 2 × 1 output token/s on chat. */
// prettier-ignore
export const trafficExprs: ExprCase[] = [
  {
    name: "requests/s by model",
    series: [total("chat", "0+60x10"), s(`litellm_proxy_total_requests_metric_total{${GW}, requested_model="chat", status_code="500"}`, "0+60x10")],
    at: "8m",
    expr: "ai_layer:gateway_requests:rate5m",
    samples: [{ labels: 'ai_layer:gateway_requests:rate5m{requested_model="chat"}', value: 2 }],
  },
  {
    name: "output tokens/s by model",
    series: [
      s(`litellm_output_tokens_metric_total{${GW}, requested_model="chat", model="ollama/llama3.1"}`, "0+60x10"),
      s(`litellm_output_tokens_metric_total{${GW}, requested_model="chat", model="ollama/llama3.2"}`, "0+60x10"),
    ],
    at: "8m",
    expr: "ai_layer:output_tokens:rate5m",
    samples: [{ labels: 'ai_layer:output_tokens:rate5m{requested_model="chat"}', value: 2 }],
  },
];

/** The docker host's $/h as configured (target.costPerHourUsd). */
export const dockerCostExpr = (usdPerHour: number): ExprCase => ({
  name: `docker host cost $${usdPerHour}/h`,
  series: [s(`up{${GW}}`, "1x10")],
  at: "5m",
  expr: "ai_layer:cost_usd_per_hour",
  samples: [{ labels: "ai_layer:cost_usd_per_hour", value: usdPerHour }],
});

/** SpendOverBudget on docker: host $2/h = $1460/month against the budget. */
export const dockerSpendCase = (budget: number, fires: boolean): AlertCase => ({
  alert: "SpendOverBudget",
  name: `host $2/h = $1460/month, budget $${budget}`,
  series: [s(`up{${GW}}`, "1x45")],
  at: "40m",
  fires: fires ? [{ labels: {}, value: "1460" }] : [],
});

/**
 * aws-ec2 (gpu-fleet): every GPU instance that answers its scrape bills its instance's $/h, on top of the fixed
 * cost: the control host and ElastiCache ($0.1472), 2 NAT gateways ($0.045 each) and the internal load balancer
 * ($0.0225) = $0.2597; 2 chat instances (g6.xlarge $0.8048) + 1 embed (g4dn.xlarge $0.526).
 */
export const ec2CostExprs: ExprCase[] = [
  {
    name: "fleet cost: 2 × 0.8048 + 0.526 + fixed 0.2597",
    series: [vllmUp("chat", "a", "1x10"), vllmUp("chat", "b", "1x10"), vllmUp("embed", "e", "1x10")],
    at: "5m",
    expr: "ai_layer:cost_usd_per_hour",
    samples: [{ labels: "ai_layer:cost_usd_per_hour", value: 2 * 0.8048 + 0.526 + 0.2597 }],
  },
];
