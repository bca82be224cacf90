import { spawnSync } from "node:child_process";
import { accessSync, constants, readFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { expect, it } from "vitest";
import { parse } from "yaml";
import { isOllama, plan, type OllamaModel, type Plan } from "../../components/plan";
import { parseLayerSpec } from "../../components/spec";

/** Whether an executable named `name` is on PATH. */
export function requireTool(name: string): boolean {
  return (process.env.PATH ?? "")
    .split(delimiter)
    .filter(Boolean)
    .some((dir) => {
      try {
        accessSync(join(dir, name), constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
}

/** Title suffix for a describe that needs `tool`: says why it is skipped and how to install the tool. */
export function toolTitle(title: string, tool: string, has: boolean, install: string): string {
  return has ? title : `${title} (skipped: ${tool} not installed; ${install})`;
}

/**
 * Outside CI a missing tool only skips its tests; in CI (CI=true) this test runs and fails when the tool is
 * missing, so a runner without the tool cannot pass silently. Call it at the top level of a test file.
 */
export function itRequiresToolInCi(tool: string, install: string): void {
  it.runIf(process.env.CI === "true")(`${tool} is installed (checked when CI=true)`, () => {
    expect(requireTool(tool), `${tool} is missing on CI; ${install}`).toBe(true);
  });
}

export interface RunResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a tool synchronously (no shell) and returns its exit status and output. */
export function run(
  cmd: string,
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string } = {},
): RunResult {
  const r = spawnSync(cmd, args, {
    encoding: "utf8",
    env: opts.env ?? process.env,
    cwd: opts.cwd,
    input: opts.input,
    timeout: 20_000,
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The dev stack file the real-tool tests render from. */
export const DEV_STACK_FILE = join(__dirname, "..", "..", "stacks", "Pulumi.dev.yaml");

/** A fresh copy of the raw `ai-layer:layer` object of the dev stack file. */
export function devLayerRaw(): Record<string, unknown> {
  const doc = parse(readFileSync(DEV_STACK_FILE, "utf8")) as { config: Record<string, unknown> };
  return structuredClone(doc.config["ai-layer:layer"]) as Record<string, unknown>;
}

/** A plan built the way the program builds it: parse, then plan. */
export function planOf(raw: unknown, stack = "t"): Plan {
  return plan(parseLayerSpec(raw), { stack });
}

/** A plan's models, every one of which must be served by Ollama (docker target). */
export function ollamaModels(p: Plan): OllamaModel[] {
  const models = p.models.filter(isOllama);
  expect(models.map((m) => m.name)).toEqual(p.models.map((m) => m.name));
  return models;
}
