/**
 * The policy step of `npm run plan`: runs the CrossGuard pack's rules (policies/rules, the same functions the pack
 * serves) over the planned resources and the stack outputs, and formats the report for the terminal and
 * summary.md. Levels and rule config come from policies/config/<stack>.json, the file CI passes to
 * `pulumi preview --policy-pack-config`; without it the rules' defaults apply.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import {
  evaluate,
  PolicyConfigError,
  RULES,
  STACK_TYPE,
  type Finding,
  type PolicyPackConfig,
  type StackResource,
} from "../../policies/rules";
import type { PlannedResource } from "./run";
import { plaintextSecretKeys, type StackConfig } from "./stackFile";

export { PolicyConfigError };

export interface PolicyReport {
  /** The config file used, relative to the project root; undefined = the rules' defaults. */
  readonly configFile?: string;
  readonly findings: readonly Finding[];
  readonly mandatory: number;
  readonly advisory: number;
}

/** Reads policies/config/<stack>.json when it exists. A file that is not JSON is a config error (exit 1). */
export function loadPolicyConfig(root: string, stack: string): { file?: string; config: PolicyPackConfig } {
  const path = join(root, "policies", "config", `${stack}.json`);
  if (!existsSync(path)) return { config: {} };
  let config: unknown;
  try {
    config = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new PolicyConfigError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof config !== "object" || config === null || Array.isArray(config))
    throw new PolicyConfigError(`${path}: expected an object of policy name → level or settings`);
  return { file: relative(root, path), config: config as PolicyPackConfig };
}

/**
 * The resources as the pack would see them, plus the root stack resource with the outputs (secrets masked; the
 * program exports budgetMonthlyUsd when layer.budget is set, which the budget rule reads) and, offline only, the
 * names of secret keys the stack file sets in plain text (plaintextSecretConfig).
 */
export function policyResources(
  stack: string,
  resources: readonly PlannedResource[],
  outputs: Record<string, unknown>,
  /** The stack file: its secret keys set in plain text go to the secret-config-encrypted rule (names only). */
  config?: StackConfig,
): StackResource[] {
  const plaintext = config ? plaintextSecretKeys(config) : [];
  const root: StackResource = {
    type: STACK_TYPE,
    name: `ai-layer-${stack}`,
    props: { ...outputs, ...(plaintext.length ? { plaintextSecretConfig: plaintext } : {}) },
  };
  const rest = resources.map((r) => ({
    type: r.type,
    name: r.name,
    props: (r.inputs && typeof r.inputs === "object" ? r.inputs : {}) as Record<string, unknown>,
  }));
  return [root, ...rest];
}

export function runPolicies(
  resources: readonly StackResource[],
  config: PolicyPackConfig,
  configFile?: string,
): PolicyReport {
  const findings = evaluate(resources, config);
  return {
    ...(configFile ? { configFile } : {}),
    findings,
    mandatory: findings.filter((f) => f.level === "mandatory").length,
    advisory: findings.filter((f) => f.level === "advisory").length,
  };
}

/** Findings grouped by rule, mandatory rules first, in RULES order otherwise. */
function byRule(findings: readonly Finding[]): Finding[][] {
  const order = (f: Finding) =>
    (f.level === "mandatory" ? 0 : 1) * 100 + RULES.findIndex((r) => r.name === f.rule);
  const groups = new Map<string, Finding[]>();
  for (const f of [...findings].sort((a, b) => order(a) - order(b)))
    groups.set(f.rule, [...(groups.get(f.rule) ?? []), f]);
  return [...groups.values()];
}

const source = (r: PolicyReport) => r.configFile ?? "the rules' default levels";

/** The terminal report: per rule, its level, severity and fix, then each resource with the problem. */
export function formatPolicyReport(report: PolicyReport): string {
  const head =
    `  policies (${RULES.length} rules, ${source(report)}): ` +
    `${report.mandatory} mandatory, ${report.advisory} advisory violation${report.advisory === 1 ? "" : "s"}`;
  const lines = [head];
  for (const group of byRule(report.findings)) {
    const f = group[0]!;
    lines.push(`  ${f.level === "mandatory" ? "✗" : "!"} [${f.level}] ${f.rule} (severity ${f.severity})`);
    for (const g of group) lines.push(`      ${g.resource}${g.type ? ` (${g.type})` : ""}: ${g.message}`);
    lines.push(`      fix: ${f.remediation}`);
  }
  return lines.join("\n");
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** The "## Policies" section appended to summary.md. */
export function renderPolicyMarkdown(report: PolicyReport): string {
  const lines = [
    "## Policies",
    "",
    `${RULES.length} rules from \`policies/rules\` (the CrossGuard pack in \`policies/\`), levels from ${
      report.configFile ? `\`${report.configFile}\`` : "the rules' defaults"
    }: **${report.mandatory} mandatory**, ${report.advisory} advisory violation${report.advisory === 1 ? "" : "s"}.`,
    "",
  ];
  if (report.findings.length === 0) return `${lines.join("\n")}\nNo violations.\n`;
  lines.push("| Level | Rule | Severity | Resource | Problem |", "|---|---|---|---|---|");
  const groups = byRule(report.findings);
  for (const group of groups)
    for (const f of group)
      lines.push(`| ${f.level} | ${f.rule} | ${f.severity} | \`${f.resource}\` | ${cell(f.message)} |`);
  lines.push("", "Fixes:", "");
  for (const group of groups) lines.push(`- **${group[0]!.rule}**: ${cell(group[0]!.remediation)}`);
  return `${lines.join("\n")}\n`;
}
