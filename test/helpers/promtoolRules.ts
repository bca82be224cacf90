import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import type { AlertRule, RecordingRule, RuleGroup } from "../../components/render";
import { run, type RunResult } from "./tools";

/** One input series in promtool's notation, e.g. `{ series: 'up{job="litellm"}', values: "0x10" }`. */
export interface Series {
  readonly series: string;
  readonly values: string;
}

/** An alert expected at eval time: the labels it carries besides the rule's own, and how $value renders. */
export interface ExpectedAlert {
  readonly labels: Readonly<Record<string, string>>;
  /** The rendered `{{ … $value … }}` of its annotations, when they show it. */
  readonly value?: string;
}

/** Series in, one alert evaluated: `fires` lists the firing alerts, `[]` means it must stay silent. */
export interface AlertCase {
  readonly alert: string;
  readonly name: string;
  readonly series: readonly Series[];
  /** eval_time, e.g. `15m` (samples are 1m apart). */
  readonly at: string;
  readonly fires: readonly ExpectedAlert[];
}

/** A recording rule's value after series in (promql_expr_test). */
export interface ExprCase {
  readonly name: string;
  readonly series: readonly Series[];
  readonly at: string;
  readonly expr: string;
  readonly samples: readonly { readonly labels: string; readonly value: number }[];
}

/** Shorthand for a series. */
export const s = (series: string, values: string): Series => ({ series, values });

export const isAlert = (r: AlertRule | RecordingRule): r is AlertRule => "alert" in r;

/** Every alerting rule of a rules file. */
export function alertRules(rulesYaml: string): AlertRule[] {
  const doc = parse(rulesYaml) as { groups: RuleGroup[] };
  return doc.groups.flatMap((g) => g.rules.filter(isAlert));
}

/**
 * An annotation as Prometheus renders it for this alert: `{{ $labels.x }}` from the labels, any action using
 * `$value` replaced by the expected rendering. The rules use no other template actions (checked here).
 */
export function renderAnnotation(text: string, labels: Record<string, string>, value?: string): string {
  const out = text
    .replace(/\{\{\s*\$labels\.(\w+)\s*\}\}/g, (_, k: string) => labels[k] ?? "")
    .replace(/\{\{[^}]*\$value[^}]*\}\}/g, () => {
      if (value === undefined) throw new Error(`annotation shows $value but the case gives none: ${text}`);
      return value;
    });
  if (out.includes("{{")) throw new Error(`unsupported template action in annotation: ${text}`);
  return out;
}

/** The rule a firing alert comes from: same name, and its static labels (besides severity/service) match. */
function ruleFor(rules: readonly AlertRule[], c: AlertCase, fire: ExpectedAlert): AlertRule {
  const candidates = rules.filter(
    (r) =>
      r.alert === c.alert &&
      Object.entries(r.labels).every(([k, v]) => k === "severity" || k === "service" || fire.labels[k] === v),
  );
  if (candidates.length !== 1)
    throw new Error(`${c.name}: ${candidates.length} rules named ${c.alert} match ${JSON.stringify(fire)}`);
  return candidates[0]!;
}

/** A promtool unit-test file: one test group per case, each with its own series. */
export function promtoolTestFile(
  rulesFile: string,
  rules: readonly AlertRule[],
  alertCases: readonly AlertCase[],
  exprCases: readonly ExprCase[] = [],
): string {
  const tests = [
    ...alertCases.map((c) => ({
      name: c.name,
      interval: "1m",
      input_series: c.series,
      alert_rule_test: [
        {
          eval_time: c.at,
          alertname: c.alert,
          exp_alerts: c.fires.map((fire) => {
            const rule = ruleFor(rules, c, fire);
            // Annotations see the expression's labels only, not the ones the rule adds.
            const seriesLabels = Object.fromEntries(
              Object.entries(fire.labels).filter(([k]) => !(k in rule.labels)),
            );
            return {
              exp_labels: { ...fire.labels, ...rule.labels },
              exp_annotations: Object.fromEntries(
                Object.entries(rule.annotations).map(([k, v]) => [
                  k,
                  renderAnnotation(v, seriesLabels, fire.value),
                ]),
              ),
            };
          }),
        },
      ],
    })),
    ...exprCases.map((c) => ({
      name: c.name,
      interval: "1m",
      input_series: c.series,
      promql_expr_test: [{ expr: c.expr, eval_time: c.at, exp_samples: c.samples }],
    })),
  ];
  return stringify({ rule_files: [rulesFile], evaluation_interval: "1m", tests }, { lineWidth: 0 });
}

/** `promtool test rules` on a rules text and its tests, in a fresh directory. */
export function promtoolTestRules(
  rulesYaml: string,
  alertCases: readonly AlertCase[],
  exprCases: readonly ExprCase[] = [],
): RunResult {
  const dir = mkdtempSync(join(tmpdir(), "ai-layer-rules-"));
  try {
    writeFileSync(join(dir, "ai-layer.yml"), rulesYaml);
    const tests = promtoolTestFile("ai-layer.yml", alertRules(rulesYaml), alertCases, exprCases);
    writeFileSync(join(dir, "tests.yml"), tests);
    return run("promtool", ["test", "rules", "tests.yml"], { cwd: dir });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `promtool check rules` on a rules text. */
export function promtoolCheckRules(rulesYaml: string): RunResult {
  const dir = mkdtempSync(join(tmpdir(), "ai-layer-rules-"));
  try {
    writeFileSync(join(dir, "ai-layer.yml"), rulesYaml);
    return run("promtool", ["check", "rules", join(dir, "ai-layer.yml")]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
