import { describe, expect, it } from "vitest";
import { plan as makePlan, type PlanFor } from "../components/plan";
import {
  dashboardFiles,
  FILE_PATHS,
  PROMETHEUS_DATASOURCE_UID,
  renderCostDashboard,
  renderLayerFiles,
  renderOverviewDashboard,
  renderRedisDashboard,
} from "../components/render";
import { dockerEndpoints } from "../components/render";
import { kubernetesEndpoints, kubernetesObjects } from "../components/kubernetes/layer";
import { parseLayerSpec } from "../components/spec";
import knownMetrics from "./fixtures/known-metrics.json";
import { dashboardQueries, metricNames, promtoolCheckExprs } from "./helpers/promql";
import { kubeContext } from "./helpers/kubeLayer";
import { devLayerRaw, planOf, requireTool } from "./helpers/tools";

interface Dashboard {
  uid: string;
  title: string;
  description: string;
  schemaVersion: number;
  panels: {
    id: number;
    title: string;
    type: string;
    datasource: { type: string; uid: string };
    fieldConfig: { defaults: { unit: string } };
    targets: { refId: string; expr: string; datasource: unknown }[];
  }[];
  templating: { list: { name: string; query: string }[] };
}

function kubernetesPlan(): PlanFor<"kubernetes"> {
  const spec = parseLayerSpec({
    target: { kind: "kubernetes", context: "staging" },
    models: [
      { name: "chat", model: "llama-3.1-8b-instruct", gpu: { type: "L4" }, replicas: { min: 1, max: 2 } },
      { name: "overflow", remote: { provider: "openai", model: "gpt-4o-mini" } },
    ],
    budget: { monthlyUsd: 5000 },
  });
  return makePlan(spec, { stack: "staging", providedSecrets: new Set(["hfToken", "openaiApiKey"]) });
}

const k8sPlan = kubernetesPlan();
const devPlan = planOf(devLayerRaw(), "dev");
const g = knownMetrics.metrics as Record<string, string[]>;
const parse = (json: string) => JSON.parse(json) as Dashboard;
const CASES: [string, Dashboard, string[]][] = [
  ["Redis", parse(renderRedisDashboard(devPlan)), ["redis_exporter", "prometheus"]],
  ["Cost", parse(renderCostDashboard(k8sPlan)), ["ai_layer", "litellm"]],
  ["Overview", parse(renderOverviewDashboard(devPlan)), ["ai_layer", "litellm", "prometheus"]],
];

describe.each(CASES)("%s dashboard", (_name, dash, groups) => {
  const allowed = new Set(groups.flatMap((k) => g[k]!));

  it("is classic dashboard JSON with panels on the provisioned datasource", () => {
    expect(dash.uid).toMatch(/^ai-layer-[\w-]+$/);
    expect(dash.schemaVersion).toBeGreaterThanOrEqual(39);
    expect(dash.panels.length).toBeGreaterThanOrEqual(6);
    const ds = { type: "prometheus", uid: PROMETHEUS_DATASOURCE_UID };
    for (const p of dash.panels) {
      expect(p.datasource, p.title).toEqual(ds);
      expect(p.fieldConfig.defaults.unit, p.title).toMatch(/^[a-zA-Z]+$/);
      for (const t of p.targets) expect(t.datasource, `${p.title} ${t.refId}`).toEqual(ds);
    }
  });

  it("queries only names the pinned exporters or the layer's recording rules export", () => {
    for (const p of dash.panels)
      for (const t of p.targets) {
        const names = metricNames(t.expr);
        expect(names.length, `${p.title}: ${t.expr}`).toBeGreaterThan(0);
        for (const n of names) expect(allowed, `${p.title}: ${n}`).toContain(n);
      }
  });

  it.skipIf(!requireTool("promtool"))(
    `every expression is valid PromQL (promtool)${requireTool("promtool") ? "" : " (skipped: promtool not installed; apt-get install prometheus)"}`,
    () => {
      const exprs = dashboardQueries(JSON.stringify(dash));
      const r = promtoolCheckExprs(exprs);
      expect(r.status, r.stdout + r.stderr).toBe(0);
    },
  );
});

describe("Redis dashboard content", () => {
  const exprs = parse(renderRedisDashboard(devPlan)).panels.flatMap((p) => p.targets.map((t) => t.expr));
  it("shows memory vs max, evictions/s, hit ratio, clients and up", () => {
    const all = exprs.join("\n");
    for (const m of [
      "redis_memory_used_bytes",
      "redis_memory_max_bytes",
      "redis_connected_clients",
      "redis_up",
    ])
      expect(all).toContain(m);
    expect(all).toContain("rate(redis_evicted_keys_total[$__rate_interval])");
    expect(all).toMatch(/redis_keyspace_hits_total.*\/.*redis_keyspace_misses_total/);
  });
});

describe("Cost dashboard content", () => {
  const dash = parse(renderCostDashboard(k8sPlan));
  const exprs = dash.panels.flatMap((p) => p.targets.map((t) => t.expr));
  it("uses exactly the layer's four cost recording rules", () => {
    const rules = new Set(exprs.flatMap(metricNames).filter((n) => n.startsWith("ai_layer:")));
    expect([...rules].sort()).toEqual(g.ai_layer!.slice().sort());
  });
  it("shows $/h, the ×730 projection, $/request, $/1M tokens and the cache's savings", () => {
    expect(exprs).toContain("sum(ai_layer:cost_usd_per_hour)");
    expect(exprs).toContain("sum(ai_layer:cost_usd_per_hour) * 730");
    expect(exprs).toContain(
      "sum(ai_layer:cost_usd_per_hour) / (sum(ai_layer:gateway_requests:rate5m) * 3600 > 0)",
    );
    expect(exprs).toContain(
      "sum(ai_layer:cost_usd_per_hour) / (sum(ai_layer:output_tokens:rate5m) * 3600 > 0) * 1e6",
    );
    expect(exprs.join("\n")).toContain("litellm_cache_hits_metric_total");
  });
  it("states the plan's estimate and budget; $model lists every model name", () => {
    // 1–2 replicas × $0.8048 = $0.80–$1.61/h; × 730 = $587.50–$1175.01/month.
    expect(dash.description).toContain(
      "Planned: $0.80–$1.61/h, $587.50–$1175.01/month; budget $5000.00/month",
    );
    expect(dash.templating.list[0]!.query).toBe("chat,overflow");
  });
  it("queries the per-model cost rule only where the rules record it (found by the e2e tier on docker)", () => {
    const dev = parse(renderCostDashboard(devPlan)).panels.flatMap((p) => p.targets.map((t) => t.expr));
    expect(dev.join("\n")).not.toContain("ai_layer:model_cost_usd_per_hour");
    expect(exprs.join("\n")).toContain("ai_layer:model_cost_usd_per_hour");
  });
});

describe("dashboards provisioned per target", () => {
  it("dev (docker): overview, gateway, redis and cost — each uploaded by the Monitoring component", () => {
    const files = renderLayerFiles(devPlan, dockerEndpoints(devPlan));
    expect(dashboardFiles(files).map((f) => f.path)).toEqual([
      FILE_PATHS.overviewDashboard,
      FILE_PATHS.gatewayDashboard,
      FILE_PATHS.redisDashboard,
      FILE_PATHS.costDashboard,
    ]);
    const uids = dashboardFiles(files).map((f) => (JSON.parse(f.content) as Dashboard).uid);
    expect(new Set(uids).size).toBe(uids.length);
  });

  it("no Redis dashboard without the cache; the cost dashboard stays", () => {
    const raw = { ...devLayerRaw(), cache: { enabled: false } };
    const p = planOf(raw, "dev");
    const paths = dashboardFiles(renderLayerFiles(p, dockerEndpoints(p))).map((f) => f.path);
    expect(paths).not.toContain(FILE_PATHS.redisDashboard);
    expect(paths).toContain(FILE_PATHS.costDashboard);
    expect(parse(renderCostDashboard(p)).panels.map((x) => x.title)).not.toContain(
      "Saved by the cache (hit ratio)",
    );
  });

  it("kubernetes: six dashboards, all mounted in Grafana's dashboards ConfigMap", () => {
    const files = renderLayerFiles(k8sPlan, kubernetesEndpoints(k8sPlan));
    const names = dashboardFiles(files).map((f) => f.path.split("/").pop());
    expect(names).toEqual([
      "overview.json",
      "gateway.json",
      "vllm.json",
      "gpu.json",
      "redis.json",
      "cost.json",
    ]);
    const cm = kubernetesObjects(k8sPlan, kubeContext(k8sPlan), files).find(
      (o) => o.kind === "ConfigMap" && o.metadata.name === "grafana-dashboards",
    ) as unknown as { data: Record<string, string> };
    expect(Object.keys(cm.data).sort()).toEqual([...names].sort());
  });
});
