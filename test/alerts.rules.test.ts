import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { validateStackConfig } from "../bin/offline/validate";
import { readStackFile, type StackConfig } from "../bin/offline/stackFile";
import { dockerEndpoints } from "../components/render";
import { kubernetesEndpoints } from "../components/kubernetes/layer";
import { isVllm, type Plan, planFor } from "../components/plan";
import {
  FILE_PATHS,
  PROMETHEUS_RULES_FILE,
  RECORDING_RULES,
  renderAlertRules,
  renderGatewayDashboard,
  renderGpuDashboard,
  renderLayerFiles,
  renderVllmDashboard,
  type RuleGroup,
} from "../components/render";
import { DEFAULTS } from "../components/spec/defaults";
import knownMetrics from "./fixtures/known-metrics.json";
import {
  dockerCostExpr,
  dockerSpendCase,
  gatewayCases,
  kubernetesCostExprs,
  ec2CostExprs,
  kubernetesSpendCases,
  redisCases,
  trafficExprs,
  vllmCases,
} from "./helpers/alertCases";
import { metricNames } from "./helpers/promql";
import {
  alertRules,
  isAlert,
  promtoolCheckRules,
  promtoolTestRules,
  type AlertCase,
  type ExprCase,
} from "./helpers/promtoolRules";
import { itRequiresToolInCi, requireTool, toolTitle } from "./helpers/tools";

const INSTALL = "apt-get install prometheus";
const has = requireTool("promtool");
const STACKS = join(__dirname, "..", "stacks");

/** A stack file planned as `npm run plan` plans it, with its layer object optionally patched. */
function stackPlan(stack: string, patch: (layer: Record<string, unknown>) => void = () => {}): Plan {
  const config: StackConfig = readStackFile(join(STACKS, `Pulumi.${stack}.yaml`));
  const layer = JSON.parse(config.values["ai-layer:layer"]!) as Record<string, unknown>;
  patch(layer);
  return validateStackConfig(stack, {
    ...config,
    values: { ...config.values, "ai-layer:layer": JSON.stringify(layer) },
  });
}

const withBudget = (monthlyUsd: number, hostUsdPerHour?: number) => (layer: Record<string, unknown>) => {
  layer.budget = { monthlyUsd, onExceed: "warn" };
  if (hostUsdPerHour !== undefined)
    layer.target = { ...(layer.target as object), costPerHourUsd: hostUsdPerHour };
};

interface Suite {
  readonly name: string;
  readonly plan: () => Plan;
  readonly alerts: readonly AlertCase[];
  readonly exprs: readonly ExprCase[];
}

const suites: Suite[] = [
  {
    name: "dev (docker)",
    plan: () => stackPlan("dev"),
    alerts: [...gatewayCases, ...redisCases],
    exprs: [...trafficExprs, dockerCostExpr(0)],
  },
  {
    name: "dev, host $2/h, budget $1000",
    plan: () => stackPlan("dev", withBudget(1000, 2)),
    alerts: [dockerSpendCase(1000, true)],
    exprs: [dockerCostExpr(2)],
  },
  {
    name: "dev, host $2/h, budget $2000",
    plan: () => stackPlan("dev", withBudget(2000, 2)),
    alerts: [dockerSpendCase(2000, false)],
    exprs: [],
  },
  {
    name: "staging (kubernetes), budget $5000",
    plan: () => stackPlan("staging", withBudget(5000)),
    alerts: [...gatewayCases, ...redisCases, ...vllmCases, ...kubernetesSpendCases],
    exprs: [...trafficExprs, ...kubernetesCostExprs],
  },
  {
    // The control host's Prometheus finds the GPU instances by their tags; no DCGM exporter there.
    name: "gpu-fleet (aws-ec2)",
    plan: () => stackPlan("gpu-fleet"),
    alerts: [...gatewayCases, ...redisCases, ...vllmCases.filter((c) => !c.alert.startsWith("Gpu"))],
    exprs: [...trafficExprs, ...ec2CostExprs],
  },
];

const groupsOf = (p: Plan) => (parse(renderAlertRules(p)) as { groups: RuleGroup[] }).groups;
const alertNames = (p: Plan) => [...new Set(alertRules(renderAlertRules(p)).map((r) => r.alert))];

describe("renderAlertRules", () => {
  const dev = stackPlan("dev");
  const staging = stackPlan("staging");

  it("the stacks keep the default SLO thresholds the promtool cases are written for", () => {
    for (const p of [dev, staging]) expect(p.monitoring.slo).toEqual(DEFAULTS.monitoring.slo);
    const chat = staging.models.filter(isVllm).find((m) => m.name === "chat")!;
    expect(chat.usdPerReplicaHour).toBe(0.8048);
    expect(staging.models.filter(isVllm).map((m) => [m.name, m.replicas.min, m.gpu.count])).toEqual([
      ["chat", 1, 1],
      ["chat-small", 0, 1],
      ["embed", 1, 1],
    ]);
  });

  it("docker: gateway and Redis alerts only (no vLLM, GPU or budget alerts without them)", () => {
    expect(alertNames(dev).sort()).toEqual(
      ["GatewayDown", "GatewayErrorRatioHigh", "GatewayLatencyP95High", "RedisDown", "RedisEvicting", "RedisNearMaxMemory"].sort(),
    ); // prettier-ignore
    const cacheless = stackPlan("dev", (l) => (l.cache = { enabled: false }));
    expect(alertNames(cacheless).filter((n) => n.startsWith("Redis"))).toEqual([]);
  });

  it("kubernetes: adds vLLM and GPU alerts; VllmModelDown only for models with min replicas ≥ 1", () => {
    const names = alertNames(staging);
    for (const n of [
      "ModelQueueBacklog",
      "KvCacheSaturated",
      "VllmPreemptions",
      "VllmModelDown",
      "GpuMissing",
      "GpuXidErrors",
    ])
      // prettier-ignore
      expect(names).toContain(n);
    expect(names).not.toContain("SpendOverBudget"); // staging sets no budget
    const down = alertRules(renderAlertRules(staging)).filter((r) => r.alert === "VllmModelDown");
    expect(down.map((r) => r.labels.model)).toEqual(["chat", "embed"]);
  });

  it("kubernetes with the cluster's own DCGM exporter (not scraped): no GPU alerts", () => {
    const p = stackPlan("staging", (l) => {
      l.target = { ...(l.target as object), clusterHas: { dcgmExporter: true } };
    });
    expect(alertNames(p).filter((n) => n.startsWith("Gpu"))).toEqual([]);
  });

  it("every alert has a severity, a summary, a description and a runbook with a command and a dashboard", () => {
    for (const [p, cmd] of [
      [dev, "docker "],
      [staging, "kubectl "],
    ] as const)
      // prettier-ignore
      for (const r of alertRules(renderAlertRules(p))) {
        expect(["critical", "warning"], r.alert).toContain(r.labels.severity);
        expect(r.annotations.summary.length, r.alert).toBeGreaterThan(10);
        expect(r.annotations.description.length, r.alert).toBeGreaterThan(10);
        expect(r.annotations.runbook, r.alert).toMatch(/Grafana "ai-layer \/ |ai_layer:/);
        if (!["SpendOverBudget"].includes(r.alert)) expect(r.annotations.runbook, r.alert).toContain(cmd);
      }
  });

  it("every dashboard panel a runbook names exists in the rendered dashboards", () => {
    type Panel = { title?: string; panels?: Panel[] };
    const titles = (ps: Panel[] = []): string[] => ps.flatMap((p) => [p.title ?? "", ...titles(p.panels)]);
    const dashboards = new Map(
      [renderGatewayDashboard(staging), renderVllmDashboard(staging), renderGpuDashboard(staging)].map(
        (j) => {
          const d = JSON.parse(j) as { title: string; panels?: Panel[] };
          return [d.title, titles(d.panels)] as const;
        },
      ),
    );
    const refs = [dev, staging].flatMap((p) =>
      alertRules(renderAlertRules(p)).flatMap((r) => [
        ...r.annotations.runbook.matchAll(/Grafana "([^"]+)" › "([^"]+)"/g),
      ]),
    );
    expect(refs.length).toBeGreaterThan(10);
    for (const [ref, dashboard, panel] of refs) expect(dashboards.get(dashboard!), ref).toContain(panel);
  });

  it("records the cost contract: per-model $/h on kubernetes, total $/h and traffic rates on both", () => {
    const recorded = (p: Plan) =>
      groupsOf(p).flatMap((g) =>
        g.rules.filter((r) => !isAlert(r)).map((r) => ("record" in r ? r.record : "")),
      );
    expect(new Set(recorded(dev))).toEqual(
      new Set([RECORDING_RULES.cost, RECORDING_RULES.requests, RECORDING_RULES.outputTokens]),
    );
    expect(recorded(staging).filter((r) => r === RECORDING_RULES.modelCost)).toHaveLength(3);
    expect(new Set(recorded(staging))).toEqual(new Set(Object.values(RECORDING_RULES)));
  });

  it("uses only metric names the pinned exporters export (fixtures/known-metrics.json) or it records", () => {
    const allowed = new Set(Object.values(knownMetrics.metrics).flat());
    for (const s of suites) {
      const groups = groupsOf(s.plan());
      const recorded = new Set(groups.flatMap((g) => g.rules.map((r) => ("record" in r ? r.record : ""))));
      for (const r of groups.flatMap((g) => g.rules))
        for (const n of metricNames(r.expr))
          expect(allowed.has(n) || recorded.has(n), `${s.name}: ${n} in ${r.expr}`).toBe(true);
    }
  });

  it("is written next to prometheus.yml on both targets, where rule_files points", () => {
    expect(FILE_PATHS.alertRules).toBe(`prometheus/${PROMETHEUS_RULES_FILE}`);
    for (const [p, endpoints] of [
      [dev, dockerEndpoints(dev)],
      [staging, kubernetesEndpoints(planFor(staging, "staging", "kubernetes"))],
    ] as const) {
      const files = renderLayerFiles(p, endpoints);
      expect(files.alertRules?.content).toBe(renderAlertRules(p));
      expect(parse(files.prometheusConfig!.content).rule_files).toEqual([PROMETHEUS_RULES_FILE]);
    }
  });
});

itRequiresToolInCi("promtool", INSTALL);

describe.skipIf(!has)(
  toolTitle("promtool check/test rules on the rendered rules", "promtool", has, INSTALL),
  () => {
    it.each(suites.map((s) => [s.name, s] as const))("%s: promtool check rules passes", (_n, suite) => {
      const rules = renderAlertRules(suite.plan());
      const r = promtoolCheckRules(rules);
      expect(r.status, r.stdout + r.stderr).toBe(0);
      const count = groupsOf(suite.plan()).reduce((n, g) => n + g.rules.length, 0);
      expect(r.stdout).toContain(`SUCCESS: ${count} rules found`);
    });

    const cases = suites.flatMap((suite) => [
      ...suite.alerts.map((c) => [`${suite.name} › ${c.alert}: ${c.name}`, suite, [c], []] as const),
      ...suite.exprs.map((e) => [`${suite.name} › recording: ${e.name}`, suite, [], [e]] as const),
    ]);

    it.each(cases)("%s", (_n, suite, alerts, exprs) => {
      const r = promtoolTestRules(renderAlertRules(suite.plan()), alerts, exprs);
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain("SUCCESS");
    });

    it("every alert of every suite has a firing and a silent case (at least 9 alerts)", () => {
      const all = new Set(suites.flatMap((s) => alertNames(s.plan())));
      const cases = suites.flatMap((s) => s.alerts);
      for (const n of all) {
        expect(
          cases.some((c) => c.alert === n && c.fires.length > 0),
          `${n} fires`,
        ).toBe(true);
        expect(
          cases.some((c) => c.alert === n && c.fires.length === 0),
          `${n} silent`,
        ).toBe(true);
      }
      // The two stack suites run every case of every alert their rules hold.
      for (const s of [suites[0]!, suites[3]!])
        for (const n of alertNames(s.plan()).filter((x) => x !== "SpendOverBudget"))
          expect(s.alerts.filter((c) => c.alert === n).length, `${s.name}: ${n}`).toBeGreaterThanOrEqual(2);
      expect(all.size).toBeGreaterThanOrEqual(9);
    });

    it("negative control: a case expecting a silent alert to fire fails", () => {
      const wrong: AlertCase = { ...gatewayCases[2]!, fires: [{ labels: {} }] };
      const r = promtoolTestRules(renderAlertRules(stackPlan("dev")), [wrong]);
      expect(r.status).not.toBe(0);
      expect(r.stdout + r.stderr).toContain("GatewayDown");
    });
  },
);
