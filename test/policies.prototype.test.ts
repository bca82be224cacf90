// Rule lookups keyed by names from the resources (kinds, tags) never reach Object.prototype.
import { describe, expect, it } from "vitest";
import { evaluate } from "../policies/rules";
import { kubeContainers } from "../policies/rules/inspect";

describe("policy lookups by resource-supplied names", () => {
  it.each(["constructor", "toString", "__proto__", "hasOwnProperty"])(
    "a Kubernetes kind named %s has no containers and does not crash a rule",
    (kind) => {
      const type = `kubernetes:core/v1:${kind}`;
      expect(kubeContainers(type, { spec: {} })).toEqual([]);
      expect(() => evaluate([{ type, name: "odd", props: { metadata: { name: "odd" } } }])).not.toThrow();
    },
  );

  it("required tags are own properties: an inherited `constructor` is not a tag", () => {
    const findings = evaluate(
      [{ type: "aws:s3/bucket:Bucket", name: "b", props: { tags: { owner: "a" } } }],
      { "required-tags": { enforcementLevel: "mandatory", requiredTags: ["owner", "constructor"] } },
    ).filter((f) => f.rule === "required-tags");
    expect(findings.map((f) => f.message)).toEqual(["missing tags: constructor"]);
  });
});
