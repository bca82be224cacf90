/**
 * `npm run up -- <stack>` (also `preview`, `down`): the real `pulumi` CLI against a local file backend in
 * .pulumi/ with passphrase secrets — no Pulumi account. Validates the config offline first, so a typo fails in
 * a second instead of after the engine starts. Extra args go to pulumi (e.g. `npm run up -- dev --yes`).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Plan } from "../components/plan";
import { LayerConfigError } from "../components/spec";
import { readStackFile, StackFileError } from "./offline/stackFile";
import { validateStackConfig } from "./offline/validate";

const ROOT = resolve(__dirname, "..");
/** Dev default passphrase: it guards only secrets of a local dev stack; set PULUMI_CONFIG_PASSPHRASE for others. */
export const DEV_PASSPHRASE = "ai-layer-dev";

export type Action = "up" | "preview" | "destroy";

/** The pulumi invocations and environment for an action, as data (tested without the CLI). */
export function pulumiCommands(action: Action, stack: string, extra: string[], env: NodeJS.ProcessEnv) {
  const backendDir = join(ROOT, ".pulumi");
  const usesDefaultPassphrase = !env.PULUMI_CONFIG_PASSPHRASE && !env.PULUMI_CONFIG_PASSPHRASE_FILE;
  const childEnv: NodeJS.ProcessEnv = {
    ...env,
    PULUMI_BACKEND_URL: env.PULUMI_BACKEND_URL ?? `file://${backendDir}`,
    ...(usesDefaultPassphrase ? { PULUMI_CONFIG_PASSPHRASE: DEV_PASSPHRASE } : {}),
  };
  return {
    backendDir,
    usesDefaultPassphrase,
    env: childEnv,
    steps: [
      ["stack", "select", "--create", stack, "--secrets-provider", "passphrase"],
      [action, "--stack", stack, ...extra],
    ],
  };
}

/** What `up` prints at the end: where the gateway is, how to get the key, how to check that it answers. */
export function nextSteps(plan: Plan, backendUrl: string, defaultPassphrase = false): string {
  const stack = plan.stack;
  return [
    "",
    `ai-layer: ${stack} is up.`,
    `  Gateway (OpenAI base URL): ${plan.urls.gateway}/v1 — models: ${plan.models.map((m) => m.name).join(", ")}`,
    ...(plan.urls.grafana ? [`  Grafana: ${plan.urls.grafana} (user admin)`] : []),
    `  Key:   PULUMI_BACKEND_URL=${backendUrl}${defaultPassphrase ? ` PULUMI_CONFIG_PASSPHRASE=${DEV_PASSPHRASE}` : ""} pulumi stack output gatewayMasterKey --show-secrets -s ${stack}`,
    `  Check: npm run smoke -- ${stack}   (every model through the gateway, and the cache)`,
  ].join("\n");
}

function main(): number {
  const [action, stack, ...extra] = process.argv.slice(2);
  if (!action || !["up", "preview", "destroy"].includes(action) || !stack) {
    console.error("usage: npm run up|preview|down -- <stack> [pulumi args…]");
    return 1;
  }
  const configPath = join(ROOT, "stacks", `Pulumi.${stack}.yaml`);
  if (!existsSync(configPath)) {
    console.error(`no stack config at ${configPath}`);
    return 1;
  }
  let plan: Plan | undefined;
  if (action !== "destroy") {
    try {
      plan = validateStackConfig(stack, readStackFile(configPath));
    } catch (e) {
      if (e instanceof LayerConfigError || e instanceof StackFileError) {
        console.error(e.message);
        return 1;
      }
      throw e;
    }
  }
  if (spawnSync("pulumi", ["version"], { stdio: "ignore" }).error) {
    console.error(
      "The Pulumi CLI is not installed. Install it (https://www.pulumi.com/docs/install/), then run this again.\n" +
        "Without it, `npm run plan -- " +
        stack +
        "` shows what would be created.",
    );
    return 1;
  }
  const cmd = pulumiCommands(action as Action, stack, extra, process.env);
  mkdirSync(cmd.backendDir, { recursive: true });
  if (cmd.usesDefaultPassphrase) {
    console.log(
      `ai-layer: using the dev passphrase "${DEV_PASSPHRASE}" (set PULUMI_CONFIG_PASSPHRASE to use your own)`,
    );
  }
  for (const step of cmd.steps) {
    const r = spawnSync("pulumi", step, { stdio: "inherit", cwd: ROOT, env: cmd.env });
    if (r.status !== 0) return r.status ?? 1;
  }
  if (action === "up" && plan)
    console.log(nextSteps(plan, cmd.env.PULUMI_BACKEND_URL!, cmd.usesDefaultPassphrase));
  return 0;
}

if (require.main === module) process.exit(main());
