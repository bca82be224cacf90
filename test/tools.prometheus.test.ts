import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { dockerEndpoints } from "../components/render";
import type { Plan } from "../components/plan";
import {
  GATEWAY_METRICS_KEY_FILE,
  PROMETHEUS_RULES_FILE,
  renderAlertRules,
  renderGatewayDashboard,
  renderPrometheusConfig,
} from "../components/render";
import { devLayerRaw, itRequiresToolInCi, planOf, requireTool, run, toolTitle } from "./helpers/tools";

const INSTALL = "apt-get install prometheus";
const has = requireTool("promtool");
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "ai-layer-promtool-"));
  dirs.push(d);
  return d;
}

/** Writes prometheus.yml and (unless told otherwise) the relative key and rules files into a fresh dir. */
function writeConfig(p: Plan, withKeyFile = true, withRules = true): string {
  const dir = tempDir();
  const file = join(dir, "prometheus.yml");
  writeFileSync(file, renderPrometheusConfig(p, dockerEndpoints(p).scrape));
  if (withRules) {
    mkdirSync(dirname(join(dir, PROMETHEUS_RULES_FILE)), { recursive: true });
    writeFileSync(join(dir, PROMETHEUS_RULES_FILE), renderAlertRules(p));
  }
  if (withKeyFile) {
    const keyFile = join(dir, GATEWAY_METRICS_KEY_FILE);
    mkdirSync(dirname(keyFile), { recursive: true });
    writeFileSync(keyFile, "sk-test-not-a-real-key");
  }
  return file;
}

/** promtool from the filesystem root, so a relative key path resolves only against the config's dir. */
const checkConfig = (file: string) => run("promtool", ["check", "config", file], { cwd: "/" });

function withLayer(patch: (raw: Record<string, unknown>) => void): Plan {
  const raw = devLayerRaw();
  patch(raw);
  return planOf(raw);
}

const noCachePlan = () => withLayer((raw) => (raw.cache = { enabled: false }));
const slowPlan = () => withLayer((raw) => (raw.monitoring = { scrapeIntervalSeconds: 60 }));

itRequiresToolInCi("promtool", INSTALL);

describe.skipIf(!has)(
  toolTitle("promtool check config on the rendered prometheus.yml", "promtool", has, INSTALL),
  () => {
    const variants: [string, () => Plan][] = [
      ["dev plan", () => planOf(devLayerRaw())],
      ["cache disabled", noCachePlan],
      ["scrape interval 60s", slowPlan],
    ];

    it.each(variants)("%s: valid config", (_name, make) => {
      const r = checkConfig(writeConfig(make()));
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain("SUCCESS");
    });

    it("negative control: fails when the credentials file next to the config is missing", () => {
      const r = checkConfig(writeConfig(planOf(devLayerRaw()), false));
      expect(r.status).not.toBe(0);
      expect(r.stdout + r.stderr).toContain(GATEWAY_METRICS_KEY_FILE);
    });

    it("checks the rules file prometheus.yml names: valid, and an error when it is missing", () => {
      const ok = checkConfig(writeConfig(planOf(devLayerRaw())));
      expect(ok.stdout).toMatch(/SUCCESS: \d+ rules found/);
      const r = checkConfig(writeConfig(planOf(devLayerRaw()), true, false));
      expect(r.status).not.toBe(0);
      expect(r.stdout + r.stderr).toContain(PROMETHEUS_RULES_FILE);
    });
  },
);

describe("prometheus.yml variants checked above", () => {
  it("the variants really differ (redis job only with the cache, interval as configured)", () => {
    const noCache = renderPrometheusConfig(noCachePlan(), dockerEndpoints(noCachePlan()).scrape);
    expect(noCache).not.toContain("redis-exporter");
    const slow = slowPlan();
    expect(renderPrometheusConfig(slow, dockerEndpoints(slow).scrape)).toContain("scrape_interval: 60s");
  });
});

/** Every PromQL expression of the rendered gateway dashboard, with Grafana variables filled in. */
function dashboardExprs(): { ref: string; expr: string }[] {
  const dash = JSON.parse(renderGatewayDashboard(planOf(devLayerRaw()))) as {
    panels: { id: number; targets?: { refId: string; expr: string }[] }[];
  };
  return dash.panels.flatMap((p) =>
    (p.targets ?? []).map((t) => ({
      ref: `panel_${p.id}_${t.refId}`,
      expr: t.expr.replaceAll("$__rate_interval", "5m").replaceAll("$model", ".*"),
    })),
  );
}

function checkRules(exprs: { ref: string; expr: string }[]) {
  const file = join(tempDir(), "rules.yml");
  const rules = exprs.map(({ ref, expr }) => ({ record: `ai_layer:dashboard:${ref}`, expr }));
  writeFileSync(file, stringify({ groups: [{ name: "dashboard-exprs", rules }] }));
  return run("promtool", ["check", "rules", file]);
}

describe.skipIf(!has)(
  toolTitle("promtool check rules on every dashboard expression", "promtool", has, INSTALL),
  () => {
    it("every panel expression is valid PromQL", () => {
      const exprs = dashboardExprs();
      expect(exprs.length).toBeGreaterThanOrEqual(9);
      for (const { expr } of exprs) expect(expr).not.toMatch(/\$\w/); // every variable substituted
      const r = checkRules(exprs);
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain(`SUCCESS: ${exprs.length} rules found`);
    });

    it("negative control: a broken expression is rejected", () => {
      const r = checkRules([{ ref: "broken", expr: "sum(rate(up[5m])" }]);
      expect(r.status).not.toBe(0);
    });
  },
);
