import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { run, type RunResult } from "./tools";

const PROMQL_KEYWORDS = new Set([
  "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset",
]); // prettier-ignore

/**
 * Metric names in a PromQL expression: drops string literals, label matchers `{…}`, ranges `[…]` and
 * `by/without (…)` label lists, then keeps identifiers that are not function calls, keywords or numbers.
 */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const names = [...stripped.matchAll(/(?<![\w.:])([a-zA-Z_:][\w:]*)(?![\w:])(?!\s*\()/g)].map((m) => m[1]!);
  return [...new Set(names.filter((n) => !PROMQL_KEYWORDS.has(n) && !/^(inf|nan)$/i.test(n)))];
}

/** A dashboard's PromQL queries, one per panel target, as Grafana JSON holds them. */
export interface DashboardQuery {
  readonly ref: string;
  readonly expr: string;
}

/** Every query of a classic Grafana dashboard JSON, with Grafana's variables replaced by concrete values. */
export function dashboardQueries(json: string): DashboardQuery[] {
  const dash = JSON.parse(json) as { panels: { id: number; targets?: { refId: string; expr: string }[] }[] };
  return dash.panels.flatMap((p) =>
    (p.targets ?? []).map((t) => ({
      ref: `panel_${p.id}_${t.refId}`,
      expr: t.expr.replaceAll("$__rate_interval", "5m").replaceAll("$model", ".*"),
    })),
  );
}

/**
 * `promtool check rules` on expressions written as recording rules: the real PromQL parser, without a server.
 * Returns promtool's result.
 */
export function promtoolCheckExprs(exprs: readonly DashboardQuery[]): RunResult {
  const dir = mkdtempSync(join(tmpdir(), "ai-layer-promql-"));
  try {
    const file = join(dir, "rules.yml");
    const rules = exprs.map(({ ref, expr }) => ({ record: `ai_layer:dashboard:${ref}`, expr }));
    writeFileSync(file, stringify({ groups: [{ name: "dashboard-exprs", rules }] }));
    return run("promtool", ["check", "rules", file]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
