import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { INVALID_CONFIGS, type InvalidCase } from "./fixtures/invalidConfigs";

const ROOT = resolve(__dirname, "..");
const TSX = join(ROOT, "node_modules", ".bin", "tsx");
const CONCURRENCY = 4;
const work = mkdtempSync(join(tmpdir(), "ai-layer-plan-cli-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runPlan(args: string[]): Promise<CliResult> {
  return new Promise((done) => {
    execFile(TSX, ["bin/plan.ts", ...args], { cwd: ROOT, timeout: 50_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
      done({ code, stdout, stderr });
    });
  });
}

/** Runs `fn` over `items`, at most `limit` at a time, keeping order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>) {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

let caseCount = 0;
/** Writes `cfg` as a stack file in its own temp dir and runs the CLI on it. */
async function planBadConfig(cfg: unknown) {
  const dir = join(work, `case-${caseCount++}`);
  const out = join(dir, "out");
  const file = join(dir, "Pulumi.bad.yaml");
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, stringify({ config: { "ai-layer:layer": cfg } }));
  const result = await runPlan(["bad", "--config", file, "--out", out]);
  return { ...result, outExists: existsSync(out) };
}

function expectCleanFailure(r: CliResult & { outExists: boolean }, c: InvalidCase) {
  const context = `${c.name}\n--- stderr ---\n${r.stderr}`;
  expect(r.code, context).toBe(1);
  expect(r.stderr, context).toContain(`${c.path}: `);
  expect(r.stderr, context).toContain(c.message);
  expect(r.stderr, context).not.toMatch(/^\s+at /m);
  expect(r.outExists, context).toBe(false);
}

// Every other case of the shared table: 16 distinct invalid configs, in two batches of 8.
const CLI_CASES = INVALID_CONFIGS.filter((_, i) => i % 2 === 0);
const half = Math.ceil(CLI_CASES.length / 2);
const BATCHES = [CLI_CASES.slice(0, half), CLI_CASES.slice(half)];

describe("npm run plan rejects invalid configs cleanly", () => {
  it("runs at least 15 distinct invalid configs", () => {
    expect(CLI_CASES.length).toBeGreaterThanOrEqual(15);
  });

  it.each(BATCHES.map((cases, i) => [i + 1, cases] as const))(
    "batch %i: exit 1, the problem path on stderr, no stack trace, nothing written",
    async (_batch, cases) => {
      const results = await mapLimit(cases, CONCURRENCY, (c) => planBadConfig(c.config));
      cases.forEach((c, i) => expectCleanFailure(results[i]!, c));
    },
    120_000,
  );

  it("a config that does not fit its host, an unknown stack, a missing --config value, invalid YAML, and a layer that is not an object", async () => {
    const invalidYaml = join(work, "invalid.yaml");
    writeFileSync(invalidYaml, "config:\n  ai-layer:layer: [unclosed\n");
    const tooBig = {
      target: { kind: "docker", gpu: { type: "L4" }, hostMemoryGiB: 16 },
      models: [{ name: "big", model: "llama-3.1-70b-instruct" }],
    };
    const [fit, unknownStack, missingValue, yamlError, notAnObject] = await mapLimit(
      [
        () => planBadConfig(tooBig),
        () => runPlan(["no-such-stack", "--out", join(work, "unknown-out")]),
        () => runPlan(["dev", "--config"]),
        () => runPlan(["bad", "--config", invalidYaml, "--out", join(work, "yaml-out")]),
        () => planBadConfig("hello"),
      ],
      CONCURRENCY,
      (f) => f(),
    );

    const fitResult = fit as Awaited<ReturnType<typeof planBadConfig>>;
    expect(fitResult.code, fitResult.stderr).toBe(1);
    expect(fitResult.stderr).toContain("layer.models[0].model: ");
    expect(fitResult.stderr).toContain("Fixes:");
    expect(fitResult.stderr).not.toMatch(/^\s+at /m);
    expect(fitResult.outExists).toBe(false);

    expect(unknownStack!.code, unknownStack!.stderr).toBe(1);
    expect(unknownStack!.stderr).toContain("Pulumi.no-such-stack.yaml");
    expect(unknownStack!.stderr).toMatch(/Stacks here: .*\bdev\b/);
    expect(unknownStack!.stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(join(work, "unknown-out"))).toBe(false);

    expect(missingValue!.code, missingValue!.stderr).toBe(1);
    expect(missingValue!.stderr).toContain("--config needs a value");
    expect(missingValue!.stderr).toContain("usage: npm run plan -- <stack>");

    expect(yamlError!.code, yamlError!.stderr).toBe(1);
    expect(yamlError!.stderr).toContain("not valid YAML");
    expect(yamlError!.stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(join(work, "yaml-out"))).toBe(false);

    const scalar = notAnObject as Awaited<ReturnType<typeof planBadConfig>>;
    expect(scalar.code, scalar.stderr).toBe(1);
    expect(scalar.stderr).toContain('layer: expected an object, got the string "hello"');
    expect(scalar.stderr).not.toMatch(/^\s+at /m);
    expect(scalar.outExists).toBe(false);
  }, 120_000);
});
