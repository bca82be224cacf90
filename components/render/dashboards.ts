import { isVllm, type Plan } from "../plan";
import { dashboardJson, type Panel } from "./grafana";

// Grafana's rate window: sized from the datasource's timeInterval (the scrape interval), see grafana.ts.
const RATE = "[$__rate_interval]";

/** Selector on vLLM's own label: every vLLM series carries `model_name` = the first --served-model-name. */
const BY_MODEL = 'model_name=~"$model"';

/**
 * Panels of the vLLM dashboard. Metric names are those of vLLM v0.25.1 (the pinned image), V1 engine
 * (`vllm/v1/metrics/loggers.py`; runtime-facts.md §B4): counters carry `_total` on the wire, histograms `_bucket`.
 * `track` comes from the scrape config (the pod's `ai-layer.dev/track` label), so canary and stable are compared
 * side by side; `pod` likewise.
 */
export function vllmPanels(): Panel[] {
  const quantile = (q: number, metric: string) =>
    `histogram_quantile(${q}, sum by (le, model_name, track) (rate(${metric}_bucket{${BY_MODEL}}${RATE})))`;
  const perSecond = (metric: string) => `sum by (model_name) (rate(${metric}{${BY_MODEL}}${RATE}))`;
  return [
    {
      title: "Requests running / waiting",
      description:
        "Requests in the running batch and in the queue. A queue that stays above zero means the replicas are full: " +
        "autoscaling acts on it.",
      unit: "short",
      targets: [
        {
          expr: `sum by (model_name) (vllm:num_requests_running{${BY_MODEL}})`,
          legendFormat: "running {{model_name}}",
        },
        {
          expr: `sum by (model_name) (vllm:num_requests_waiting{${BY_MODEL}})`,
          legendFormat: "waiting {{model_name}}",
        },
      ],
    },
    {
      title: "KV-cache usage",
      // kv_cache_usage_perc is a 0-1 fraction despite its name (runtime-facts.md §B4), hence percentunit.
      description: "Share of the KV cache in use, per replica. Near 100% vLLM preempts requests.",
      unit: "percentunit",
      targets: [
        {
          expr: `max by (model_name, pod) (vllm:kv_cache_usage_perc{${BY_MODEL}})`,
          legendFormat: "{{model_name}} {{pod}}",
        },
      ],
    },
    {
      title: "Time to first token p50 / p95",
      description: "Queueing plus prefill: what a streaming client waits before the first token.",
      unit: "s",
      targets: [
        {
          expr: quantile(0.5, "vllm:time_to_first_token_seconds"),
          legendFormat: "p50 {{model_name}} {{track}}",
        },
        {
          expr: quantile(0.95, "vllm:time_to_first_token_seconds"),
          legendFormat: "p95 {{model_name}} {{track}}",
        },
      ],
    },
    {
      title: "Inter-token latency p95",
      // inter_token_latency_seconds replaced time_per_output_token_seconds (removed in 0.13; runtime-facts.md §B4).
      description: "Time between output tokens while decoding; rises with batch size.",
      unit: "s",
      targets: [
        {
          expr: quantile(0.95, "vllm:inter_token_latency_seconds"),
          legendFormat: "{{model_name}} {{track}}",
        },
      ],
    },
    {
      title: "End-to-end latency p95",
      description: "From arrival at vLLM to the last token.",
      unit: "s",
      targets: [
        {
          expr: quantile(0.95, "vllm:e2e_request_latency_seconds"),
          legendFormat: "{{model_name}} {{track}}",
        },
      ],
    },
    {
      title: "Tokens per second",
      description: "Prompt tokens prefilled and tokens generated.",
      unit: "short",
      targets: [
        { expr: perSecond("vllm:prompt_tokens_total"), legendFormat: "prompt {{model_name}}" },
        { expr: perSecond("vllm:generation_tokens_total"), legendFormat: "generation {{model_name}}" },
      ],
    },
    {
      title: "Preemptions per second",
      description:
        "Requests evicted from the KV cache and recomputed later. Sustained preemptions: raise the replicas, shorten " +
        "contextLength or use kvCacheDtype fp8.",
      unit: "short",
      targets: [{ expr: perSecond("vllm:num_preemptions_total"), legendFormat: "{{model_name}}" }],
    },
    {
      title: "Replicas up",
      // `model` and `track` are target labels the kubernetes scrape config copies from the pod labels.
      description: "vLLM pods Prometheus reaches, per model and track (0 while weights load).",
      unit: "short",
      kind: "stat",
      targets: [
        {
          expr: 'sum by (model, track) (up{job="vllm", model=~"$model"})',
          legendFormat: "{{model}} {{track}}",
        },
      ],
    },
  ];
}

/**
 * Panels of the GPU dashboard: DCGM exporter default counters (NVIDIA/dcgm-exporter `etc/default-counters.csv`;
 * runtime-facts.md §E). Every series carries `gpu`, `UUID`, `modelName` and `Hostname`, and `pod`/`namespace`
 * of the pod holding the GPU when the exporter maps pods (DCGM_EXPORTER_KUBERNETES=true).
 */
export function gpuPanels(): Panel[] {
  const perGpu = "{{Hostname}} GPU {{gpu}}";
  const byGpu = (metric: string) => `max by (Hostname, gpu, modelName) (${metric})`;
  return [
    {
      title: "GPU utilization",
      description: "Share of time a kernel ran on the GPU (DCGM_FI_DEV_GPU_UTIL, 0-100).",
      unit: "percent",
      targets: [{ expr: byGpu("DCGM_FI_DEV_GPU_UTIL"), legendFormat: perGpu }],
    },
    {
      title: "GPU utilization by pod",
      description: "The same, per pod holding the GPU.",
      unit: "percent",
      targets: [
        {
          expr: 'max by (namespace, pod) (DCGM_FI_DEV_GPU_UTIL{pod!=""})',
          legendFormat: "{{namespace}}/{{pod}}",
        },
      ],
    },
    {
      title: "GPU memory used / free",
      // DCGM reports framebuffer sizes in MiB; Grafana's `mbytes` is the IEC mebibyte.
      description:
        "Framebuffer memory. vLLM reserves gpuMemoryUtilization of it at start, so used stays high while serving.",
      unit: "mbytes",
      targets: [
        { expr: byGpu("DCGM_FI_DEV_FB_USED"), legendFormat: `used ${perGpu}` },
        { expr: byGpu("DCGM_FI_DEV_FB_FREE"), legendFormat: `free ${perGpu}` },
      ],
    },
    {
      title: "GPU memory used share",
      description: "Used / (used + free) framebuffer memory.",
      unit: "percentunit",
      targets: [
        {
          expr: `${byGpu("DCGM_FI_DEV_FB_USED")} / clamp_min(${byGpu("DCGM_FI_DEV_FB_USED")} + ${byGpu("DCGM_FI_DEV_FB_FREE")}, 1)`,
          legendFormat: perGpu,
        },
      ],
    },
    {
      title: "Power draw",
      description: "Board power, watts (DCGM_FI_DEV_POWER_USAGE).",
      unit: "watt",
      targets: [{ expr: byGpu("DCGM_FI_DEV_POWER_USAGE"), legendFormat: perGpu }],
    },
    {
      title: "Temperature",
      description: "GPU die temperature, °C (DCGM_FI_DEV_GPU_TEMP).",
      unit: "celsius",
      targets: [{ expr: byGpu("DCGM_FI_DEV_GPU_TEMP"), legendFormat: perGpu }],
    },
    {
      title: "Last XID error",
      // A gauge holding the code of the last XID error, not a count (default-counters.csv).
      description:
        "0 when none; otherwise the last NVIDIA XID code on that GPU (look it up in NVIDIA's XID list).",
      unit: "none",
      kind: "stat",
      targets: [{ expr: byGpu("DCGM_FI_DEV_XID_ERRORS"), legendFormat: perGpu }],
    },
    {
      title: "Exporters up",
      description: "1 when Prometheus reaches the DCGM exporter on a GPU node.",
      unit: "short",
      kind: "stat",
      targets: [{ expr: 'up{job="dcgm"}', legendFormat: "{{node}}" }],
    },
  ];
}

/** The vLLM dashboard (classic Grafana JSON), with a `$model` variable over the plan's vLLM model names. */
export function renderVllmDashboard(plan: Plan): string {
  return dashboardJson({
    uid: "ai-layer-vllm",
    title: "ai-layer / vLLM",
    description: `Queue, KV cache, latency and throughput of the vLLM servers (stack ${plan.stack}).`,
    tags: ["ai-layer", "vllm"],
    variables: [{ name: "model", label: "Model", values: plan.models.filter(isVllm).map((m) => m.name) }],
    panels: vllmPanels(),
  });
}

/** The GPU dashboard (classic Grafana JSON) over the DCGM exporter's metrics. */
export function renderGpuDashboard(plan: Plan): string {
  return dashboardJson({
    uid: "ai-layer-gpu",
    title: "ai-layer / GPUs",
    description: `Utilization, memory, power, temperature and errors of the GPUs (DCGM exporter; stack ${plan.stack}).`,
    tags: ["ai-layer", "gpu", "dcgm"],
    variables: [],
    panels: gpuPanels(),
  });
}
