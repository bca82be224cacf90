// The CrossGuard pack loads the way the Pulumi CLI loads it (run-policy-pack: require(<pack dir>) through
// package.json `main`, PolicyPack reads package.json's version), with PolicyPack mocked so no server starts.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { parse } from "yaml";
import { beforeAll, describe, expect, it, vi } from "vitest";
import type { ResourceValidationArgs, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { RULES } from "../policies/rules";

const PACK = join(__dirname, "..", "policies");
const constructed = vi.hoisted(() => [] as { name: string; args: any }[]);
vi.mock("@pulumi/policy", () => ({
  PolicyPack: class {
    constructor(name: string, args: unknown) {
      constructed.push({ name, args });
    }
  },
}));

describe("policies/ as a CrossGuard pack", () => {
  const pkg = JSON.parse(readFileSync(join(PACK, "package.json"), "utf8"));

  it("PulumiPolicy.yaml: runtime nodejs with a description", () => {
    const project = parse(readFileSync(join(PACK, "PulumiPolicy.yaml"), "utf8"));
    expect(project.runtime).toBe("nodejs");
    expect(project.description).toMatch(/guardrails/);
  });

  it("package.json: a version (PolicyPack throws without one), main resolving to index.ts, pinned @pulumi/policy", () => {
    expect(pkg.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(require.resolve(PACK)).toBe(join(PACK, "index.ts"));
    expect(pkg.dependencies["@pulumi/policy"]).toBe("1.21.0");
    expect(pkg.dependencies["@pulumi/pulumi"]).toBeDefined();
  });

  describe("importing index.ts", () => {
    beforeAll(async () => {
      await import("../policies/index");
    });

    it("constructs exactly one PolicyPack whose policies are the rules", () => {
      expect(constructed).toHaveLength(1);
      const { name, args } = constructed[0]!;
      expect(name).toMatch(/^[a-zA-Z0-9-_.]{1,100}$/); // server.ts packNameRE
      expect(args.enforcementLevel).toBe("advisory");
      expect(args.policies.map((p: { name: string }) => p.name)).toEqual(RULES.map((r) => r.name));
    });

    it("policies are valid for @pulumi/policy: unique names, not 'all', valid levels and severities", () => {
      const policies = constructed[0]!.args.policies as (ResourceValidationPolicy | StackValidationPolicy)[];
      expect(policies.length).toBeGreaterThanOrEqual(12);
      const names = policies.map((p) => p.name);
      expect(new Set(names).size).toBe(names.length);
      for (const p of policies) {
        expect(p.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
        expect(p.name).not.toBe("all");
        expect(["advisory", "mandatory", "remediate", "disabled"]).toContain(p.enforcementLevel);
        expect(["low", "medium", "high", "critical"]).toContain(p.severity);
        expect(p.description.length).toBeGreaterThan(20);
        expect(p.remediationSteps?.length ?? 0).toBeGreaterThan(10);
        expect(p.configSchema?.properties?.enforcementLevel).toBeUndefined();
        expect(p.configSchema?.required ?? []).not.toContain("enforcementLevel");
        expect("validateResource" in p || "validateStack" in p).toBe(true);
      }
    });

    it("a policy reports through CrossGuard's callback with the engine's config", () => {
      const policies = constructed[0]!.args.policies as ResourceValidationPolicy[];
      const images = policies.find((p) => p.name === "images-pinned")!;
      const args = (props: Record<string, unknown>, config: Record<string, unknown> = {}) =>
        ({
          type: "docker:index/remoteImage:RemoteImage",
          props,
          urn: "urn:pulumi:dev::ai-layer::docker:index/remoteImage:RemoteImage::img",
          name: "img",
          opts: {},
          stackTags: new Map(),
          isType: () => false,
          asType: () => undefined,
          getConfig: () => config,
          notApplicable: (reason?: string) => {
            throw new Error(reason);
          },
        }) as unknown as ResourceValidationArgs;
      const report = vi.fn();
      (images.validateResource as (a: ResourceValidationArgs, r: typeof report) => void)(
        args({ name: "x:latest" }),
        report,
      );
      expect(report).toHaveBeenCalledOnce();
      expect(report.mock.calls[0]![0]).toMatch(/floating tag "latest"\. Fix: Pin the image/);
      report.mockClear();
      (images.validateResource as any)(args({ name: "x:edge-1" }, { floatingTags: ["edge-1"] }), report);
      expect(report).toHaveBeenCalledOnce();
    });

    it("the stack policy reads costPerMonthMaxUsd from the root stack resource's outputs", () => {
      const policies = constructed[0]!.args.policies as StackValidationPolicy[];
      const budget = policies.find((p) => p.name === "monthly-cost-within-budget")!;
      const report = vi.fn();
      const resources = [
        {
          type: "pulumi:pulumi:Stack",
          name: "ai-layer-prod",
          urn: "urn:s",
          props: { costPerMonthMaxUsd: 9000 },
        },
      ];
      budget.validateStack({ resources, getConfig: () => ({ budgetUsd: 5000 }) } as any, report);
      expect(report).toHaveBeenCalledWith(expect.stringMatching(/\$9000\.00\/month .* \$5000\.00/), "urn:s");
    });
  });

  it("type-checks standalone with policies/tsconfig.json (the CLI's ts-node type-checks the pack)", async () => {
    const tsc = join(__dirname, "..", "node_modules", ".bin", "tsc");
    await expect(
      promisify(execFile)(tsc, ["--noEmit", "-p", join(PACK, "tsconfig.json")]),
    ).resolves.toBeDefined();
  }, 60_000);
});
