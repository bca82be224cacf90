import { asArray, isObject } from "./inspect";
import { stackRule, type StackResource } from "./types";

export const STACK_TYPE = "pulumi:pulumi:Stack";

/**
 * The stack's estimated cost at max scale against the budget. The engine hands stack policies each resource's
 * outputs, so the root `pulumi:pulumi:Stack` carries the program's exports (costPerMonthMaxUsd). The budget is
 * the pack config's budgetUsd and, when the stack resource carries one, budgetMonthlyUsd (the offline plan adds
 * it from layer.budget); the smaller applies.
 */
export const monthlyCostWithinBudget = stackRule({
  name: "monthly-cost-within-budget",
  description:
    "The estimated monthly cost at max scale (the stack output costPerMonthMaxUsd: GPU-hours at max replicas × 730 h) " +
    "stays within the budget (config budgetUsd, or layer.budget.monthlyUsd in the offline plan).",
  severity: "high",
  enforcementLevel: "mandatory",
  remediation:
    "Lower replicas.max, pick a smaller GPU or fewer models, or raise the budget (layer.budget.monthlyUsd / budgetUsd " +
    "in policies/config/<stack>.json) after sign-off.",
  defaults: {} as { budgetUsd?: number },
  configSchema: {
    properties: {
      budgetUsd: { type: "number", minimum: 0, description: "Monthly budget in USD at max scale" },
    },
  },
  check(resources, { config }) {
    const stack = resources.find((r) => r.type === STACK_TYPE);
    const cost = stack?.props.costPerMonthMaxUsd;
    if (typeof cost !== "number") return [];
    const budgets = [config.budgetUsd, stack?.props.budgetMonthlyUsd].filter(
      (b): b is number => typeof b === "number" && b >= 0,
    );
    if (budgets.length === 0) return [];
    const budget = Math.min(...budgets);
    return cost > budget
      ? [
          {
            message: `estimated $${cost.toFixed(2)}/month at max scale exceeds the budget of $${budget.toFixed(2)}`,
            ...(stack?.name ? { resource: stack.name } : {}),
            ...(stack?.urn ? { urn: stack.urn } : {}),
          },
        ]
      : [];
  },
});

const BUCKET_TYPES = new Set(["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"]);
const SSE_TYPES = new Set([
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
]);

/** Whether an SSE configuration resource's rules name an algorithm. */
const hasAlgorithm = (r: StackResource) =>
  asArray(r.props.rules).some((rule) => !!rule?.applyServerSideEncryptionByDefault?.sseAlgorithm);

/**
 * A stack rule because the encryption of an S3 bucket is a separate resource (aws v7: the inline
 * serverSideEncryptionConfiguration is deprecated) that names the bucket by id.
 */
export const s3Encrypted = stackRule({
  name: "s3-encrypted",
  description:
    "Every S3 bucket (weights, caches, logs) has a server-side encryption configuration: an " +
    "aws:s3/bucketServerSideEncryptionConfiguration for it with an sseAlgorithm, or the inline configuration.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediation:
    "Add an aws.s3.BucketServerSideEncryptionConfiguration for the bucket with " +
    'rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } }] (or "AES256").',
  defaults: {},
  check(resources) {
    const encrypted = new Set(
      resources.filter((r) => SSE_TYPES.has(r.type) && hasAlgorithm(r)).map((r) => String(r.props.bucket)),
    );
    return resources
      .filter((r) => BUCKET_TYPES.has(r.type))
      .filter((b) => {
        const inline = b.props.serverSideEncryptionConfiguration;
        if (isObject(inline) && inline.rule?.applyServerSideEncryptionByDefault?.sseAlgorithm) return false;
        const ids = [b.props.id, b.props.bucket, b.props.arn, b.name].filter((v) => typeof v === "string");
        return !ids.some((id) => encrypted.has(id));
      })
      .map((b) => ({
        message: `bucket ${b.props.bucket ?? b.name} has no server-side encryption configuration`,
        resource: b.name,
        ...(b.urn ? { urn: b.urn } : {}),
      }));
  },
});
