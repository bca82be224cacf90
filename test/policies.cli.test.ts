// `npm run plan` with the policy pack's rules, end to end: shipped stacks pass; an unpinned image or an open
// Redis exits 2 naming the rule, with the plan still written and the report in summary.md.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { RULES } from "../policies/rules";
import { ROOT, runPlan as plan } from "./helpers/planCli";

const tmp = mkdtempSync(join(tmpdir(), "ai-layer-policies-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A copy of a shipped stack file with `edit` applied to its ai-layer:layer object. */
function variant(stack: string, name: string, edit: (layer: any) => void): string {
  const doc = parse(readFileSync(join(ROOT, "stacks", `Pulumi.${stack}.yaml`), "utf8"));
  edit(doc.config["ai-layer:layer"]);
  const path = join(tmp, `${name}.yaml`);
  writeFileSync(path, stringify(doc));
  return path;
}

interface Report {
  configFile: string;
  mandatory: number;
  findings: { rule: string; level: string; resource: string }[];
}
const report = (out: string): Report => JSON.parse(readFileSync(join(out, "policies.json"), "utf8"));

describe.concurrent("plan runs the policies", () => {
  it.each(["dev", "staging"])(
    "%s: exit 0, zero mandatory violations, report in summary.md",
    async (stack) => {
      const out = join(tmp, stack);
      const r = await plan([stack, "--out", out]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(
        new RegExp(`policies \\(${RULES.length} rules, policies/config/\\w+\\.json\\): 0 mandatory`),
      );
      const rep = report(out);
      expect(rep.configFile).toBe(`policies/config/${stack}.json`);
      expect(rep.mandatory).toBe(0);
      const summary = readFileSync(join(out, "summary.md"), "utf8");
      expect(summary).toContain("## Policies");
      expect(summary).toContain("**0 mandatory**");
    },
    60_000,
  );

  it("an unpinned gateway image exits 2 naming images-pinned; the plan is still written", async () => {
    const config = variant("dev", "unpinned", (l) => {
      l.images = { gateway: "ghcr.io/berriai/litellm:main-latest" };
    });
    const out = join(tmp, "unpinned");
    const r = await plan(["dev", "--config", config, "--out", out]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain("[mandatory] images-pinned");
    expect(r.stdout).toContain("ghcr.io/berriai/litellm:main-latest");
    expect(r.stdout).toMatch(/fix: Pin the image/);
    expect(r.stderr).toMatch(/mandatory policy violations? \(rules: images-pinned\)/);
    const rep = report(out);
    expect(
      rep.findings
        .filter((f) => f.level === "mandatory")
        .map((f) => f.resource)
        .sort(),
    ).toEqual(["ai-layer-gateway", "ai-layer-gateway-image"]);
    expect(readFileSync(join(out, "summary.md"), "utf8")).toMatch(
      /\| mandatory \| images-pinned \| high \| `ai-layer-gateway-image` \|/,
    );
    expect(JSON.parse(readFileSync(join(out, "resources.json"), "utf8")).length).toBeGreaterThan(10);
  }, 60_000);

  it("a staging Redis exposed by a LoadBalancer without source ranges exits 2 naming no-public-internal-services", async () => {
    const config = variant("staging", "open-redis", (l) => {
      l.target.cache = { expose: "load-balancer" };
    });
    const r = await plan(["staging", "--config", config, "--out", join(tmp, "open-redis")]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain("[mandatory] no-public-internal-services");
    expect(r.stdout).toMatch(
      /ai-layer-redis \(kubernetes:core\/v1:Service\): Service redis is a LoadBalancer with no source ranges/,
    );
    expect(r.stderr).toContain("rules: no-public-internal-services");
  }, 60_000);

  it("a dev stack binding Grafana and Prometheus to 0.0.0.0 exits 2", async () => {
    const config = variant("dev", "open-docker", (l) => {
      l.target.bindAddress = "0.0.0.0";
    });
    const r = await plan(["dev", "--config", config, "--out", join(tmp, "open-docker")]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/ai-layer-monitoring-grafana .*port 3000 is published on all interfaces/);
  }, 60_000);

  it("a budget below the max-scale cost exits 2 naming monthly-cost-within-budget", async () => {
    const config = variant("staging", "over-budget", (l) => {
      l.budget = { monthlyUsd: 1000, onExceed: "warn" };
    });
    const r = await plan(["staging", "--config", config, "--out", join(tmp, "over-budget")]);
    expect(r.stdout + r.stderr).toContain("monthly-cost-within-budget");
    expect(r.code).toBe(2);
  }, 60_000);
});
