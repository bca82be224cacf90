// `npm run plan` on bad input, end to end (slow tier: each case is a process): exit 1, the problem on stderr with
// its path, no stack trace, nothing written. Which configs are rejected, and with which message, is tested
// in-process over the whole shared table: plan-validate.test.ts (the CLI's validation step),
// program.invalid.test.ts (the program) and spec.invalid.test.ts (the parser); here only the CLI's own part.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { INVALID_CONFIGS } from "./fixtures/invalidConfigs";
import { runPlan, STACK_TRACE, type CliResult } from "./helpers/planCli";

const work = mkdtempSync(join(tmpdir(), "ai-layer-plan-cli-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let caseCount = 0;
/** Writes `cfg` as a stack file in its own temp dir and runs the CLI on it. */
async function planBadConfig(cfg: unknown): Promise<CliResult & { outExists: boolean }> {
  const dir = join(work, `case-${caseCount++}`);
  const out = join(dir, "out");
  const file = join(dir, "Pulumi.bad.yaml");
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, stringify({ config: { "ai-layer:layer": cfg } }));
  const result = await runPlan(["bad", "--config", file, "--out", out]);
  return { ...result, outExists: existsSync(out) };
}

function expectCleanFailure(r: CliResult & { outExists?: boolean }, ...fragments: string[]) {
  const context = `--- stderr ---\n${r.stderr}`;
  expect(r.code, context).toBe(1);
  for (const f of fragments) expect(r.stderr, context).toContain(f);
  expect(r.stderr, context).not.toMatch(STACK_TRACE);
  if (r.outExists !== undefined) expect(r.outExists, context).toBe(false);
}

describe("npm run plan rejects bad input cleanly", () => {
  it("an invalid config, one that does not fit its host, and a layer that is not an object", async () => {
    const c = INVALID_CONFIGS[0]!;
    const tooBig = {
      target: { kind: "docker", gpu: { type: "L4" }, hostMemoryGiB: 16 },
      models: [{ name: "big", model: "llama-3.1-70b-instruct" }],
    };
    const [table, fit, scalar] = await Promise.all([
      planBadConfig(c.config),
      planBadConfig(tooBig),
      planBadConfig("hello"),
    ]);
    expectCleanFailure(table!, "Invalid ai-layer config (1 problem):", `  - ${c.path}: `, c.message);
    expectCleanFailure(fit!, "layer.models[0].model: ", "Fixes:");
    expectCleanFailure(scalar!, 'layer: expected an object, got the string "hello"');
  });

  it("an unknown stack, a missing --config value, invalid YAML, and --config naming a directory", async () => {
    const invalidYaml = join(work, "invalid.yaml");
    writeFileSync(invalidYaml, "config:\n  ai-layer:layer: [unclosed\n");
    const configDir = join(work, "a-directory");
    mkdirSync(configDir);
    const [unknownStack, missingValue, yamlError, dirConfig] = await Promise.all([
      runPlan(["no-such-stack", "--out", join(work, "unknown-out")]),
      runPlan(["dev", "--config"]),
      runPlan(["bad", "--config", invalidYaml, "--out", join(work, "yaml-out")]),
      runPlan(["dev", "--config", configDir, "--out", join(work, "dir-out")]),
    ]);

    expectCleanFailure(unknownStack!, "Pulumi.no-such-stack.yaml");
    expect(unknownStack!.stderr).toMatch(/Stacks here: .*\bdev\b/);
    expectCleanFailure(missingValue!, "--config needs a value", "usage: npm run plan -- <stack>");
    expectCleanFailure(yamlError!, "not valid YAML");
    expectCleanFailure(dirConfig!, `--config ${configDir} is a directory; pass a stack file`);
    for (const out of ["unknown-out", "yaml-out", "dir-out"]) expect(existsSync(join(work, out))).toBe(false);
  });
});
