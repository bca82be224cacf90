import type { Plan } from "../plan";
import { dashboardJson, type Panel } from "./grafana";

const RATE = "[$__rate_interval]";

/**
 * Panels of the overview dashboard: "is it healthy, how fast, what does it cost" on one screen, for every
 * target. Gateway series are LiteLLM's (litellm prometheus.py), cost the layer's recording rule, alerts
 * Prometheus's own `ALERTS` series; the detail lives on the gateway, vLLM, GPU, Redis and Cost dashboards.
 */
export function overviewPanels(plan: Plan): Panel[] {
  const requests = `sum(rate(litellm_proxy_total_requests_metric_total${RATE}))`;
  return [
    {
      title: "Alerts firing",
      description: "Alert rules firing now, by name and severity (runbooks in each alert's annotations).",
      unit: "short",
      kind: "stat",
      targets: [
        {
          expr: 'count by (alertname, severity) (ALERTS{alertstate="firing"})',
          legendFormat: "{{alertname}} ({{severity}})",
        },
      ],
    },
    {
      title: "Services up",
      description: "1 when Prometheus reaches the service's metrics endpoint, per scrape job.",
      unit: "short",
      kind: "stat",
      targets: [{ expr: "min by (job) (up)", legendFormat: "{{job}}" }],
    },
    {
      title: "Requests per second",
      description: "All requests through the gateway.",
      unit: "reqps",
      targets: [{ expr: requests, legendFormat: "req/s" }],
    },
    {
      title: "Error ratio",
      description: "Failed / all gateway requests.",
      unit: "percentunit",
      targets: [
        {
          expr: `sum(rate(litellm_proxy_failed_requests_metric_total${RATE})) / (${requests} > 0)`,
          legendFormat: "errors",
        },
      ],
    },
    {
      title: "Latency p95",
      description: `End-to-end through the gateway; the alert threshold is ${plan.monitoring.slo.p95LatencySeconds} s.`,
      unit: "s",
      targets: [
        {
          expr: `histogram_quantile(0.95, sum by (le) (rate(litellm_request_total_latency_metric_bucket${RATE})))`,
          legendFormat: "p95",
        },
      ],
    },
    {
      title: "Cost now ($/h)",
      description: "The running replicas' $/h (see the Cost dashboard).",
      unit: "currencyUSD",
      kind: "stat",
      targets: [{ expr: "sum(ai_layer:cost_usd_per_hour)", legendFormat: "$/h" }],
    },
  ];
}

/** The overview dashboard (classic Grafana JSON), rendered on every target with monitoring. */
export function renderOverviewDashboard(plan: Plan): string {
  return dashboardJson({
    uid: "ai-layer-overview",
    title: "ai-layer / Overview",
    description: `Health, speed and spend of the whole layer at a glance (stack ${plan.stack}).`,
    tags: ["ai-layer"],
    variables: [],
    panels: overviewPanels(plan),
  });
}
