import type { Plan } from "../../components/plan";
import type { RenderedFile } from "../../components/render";
import type { PlannedResource } from "./run";

const gib = (n: number) => n.toFixed(1);
const usd = (n: number) => `$${n.toFixed(2)}`;

/** summary.md: what will exist, per model runtime, memory and placement, endpoints, secrets, cost. */
export function renderSummary(
  plan: Plan,
  resources: readonly PlannedResource[],
  files: readonly RenderedFile[],
): string {
  const t = plan.target;
  const gpu = t.gpu
    ? `${t.gpu.count} × ${t.gpu.type ?? "GPU"} (${gib(t.gpuMemoryGiB ?? 0)} GiB each)`
    : "none (models run on the CPU)";
  const lines: string[] = [
    `# ai-layer plan: ${plan.stack}`,
    "",
    `- Target: docker on ${t.host ?? "the local Docker daemon"}; GPU: ${gpu}; host memory for models: ${t.hostMemoryGiB} GiB`,
    `- Estimated cost: ${usd(plan.cost.perHourUsd)}/h, ${usd(plan.cost.perMonthUsd)}/month (730 h; the host's configured cost, target.costPerHourUsd)`,
    `- Ollama context length (server-wide): ${plan.ollamaContextLength} tokens`,
    "",
    "## Models",
    "",
    "| name | model | runtime | served as | precision | context | memory GiB (weights + KV + overhead) | placement |",
    "|---|---|---|---|---|---|---|---|",
    ...plan.models.map(
      (m) =>
        `| ${m.name} | ${m.catalogId} (${m.kind}) | ${m.runtime} | ${m.ollamaTag} | ${m.precision} | ${m.contextLength} | ` +
        `${gib(m.memory.totalGiB)} (${gib(m.memory.weightsGiB)} + ${gib(m.memory.kvCacheGiB)} + ${gib(m.memory.overheadGiB)}) | ${m.placement} |`,
    ),
    "",
    "## Endpoints",
    "",
    `- Gateway (OpenAI-compatible): ${plan.urls.gateway}/v1 — send \`model\` as one of: ${plan.models.map((m) => m.name).join(", ")}`,
    ...(plan.urls.grafana
      ? [
          `- Grafana: ${plan.urls.grafana} (user admin; password: \`pulumi stack output --show-secrets grafanaAdminPassword\`)`,
        ]
      : []),
    ...(plan.urls.prometheus ? [`- Prometheus: ${plan.urls.prometheus}`] : []),
    "",
    "## Services (Docker network)",
    "",
    "| service | image | address |",
    "|---|---|---|",
    ...(Object.keys(plan.services) as (keyof Plan["services"])[])
      .filter((s) => (s !== "redis" && s !== "redisExporter") || plan.cache.enabled)
      .filter((s) => (s !== "prometheus" && s !== "grafana") || plan.monitoring.enabled)
      .map((s) => `| ${s} | ${plan.images[s]} | ${plan.services[s].host}:${plan.services[s].port} |`),
    "",
    "## Secrets",
    "",
    "| config key | purpose | source |",
    "|---|---|---|",
    ...plan.secrets.map(
      (s) =>
        `| ai-layer:${s.configKey} | ${s.purpose} | ${s.generated ? "generated (@pulumi/random)" : "secret config"} |`,
    ),
    "",
    "## Resources",
    "",
    `${resources.length} resources:`,
    "",
    ...Object.entries(
      resources.reduce<Record<string, number>>(
        (acc, r) => ({ ...acc, [r.type]: (acc[r.type] ?? 0) + 1 }),
        {},
      ),
    ).map(([type, n]) => `- ${type}: ${n}`),
    "",
    "## Files",
    "",
    ...files.map((f) => `- files/${f.path}`),
    "",
  ];
  if (plan.warnings.length) lines.push("## Warnings", "", ...plan.warnings.map((w) => `- ${w}`), "");
  return lines.join("\n");
}
