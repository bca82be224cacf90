import { describe, expect, it } from "vitest";
import { isVllm, plan as makePlan, type Plan } from "../components/plan";
import {
  PROMETHEUS_DATASOURCE_UID,
  renderGatewayDashboard,
  renderGpuDashboard,
  renderVllmDashboard,
} from "../components/render";
import { parseLayerSpec } from "../components/spec";
import knownMetrics from "./fixtures/known-metrics.json";
import { dashboardQueries, metricNames, promtoolCheckExprs } from "./helpers/promql";
import { itRequiresToolInCi, requireTool, toolTitle } from "./helpers/tools";

interface Dashboard {
  uid: string;
  title: string;
  panels: {
    id: number;
    title: string;
    type: string;
    datasource: { type: string; uid: string };
    fieldConfig: { defaults: { unit: string } };
    targets: { refId: string; expr: string; datasource: unknown }[];
  }[];
  templating: { list: { name: string; query: string; type: string }[] };
}

/** A kubernetes layer with two vLLM models and a remote one (which must not appear in the vLLM variable). */
function kubernetesPlan(): Plan {
  const spec = parseLayerSpec({
    target: { kind: "kubernetes", context: "staging" },
    models: [
      { name: "chat", model: "llama-3.1-8b-instruct", gpu: { type: "L4" } },
      { name: "embed", model: "nomic-embed-text-v1.5", gpu: { type: "L4" } },
      { name: "overflow", remote: { provider: "openai", model: "gpt-4o-mini" } },
    ],
  });
  return makePlan(spec, { stack: "staging", providedSecrets: new Set(["hfToken", "openaiApiKey"]) });
}

const plan = kubernetesPlan();
const vllm = JSON.parse(renderVllmDashboard(plan)) as Dashboard;
const gpu = JSON.parse(renderGpuDashboard(plan)) as Dashboard;
const byGroup = knownMetrics.metrics as Record<string, string[]>;
const CASES: [string, Dashboard, Set<string>][] = [
  ["vLLM", vllm, new Set([...byGroup.vllm!, ...byGroup.prometheus!])],
  ["GPU", gpu, new Set([...byGroup.dcgm_exporter!, ...byGroup.prometheus!])],
];

describe.each(CASES)("%s dashboard", (_name, dash, allowed) => {
  it("has a unique uid, a title and panels with unique ids, each with queries", () => {
    const gateway = JSON.parse(renderGatewayDashboard(plan)) as Dashboard;
    expect(dash.uid).toMatch(/^[\w-]{1,40}$/);
    expect(new Set([gateway.uid, vllm.uid, gpu.uid]).size).toBe(3);
    expect(dash.title).toMatch(/^ai-layer \/ \w/);
    expect(dash.panels.length).toBeGreaterThanOrEqual(6);
    const ids = dash.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dash.panels) {
      expect(p.targets.length, p.title).toBeGreaterThan(0);
      expect(p.fieldConfig.defaults.unit, p.title).toMatch(/^[a-zA-Z]+$/);
      expect(["timeseries", "stat"]).toContain(p.type);
    }
  });

  it("every panel and query uses the provisioned Prometheus datasource", () => {
    const ds = { type: "prometheus", uid: PROMETHEUS_DATASOURCE_UID };
    for (const p of dash.panels) {
      expect(p.datasource, p.title).toEqual(ds);
      for (const t of p.targets) expect(t.datasource, `${p.title} ${t.refId}`).toEqual(ds);
    }
  });

  it("every metric queried is exported by the pinned exporter (fixtures/known-metrics.json)", () => {
    for (const p of dash.panels)
      for (const t of p.targets) {
        const names = metricNames(t.expr);
        expect(names.length, `${p.title}: ${t.expr}`).toBeGreaterThan(0);
        for (const n of names) expect(allowed, `${p.title}: ${n}`).toContain(n);
      }
  });
});

describe("vLLM dashboard content", () => {
  const exprs = vllm.panels.flatMap((p) => p.targets.map((t) => t.expr));

  it("$model offers exactly the plan's vLLM model names and every vLLM query filters on it", () => {
    const model = vllm.templating.list.find((v) => v.name === "model");
    expect(model?.query.split(",")).toEqual(plan.models.filter(isVllm).map((m) => m.name));
    expect(model?.query.split(",")).not.toContain("overflow");
    for (const e of exprs.filter((x) => x.includes("vllm:"))) expect(e).toContain('model_name=~"$model"');
  });

  it("covers queue, KV cache, TTFT p50/p95, ITL, e2e latency, tokens and preemptions", () => {
    const all = exprs.join("\n");
    for (const m of [
      "vllm:num_requests_running",
      "vllm:num_requests_waiting",
      "vllm:kv_cache_usage_perc",
      "vllm:inter_token_latency_seconds_bucket",
      "vllm:e2e_request_latency_seconds_bucket",
      "vllm:prompt_tokens_total",
      "vllm:generation_tokens_total",
      "vllm:num_preemptions_total",
    ])
      expect(all).toContain(m);
    expect(all).toContain(
      "histogram_quantile(0.5, sum by (le, model_name, track) (rate(vllm:time_to_first_token",
    );
    expect(all).toContain(
      "histogram_quantile(0.95, sum by (le, model_name, track) (rate(vllm:time_to_first_token",
    );
    // Deprecated names that vLLM >= 0.12/0.13 no longer exports (runtime-facts.md §B4).
    expect(all).not.toMatch(/gpu_cache_usage_perc|time_per_output_token_seconds/);
  });

  it("shows the KV cache as a fraction (percentunit), since vLLM exports 0-1", () => {
    const kv = vllm.panels.find((p) => p.targets.some((t) => t.expr.includes("kv_cache_usage_perc")));
    expect(kv?.fieldConfig.defaults.unit).toBe("percentunit");
  });
});

describe("GPU dashboard content", () => {
  it("covers utilization, memory used/free in MiB, power, temperature and XID errors", () => {
    const unitOf = (metric: string) =>
      gpu.panels.find((p) =>
        p.targets.some((t) => t.expr === `max by (Hostname, gpu, modelName) (${metric})`),
      )?.fieldConfig.defaults.unit;
    expect(unitOf("DCGM_FI_DEV_GPU_UTIL")).toBe("percent");
    expect(unitOf("DCGM_FI_DEV_FB_USED")).toBe("mbytes");
    expect(unitOf("DCGM_FI_DEV_FB_FREE")).toBe("mbytes");
    expect(unitOf("DCGM_FI_DEV_POWER_USAGE")).toBe("watt");
    expect(unitOf("DCGM_FI_DEV_GPU_TEMP")).toBe("celsius");
    expect(unitOf("DCGM_FI_DEV_XID_ERRORS")).toBe("none");
  });

  it("has no template variables (GPU series carry no model name)", () => {
    expect(gpu.templating.list).toEqual([]);
  });
});

const INSTALL = "apt-get install prometheus";
const has = requireTool("promtool");
itRequiresToolInCi("promtool", INSTALL);

describe.skipIf(!has)(
  toolTitle("promtool check rules on the vLLM and GPU dashboards", "promtool", has, INSTALL),
  () => {
    it.each([
      ["vLLM", renderVllmDashboard(plan)],
      ["GPU", renderGpuDashboard(plan)],
    ])("%s: every panel expression is valid PromQL", (_name, json) => {
      const exprs = dashboardQueries(json);
      expect(exprs.length).toBeGreaterThanOrEqual(8);
      for (const { expr } of exprs) expect(expr).not.toMatch(/\$\w/); // every variable substituted
      const r = promtoolCheckExprs(exprs);
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain(`SUCCESS: ${exprs.length} rules found`);
    });

    it("negative control: a broken expression is rejected", () => {
      expect(
        promtoolCheckExprs([{ ref: "broken", expr: "sum(rate(vllm:num_preemptions_total[5m])" }]).status,
      ).not.toBe(0);
    });
  },
);
