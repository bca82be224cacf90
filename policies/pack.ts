/**
 * The rules as CrossGuard policies. Kept apart from index.ts because constructing a PolicyPack starts the gRPC
 * server: tests import this module (or mock @pulumi/policy) and never serve.
 */
import type {
  Policy,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { RULES, type Rule } from "./rules";

/** The rule's config: its defaults overlaid with what the engine passes (the pack config file's properties). */
function configOf(rule: Rule, args: { getConfig<T extends object>(): T }): any {
  return { ...(rule.defaults as object), ...(args.getConfig<Record<string, unknown>>() ?? {}) };
}

export function toPolicy(rule: Rule): ResourceValidationPolicy | StackValidationPolicy {
  const meta: Policy = {
    name: rule.name,
    description: rule.description,
    enforcementLevel: rule.enforcementLevel,
    severity: rule.severity,
    remediationSteps: rule.remediation,
    ...(rule.configSchema ? { configSchema: rule.configSchema as Policy["configSchema"] } : {}),
  };
  if (rule.kind === "stack") {
    return {
      ...meta,
      validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const resources = args.resources.map((r) => ({
          type: r.type,
          name: r.name,
          urn: r.urn,
          props: r.props,
        }));
        for (const v of rule.check(resources, { config: configOf(rule, args), secretsMasked: false }))
          report(`${v.message}. Fix: ${rule.remediation}`, v.urn);
      },
    };
  }
  return {
    ...meta,
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
      const provider = args.provider ? { type: args.provider.type, props: args.provider.props } : undefined;
      const ctx = {
        config: configOf(rule, args),
        name: args.name,
        // @pulumi/policy unwraps secrets before validation: a secret and a literal look the same here.
        secretsMasked: false,
        ...(provider ? { provider } : {}),
      };
      for (const message of rule.check(args.type, args.props, ctx))
        report(`${message}. Fix: ${rule.remediation}`);
    },
  };
}

export const policies = RULES.map(toPolicy);
