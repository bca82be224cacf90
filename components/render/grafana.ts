import {
  LegendDisplayMode,
  LegendPlacement,
  ReduceDataOptionsBuilder,
  VizLegendOptionsBuilder,
} from "@grafana/grafana-foundation-sdk/common";
import { CustomVariableBuilder, DashboardBuilder } from "@grafana/grafana-foundation-sdk/dashboard";
import { DataqueryBuilder } from "@grafana/grafana-foundation-sdk/prometheus";
import { PanelBuilder as StatPanelBuilder } from "@grafana/grafana-foundation-sdk/stat";
import { PanelBuilder as TimeseriesPanelBuilder } from "@grafana/grafana-foundation-sdk/timeseries";
import type { Plan } from "../plan";
import { yamlFile } from "./yamlFile";

/** Where dashboards live in the Grafana container (the provider below points here). */
export const GRAFANA_DASHBOARDS_DIR = "/etc/grafana/dashboards";
/** The datasource uid dashboards reference. */
export const PROMETHEUS_DATASOURCE_UID = "ai-layer-prometheus";

/** Grafana datasource provisioning (`/etc/grafana/provisioning/datasources/ai-layer.yaml`). */
export function renderGrafanaDatasources(prometheusUrl: string, scrapeIntervalSeconds: number): string {
  return yamlFile("Grafana datasources, rendered by ai-layer (renderGrafanaDatasources).", {
    apiVersion: 1,
    datasources: [
      {
        name: "Prometheus",
        uid: PROMETHEUS_DATASOURCE_UID,
        type: "prometheus",
        access: "proxy",
        url: prometheusUrl,
        isDefault: true,
        editable: false,
        // Grafana sizes $__rate_interval from this: it must be the real scrape interval or rate panels go blank.
        jsonData: { timeInterval: `${scrapeIntervalSeconds}s` },
      },
    ],
  });
}

/** Grafana dashboard provider (`/etc/grafana/provisioning/dashboards/ai-layer.yaml`). */
export function renderGrafanaDashboardProvider(): string {
  return yamlFile("Grafana dashboard provider, rendered by ai-layer (renderGrafanaDashboardProvider).", {
    apiVersion: 1,
    providers: [
      {
        name: "ai-layer",
        orgId: 1,
        folder: "ai-layer",
        type: "file",
        disableDeletion: true,
        allowUiUpdates: false,
        options: { path: GRAFANA_DASHBOARDS_DIR },
      },
    ],
  });
}

/** One dashboard panel: a title, a Grafana unit and its PromQL queries (one legend each). */
export interface Panel {
  title: string;
  description: string;
  /** Grafana unit id (`s`, `percentunit`, `mbytes`, …). */
  unit: string;
  targets: { expr: string; legendFormat: string }[];
  kind?: "timeseries" | "stat";
}

const RATE = "[$__rate_interval]";
const byModel = 'requested_model=~"$model"';

/** Panels of the gateway dashboard: traffic, errors, latency, tokens, cache. Names from litellm prometheus.py. */
export function gatewayPanels(): Panel[] {
  const quantile = (q: number, metric: string) =>
    `histogram_quantile(${q}, sum by (le, requested_model) (rate(${metric}_bucket{${byModel}}${RATE})))`;
  return [
    {
      title: "Requests per second",
      description: "Requests the gateway received, by the model name clients sent.",
      unit: "reqps",
      targets: [
        {
          expr: `sum by (requested_model) (rate(litellm_proxy_total_requests_metric_total{${byModel}}${RATE}))`,
          legendFormat: "{{requested_model}}",
        },
      ],
    },
    {
      title: "Error ratio",
      description:
        "Failed requests / all requests. Above a few percent, check the Ollama container and the gateway log.",
      unit: "percentunit",
      targets: [
        {
          expr:
            `sum by (requested_model) (rate(litellm_proxy_failed_requests_metric_total{${byModel}}${RATE})) / ` +
            `clamp_min(sum by (requested_model) (rate(litellm_proxy_total_requests_metric_total{${byModel}}${RATE})), 1e-9)`,
          legendFormat: "{{requested_model}}",
        },
      ],
    },
    {
      title: "Latency p50 / p95 / p99",
      description: "End-to-end request latency through the gateway.",
      unit: "s",
      targets: [
        {
          expr: quantile(0.5, "litellm_request_total_latency_metric"),
          legendFormat: "p50 {{requested_model}}",
        },
        {
          expr: quantile(0.95, "litellm_request_total_latency_metric"),
          legendFormat: "p95 {{requested_model}}",
        },
        {
          expr: quantile(0.99, "litellm_request_total_latency_metric"),
          legendFormat: "p99 {{requested_model}}",
        },
      ],
    },
    {
      title: "Fallbacks",
      description:
        "Requests a model handed to its fallback (gateway.fallbacks), succeeded and failed. A steady stream means the primary is down or saturated.",
      unit: "reqps",
      targets: [
        {
          expr: `sum by (requested_model, fallback_model) (rate(litellm_deployment_successful_fallbacks_total{${byModel}}${RATE}))`,
          legendFormat: "ok {{requested_model}} → {{fallback_model}}",
        },
        {
          expr: `sum by (requested_model, fallback_model) (rate(litellm_deployment_failed_fallbacks_total{${byModel}}${RATE}))`,
          legendFormat: "failed {{requested_model}} → {{fallback_model}}",
        },
      ],
    },
    {
      title: "Time to first token p95",
      description: "Streaming requests only.",
      unit: "s",
      targets: [
        {
          expr: quantile(0.95, "litellm_llm_api_time_to_first_token_metric"),
          legendFormat: "{{requested_model}}",
        },
      ],
    },
    {
      title: "Tokens per second",
      description: "Prompt (input) and completion (output) tokens.",
      unit: "short",
      targets: [
        {
          expr: `sum by (requested_model) (rate(litellm_input_tokens_metric_total{${byModel}}${RATE}))`,
          legendFormat: "in {{requested_model}}",
        },
        {
          expr: `sum by (requested_model) (rate(litellm_output_tokens_metric_total{${byModel}}${RATE}))`,
          legendFormat: "out {{requested_model}}",
        },
      ],
    },
    {
      title: "Cache hit ratio",
      description: "Share of requests answered from the Redis cache.",
      unit: "percentunit",
      targets: [
        {
          expr:
            `sum(rate(litellm_cache_hits_metric_total${RATE})) / ` +
            `clamp_min(sum(rate(litellm_cache_hits_metric_total${RATE})) + sum(rate(litellm_cache_misses_metric_total${RATE})), 1e-9)`,
          legendFormat: "hit ratio",
        },
      ],
    },
    {
      title: "Cache memory",
      description: "Redis memory used against its maxmemory; evictions start at the line.",
      unit: "bytes",
      targets: [
        { expr: "redis_memory_used_bytes", legendFormat: "used" },
        { expr: "redis_memory_max_bytes", legendFormat: "max" },
      ],
    },
    {
      title: "Deployment health",
      description: "0 healthy, 1 partial outage, 2 outage, per backend deployment.",
      unit: "short",
      kind: "stat",
      targets: [
        {
          expr: "max by (litellm_model_name) (litellm_deployment_state)",
          legendFormat: "{{litellm_model_name}}",
        },
      ],
    },
    {
      title: "Scrape targets up",
      description: "1 when Prometheus reaches the service.",
      unit: "short",
      kind: "stat",
      targets: [{ expr: "up", legendFormat: "{{job}}" }],
    },
  ];
}

/** A `custom` template variable: a fixed list of values, multi-select with "All" (matching `.*`). */
export interface DashboardVariable {
  readonly name: string;
  readonly label: string;
  readonly values: readonly string[];
}

/** What differs between the layer's dashboards; everything else (datasource, layout, refresh) is shared. */
export interface DashboardDefinition {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly variables: readonly DashboardVariable[];
  readonly panels: readonly Panel[];
}

/**
 * Grafana's classic dashboard JSON (schemaVersion + panels) for panels and variables, built with Grafana's
 * Foundation SDK (@grafana/grafana-foundation-sdk 0.0.21, pinned exactly: pre-1.0, generated from Grafana's
 * schemas; CommonJS, runs on Node 20; its `dashboard` builders emit the classic model our Grafana 13 reads, the
 * `dashboardv2` ones the newer resource format). Two panels per row; every panel and query on the provisioned
 * Prometheus datasource; legends shown, stats reduce to the last value. Every dashboard goes through it.
 */
export function dashboardJson(def: DashboardDefinition): string {
  const ds = { type: "prometheus", uid: PROMETHEUS_DATASOURCE_UID };
  const builder = new DashboardBuilder(def.title)
    .uid(def.uid)
    .description(def.description)
    .tags([...def.tags])
    .timezone("browser")
    .version(1)
    .readonly()
    .refresh("30s")
    .time({ from: "now-1h", to: "now" })
    // An explicit (possibly empty) list: the SDK leaves `templating: {}` otherwise.
    .variables([]);
  for (const v of def.variables) {
    builder.withVariable(
      new CustomVariableBuilder(v.name)
        .label(v.label)
        .values(v.values.join(","))
        .includeAll(true)
        .multi(true)
        .allowCustomValue(false)
        .allValue(".*")
        .current({ text: "All", value: "$__all" }),
    );
  }
  def.panels.forEach((p, i) => {
    const panel =
      p.kind === "stat"
        ? new StatPanelBuilder().reduceOptions(new ReduceDataOptionsBuilder().calcs(["lastNotNull"]))
        : new TimeseriesPanelBuilder().legend(
            new VizLegendOptionsBuilder()
              .showLegend(true)
              .displayMode(LegendDisplayMode.List)
              .placement(LegendPlacement.Bottom),
          );
    panel
      .id(i + 1)
      .title(p.title)
      .description(p.description)
      .datasource(ds)
      .unit(p.unit)
      .gridPos({ h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 });
    p.targets.forEach((t, j) =>
      panel.withTarget(
        new DataqueryBuilder()
          .refId(String.fromCharCode(65 + j))
          .datasource(ds)
          .expr(t.expr)
          .legendFormat(t.legendFormat),
      ),
    );
    builder.withPanel(panel);
  });
  return `${JSON.stringify(builder.build(), null, 2)}\n`;
}

/** The gateway dashboard as Grafana's classic dashboard JSON (schemaVersion + panels). */
export function renderGatewayDashboard(plan: Plan): string {
  return dashboardJson({
    uid: "ai-layer-gateway",
    title: "ai-layer / Gateway",
    description: `Traffic, errors, latency, tokens and cache of the LiteLLM gateway (stack ${plan.stack}).`,
    tags: ["ai-layer", "litellm"],
    variables: [{ name: "model", label: "Model", values: plan.models.map((m) => m.name) }],
    panels: gatewayPanels(),
  });
}
