/**
 * The rule model shared by the CrossGuard pack (policies/index.ts), the offline plan (bin/plan.ts) and the tests:
 * a rule is metadata plus a plain function over a resource's type and inputs. Nothing here imports Pulumi, so
 * `plan` runs the same code without the engine.
 */

export type Severity = "low" | "medium" | "high" | "critical";
/** The CrossGuard levels a rule may take (remediate is not used: no rule rewrites resources). */
export type EnforcementLevel = "advisory" | "mandatory" | "disabled";

/** A JSON-schema fragment, as CrossGuard's `configSchema.properties` expects. */
export interface JsonSchema {
  readonly type: "string" | "number" | "integer" | "boolean" | "array" | "object";
  readonly description?: string;
  readonly items?: JsonSchema;
  readonly default?: unknown;
  readonly minimum?: number;
}

/** What a rule knows besides the resource itself. */
export interface RuleContext<C> {
  /** The rule's config: its defaults overlaid with the stack's policy config. */
  readonly config: C;
  /** The resource's logical name, for messages. */
  readonly name: string;
  /**
   * Whether values marked secret are masked ("[secret]") as in the offline plan. @pulumi/policy 1.21 hands
   * validations unwrapped plain values, so in the pack a secret and a literal look the same.
   */
  readonly secretsMasked: boolean;
  /** The default provider of this resource's package, when known (AWS default tags). */
  readonly provider?: { readonly type: string; readonly props: Record<string, unknown> };
}

interface RuleMeta<C> {
  /** CrossGuard policy name: lowercase letters, digits and dashes. */
  readonly name: string;
  readonly description: string;
  readonly severity: Severity;
  readonly enforcementLevel: EnforcementLevel;
  /** The fix, shown with every violation. */
  readonly remediation: string;
  readonly defaults: C;
  /**
   * A stack output (on the `pulumi:pulumi:Stack` resource) that, when true, makes this rule mandatory in the
   * engine-free evaluator unless the policy config disables it: a stack's own opt-in (e.g. requireImageDigests).
   */
  readonly mandatoryWhenStackOutput?: string;
  readonly configSchema?: { readonly properties: Record<string, JsonSchema> };
}

export interface ResourceRule<C = Record<string, unknown>> extends RuleMeta<C> {
  readonly kind: "resource";
  /** Violation messages for one resource; [] when it passes or the rule does not apply. */
  check(type: string, props: Record<string, any>, ctx: RuleContext<C>): string[];
}

/** A resource as a stack rule sees it (CrossGuard's PolicyResource, reduced). */
export interface StackResource {
  readonly type: string;
  readonly name: string;
  readonly urn?: string;
  readonly props: Record<string, any>;
}

export interface StackViolation {
  readonly message: string;
  /** Logical name of the resource at fault, when there is one. */
  readonly resource?: string;
  readonly urn?: string;
}

export interface StackRule<C = Record<string, unknown>> extends RuleMeta<C> {
  readonly kind: "stack";
  check(
    resources: readonly StackResource[],
    ctx: Omit<RuleContext<C>, "name" | "provider">,
  ): StackViolation[];
}

export type Rule = ResourceRule<any> | StackRule<any>;

/** Defines a resource rule with its config type inferred from the defaults. */
export const resourceRule = <C>(r: Omit<ResourceRule<C>, "kind">): ResourceRule<C> => ({
  kind: "resource",
  ...r,
});
export const stackRule = <C>(r: Omit<StackRule<C>, "kind">): StackRule<C> => ({ kind: "stack", ...r });

export const SECRET_MASK = "[secret]";
