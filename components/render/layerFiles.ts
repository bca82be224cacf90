import { DEFAULTS } from "../spec";
import { isOllama, isVllm, onCluster, runsRedis, type Plan } from "../plan";
import { renderAlertRules } from "./alertRules";
import { needsAlertmanager, renderAlertmanagerConfig } from "./alertmanagerConfig";
import { renderCostDashboard, renderRedisDashboard } from "./cacheCostDashboards";
import { renderOverviewDashboard } from "./overviewDashboard";
import { renderGpuDashboard, renderVllmDashboard } from "./dashboards";
import { renderGatewayDashboard, renderGrafanaDashboardProvider, renderGrafanaDatasources } from "./grafana";
import { renderLiteLlmConfig, type GatewayEndpoints } from "./litellmConfig";
import { renderOllamaPullScript } from "./ollamaPull";
import { renderPrometheusConfig, type ScrapeTargets } from "./prometheusConfig";
import { renderRedisConf } from "./redisConf";
import type { RenderedFile } from "./yamlFile";

/** How services reach each other on a target; the only input besides the plan. */
export interface LayerEndpoints {
  readonly gateway: GatewayEndpoints;
  readonly scrape: ScrapeTargets;
  /** Prometheus URL as Grafana reaches it. */
  readonly prometheusUrl: string;
}

/** Paths of the rendered files (relative to `files/`), so targets and tests name them one way. */
export const FILE_PATHS = {
  litellmConfig: "litellm/config.yaml",
  redisConf: "redis/redis.conf",
  prometheusConfig: "prometheus/prometheus.yml",
  // prometheus.yml names it relative to itself (PROMETHEUS_RULES_FILE).
  alertRules: "prometheus/rules/ai-layer.yml",
  alertmanagerConfig: "alertmanager/alertmanager.yml",
  grafanaDatasources: "grafana/provisioning/datasources/ai-layer.yaml",
  grafanaDashboardProvider: "grafana/provisioning/dashboards/ai-layer.yaml",
  overviewDashboard: "grafana/dashboards/overview.json",
  gatewayDashboard: "grafana/dashboards/gateway.json",
  vllmDashboard: "grafana/dashboards/vllm.json",
  gpuDashboard: "grafana/dashboards/gpu.json",
  redisDashboard: "grafana/dashboards/redis.json",
  costDashboard: "grafana/dashboards/cost.json",
  ollamaPull: "ollama/pull.py",
} as const;

export type FileKey = keyof typeof FILE_PATHS;

/** Every artifact the layer deploys, keyed for targets; ordered by path for deterministic output. */
export function renderLayerFiles(
  plan: Plan,
  endpoints: LayerEndpoints,
): Partial<Record<FileKey, RenderedFile>> {
  const ollamaModels = plan.models.filter(isOllama);
  const files: Partial<Record<FileKey, string>> = {
    litellmConfig: renderLiteLlmConfig(plan, endpoints.gateway),
    ...(runsRedis(plan) ? { redisConf: renderRedisConf(plan.cache) } : {}),
    ...(plan.monitoring.enabled
      ? {
          prometheusConfig: renderPrometheusConfig(plan, endpoints.scrape),
          alertRules: renderAlertRules(plan),
          ...(needsAlertmanager(plan) ? { alertmanagerConfig: renderAlertmanagerConfig(plan) } : {}),
          grafanaDatasources: renderGrafanaDatasources(
            endpoints.prometheusUrl,
            plan.monitoring.scrapeIntervalSeconds,
          ),
          grafanaDashboardProvider: renderGrafanaDashboardProvider(),
          overviewDashboard: renderOverviewDashboard(plan),
          gatewayDashboard: renderGatewayDashboard(plan),
          ...(plan.cache.enabled ? { redisDashboard: renderRedisDashboard(plan) } : {}),
          costDashboard: renderCostDashboard(plan),
          // vLLM runs on GPUs: its dashboard comes with it.
          ...(plan.models.some(isVllm) ? { vllmDashboard: renderVllmDashboard(plan) } : {}),
          // GPU metrics come from DCGM exporters, which only the kubernetes target runs (or finds).
          ...(plan.models.some(isVllm) && onCluster(plan) ? { gpuDashboard: renderGpuDashboard(plan) } : {}),
        }
      : {}),
    // Pulled through the Ollama API by `up`, before the gateway (components/docker/ollamaModels.ts).
    ...(ollamaModels.length
      ? { ollamaPull: renderOllamaPullScript(ollamaModels, pullTimeoutSeconds(plan)) }
      : {}),
  };
  return Object.fromEntries(
    Object.entries(files).map(([key, content]) => [
      key,
      { path: FILE_PATHS[key as FileKey], content: content! },
    ]),
  );
}

const pullTimeoutSeconds = (plan: Plan): number =>
  plan.target.kind === "docker"
    ? plan.target.modelPullTimeoutSeconds
    : DEFAULTS.target.docker.modelPullTimeoutSeconds;

/** Keys of the Grafana dashboards, for targets that provision every one rendered. */
export const DASHBOARD_KEYS = [
  "overviewDashboard",
  "gatewayDashboard",
  "vllmDashboard",
  "gpuDashboard",
  "redisDashboard",
  "costDashboard",
] as const satisfies readonly FileKey[];

/** The rendered dashboards (whichever the plan needs), in DASHBOARD_KEYS order. */
export function dashboardFiles(files: Partial<Record<FileKey, RenderedFile>>): RenderedFile[] {
  return DASHBOARD_KEYS.flatMap((k) => (files[k] ? [files[k]] : []));
}

/** A list of rendered files back to the map renderLayerFiles returns, by their paths. */
export function filesByKey(files: readonly RenderedFile[]): Partial<Record<FileKey, RenderedFile>> {
  const keyOf = new Map<string, FileKey>(Object.entries(FILE_PATHS).map(([k, path]) => [path, k as FileKey]));
  return Object.fromEntries(files.flatMap((f) => (keyOf.has(f.path) ? [[keyOf.get(f.path)!, f]] : [])));
}

/** The files as a list sorted by path. */
export function fileList(files: Partial<Record<FileKey, RenderedFile>>): RenderedFile[] {
  return Object.values(files).sort((a, b) => a.path.localeCompare(b.path));
}
