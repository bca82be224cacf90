import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { dockerEndpoints } from "../components/render";
import {
  GRAFANA_DASHBOARDS_DIR,
  renderGatewayDashboard,
  renderGrafanaDashboardProvider,
  renderGrafanaDatasources,
} from "../components/render";
import knownMetrics from "./fixtures/known-metrics.json";
import { metricNames } from "./helpers/promql";
import { devLayerRaw, planOf } from "./helpers/tools";

interface Target {
  refId: string;
  expr: string;
  datasource: { type: string; uid: string };
}
interface Dashboard {
  uid: string;
  title: string;
  panels: { id: number; title: string; datasource: { type: string; uid: string }; targets: Target[] }[];
  templating: { list: { name: string; query: string }[] };
}

const plan = planOf(devLayerRaw());
const dashboard = JSON.parse(renderGatewayDashboard(plan)) as Dashboard;
const datasources = parse(
  renderGrafanaDatasources(dockerEndpoints(plan).prometheusUrl, plan.monitoring.scrapeIntervalSeconds),
) as {
  apiVersion: number;
  datasources: { uid: string; type: string; url: string; isDefault?: boolean }[];
};
const ALLOWED = new Set(Object.values(knownMetrics.metrics).flat());

describe("metricNames (the PromQL metric extractor)", () => {
  it("skips functions, keywords, label names, values and numbers", () => {
    const expr =
      'histogram_quantile(0.95, sum by (le, requested_model) (rate(a_bucket{requested_model=~"x|y", job!="up"}[5m]))) / clamp_min(sum without (pod) (b_total) + on(job) group_left c, 1e-9) > bool 0';
    expect(metricNames(expr).sort()).toEqual(["a_bucket", "b_total", "c"]);
  });
  it("finds a bare selector", () => {
    expect(metricNames("up")).toEqual(["up"]);
  });
});

describe("gateway dashboard", () => {
  it("has a uid, a title and panels with unique ids", () => {
    expect(dashboard.uid).toMatch(/^[\w-]{1,40}$/);
    expect(dashboard.title).toBe("ai-layer / Gateway");
    expect(dashboard.panels.length).toBeGreaterThanOrEqual(9);
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dashboard.panels) expect(p.targets.length, p.title).toBeGreaterThan(0);
  });

  it("every panel and target queries the provisioned Prometheus datasource", () => {
    expect(datasources.datasources).toHaveLength(1);
    const ds = datasources.datasources[0]!;
    expect(ds.type).toBe("prometheus");
    for (const p of dashboard.panels) {
      expect(p.datasource, p.title).toEqual({ type: "prometheus", uid: ds.uid });
      for (const t of p.targets) expect(t.datasource, `${p.title} ${t.refId}`).toEqual(p.datasource);
    }
  });

  it("refIds are unique within each panel", () => {
    for (const p of dashboard.panels) {
      const refs = p.targets.map((t) => t.refId);
      expect(new Set(refs).size, p.title).toBe(refs.length);
    }
  });

  it("every metric in an expression is exported by the pinned LiteLLM, redis_exporter or Prometheus", () => {
    const used = new Set<string>();
    for (const p of dashboard.panels)
      for (const t of p.targets) {
        const names = metricNames(t.expr);
        expect(names.length, `${p.title}: ${t.expr}`).toBeGreaterThan(0);
        for (const n of names) {
          expect(ALLOWED, `${p.title}: ${n} (not in fixtures/known-metrics.json)`).toContain(n);
          used.add(n);
        }
      }
    // The extractor really looked at the panels: gateway, cache and scrape metrics all show up.
    expect(used).toContain("litellm_proxy_total_requests_metric_total");
    expect(used).toContain("redis_memory_used_bytes");
    expect(used).toContain("up");
  });

  it("the $model variable offers exactly the layer's model names", () => {
    const model = dashboard.templating.list.find((v) => v.name === "model");
    expect(model?.query.split(",")).toEqual(plan.models.map((m) => m.name));
    const usesModel = dashboard.panels.some((p) => p.targets.some((t) => t.expr.includes("$model")));
    expect(usesModel).toBe(true);
  });
});

describe("Grafana provisioning", () => {
  it("the datasource points at Prometheus on the Docker network", () => {
    const ds = datasources.datasources[0]!;
    expect(datasources.apiVersion).toBe(1);
    expect(ds.url).toBe("http://prometheus:9090");
    expect(ds.url).toBe(`http://${plan.services.prometheus.host}:${plan.services.prometheus.port}`);
    expect(ds.isDefault).toBe(true);
  });

  it("the dashboard provider reads the directory dashboards are uploaded to", () => {
    const provider = parse(renderGrafanaDashboardProvider()) as {
      providers: { type: string; options: { path: string } }[];
    };
    expect(provider.providers).toHaveLength(1);
    expect(provider.providers[0]!.type).toBe("file");
    expect(provider.providers[0]!.options.path).toBe(GRAFANA_DASHBOARDS_DIR);
  });
});

describe("Grafana datasource interval", () => {
  it("follows monitoring.scrapeIntervalSeconds, so $__rate_interval spans enough samples", () => {
    const raw = devLayerRaw() as { monitoring?: Record<string, unknown> };
    raw.monitoring = { scrapeIntervalSeconds: 60 };
    const slow = planOf(raw);
    const ds = parse(
      renderGrafanaDatasources("http://prometheus:9090", slow.monitoring.scrapeIntervalSeconds),
    ) as {
      datasources: { jsonData: { timeInterval: string } }[];
    };
    expect(ds.datasources[0]!.jsonData.timeInterval).toBe("60s");
  });
});
