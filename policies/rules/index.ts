/**
 * Every ai-layer rule, and an engine-free evaluator: the offline plan and the tests run the rules through
 * `evaluate`, the CrossGuard pack (policies/pack.ts) wraps the same objects as policies.
 */
import {
  ebsEncrypted,
  elasticacheEncrypted,
  gpuInstanceAllowlist,
  imdsv2Required,
  requiredTags,
} from "./aws";
import {
  eksClusterAudited,
  imdsHopLimit,
  noAccountWideParameterReads,
  s3TlsOnly,
  vpcFlowLogs,
} from "./awsAccess";
import { secretConfigEncrypted } from "./config";
import { helmChartPinned, imagesPinned, imagesPinnedByDigest } from "./images";
import { noPublicInternalServices } from "./network";
import { noPlaintextSecrets } from "./secrets";
import { monthlyCostWithinBudget, s3Encrypted } from "./stack";
import type { EnforcementLevel, Rule, Severity, StackResource } from "./types";
import { containerHealthProbes, containerResourceLimits, vllmMaxModelLen } from "./workloads";

export * from "./types";
export { STACK_TYPE } from "./stack";

export const RULES: readonly Rule[] = [
  imagesPinned,
  imagesPinnedByDigest,
  helmChartPinned,
  containerResourceLimits,
  containerHealthProbes,
  vllmMaxModelLen,
  noPublicInternalServices,
  noPlaintextSecrets,
  secretConfigEncrypted,
  gpuInstanceAllowlist,
  ebsEncrypted,
  elasticacheEncrypted,
  s3Encrypted,
  imdsv2Required,
  imdsHopLimit,
  noAccountWideParameterReads,
  eksClusterAudited,
  s3TlsOnly,
  vpcFlowLogs,
  requiredTags,
  monthlyCostWithinBudget,
];

export const ENFORCEMENT_LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "disabled"];

/**
 * A policy pack config file, the format of `pulumi preview --policy-pack-config FILE`: policy name → level, or
 * `{ enforcementLevel?, ...config }`; the key "all" sets the level of every policy.
 */
export type PolicyPackConfig = Record<string, unknown>;

export class PolicyConfigError extends Error {}

export interface ResolvedRule {
  readonly rule: Rule;
  readonly level: EnforcementLevel;
  readonly config: Record<string, unknown>;
}

/** Each rule with its level and config for a stack: the rule's defaults overlaid with the config file. */
export function resolveRules(file: PolicyPackConfig = {}): ResolvedRule[] {
  const problems: string[] = [];
  const known = new Set(RULES.map((r) => r.name));
  const levelOf = (key: string, v: unknown): EnforcementLevel | undefined => {
    if (v === undefined) return undefined;
    if (typeof v === "string" && (ENFORCEMENT_LEVELS as readonly string[]).includes(v))
      return v as EnforcementLevel;
    problems.push(
      `${key}: enforcement level must be one of ${ENFORCEMENT_LEVELS.join(", ")} (got ${JSON.stringify(v)})`,
    );
    return undefined;
  };
  for (const key of Object.keys(file))
    if (key !== "all" && !known.has(key))
      problems.push(`${key}: no such policy (known: ${[...known].join(", ")})`);
  const all = file.all;
  const allLevel = levelOf("all", typeof all === "object" && all ? (all as any).enforcementLevel : all);
  const resolved = RULES.map((rule) => {
    const entry = file[rule.name];
    const { enforcementLevel, ...config } =
      typeof entry === "object" && entry !== null
        ? (entry as Record<string, unknown>)
        : { enforcementLevel: entry };
    const level = levelOf(rule.name, enforcementLevel) ?? allLevel ?? rule.enforcementLevel;
    return { rule, level, config: { ...(rule.defaults as object), ...config } };
  });
  if (problems.length) throw new PolicyConfigError(`policy config: ${problems.join("; ")}`);
  return resolved;
}

export interface Finding {
  readonly rule: string;
  readonly severity: Severity;
  readonly level: EnforcementLevel;
  /** Logical name and type of the resource at fault ("" type for stack-wide findings without one). */
  readonly resource: string;
  readonly type: string;
  readonly message: string;
  readonly remediation: string;
}

/**
 * Runs every enabled rule over `resources` (inputs as the plan records them, secrets masked) the way the engine
 * would: resource rules per resource, stack rules once. A `pulumi:pulumi:Stack` resource carries the outputs.
 */
export function evaluate(resources: readonly StackResource[], file?: PolicyPackConfig): Finding[] {
  const findings: Finding[] = [];
  const providers = new Map(
    resources
      .filter((r) => r.type.startsWith("pulumi:providers:"))
      .map((r) => [r.type.slice(17), r] as const),
  );
  const stack = resources.find((r) => r.type === "pulumi:pulumi:Stack");
  for (const { rule, level: configured, config } of resolveRules(file)) {
    if (configured === "disabled") continue;
    const optedIn = rule.mandatoryWhenStackOutput && stack?.props[rule.mandatoryWhenStackOutput] === true;
    const level: EnforcementLevel = optedIn ? "mandatory" : configured;
    const base = { rule: rule.name, severity: rule.severity, level, remediation: rule.remediation };
    if (rule.kind === "stack") {
      for (const v of rule.check(resources, { config, secretsMasked: true })) {
        const type = resources.find((r) => r.name === v.resource)?.type ?? "";
        findings.push({ ...base, resource: v.resource ?? "(stack)", type, message: v.message });
      }
      continue;
    }
    for (const r of resources) {
      const provider = providers.get(r.type.split(":")[0]!);
      const ctx = { config, name: r.name, secretsMasked: true, ...(provider ? { provider } : {}) };
      for (const message of rule.check(r.type, r.props, ctx))
        findings.push({ ...base, resource: r.name, type: r.type, message });
    }
  }
  return findings;
}
