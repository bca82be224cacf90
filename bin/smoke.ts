/**
 * `npm run smoke -- <stack> [--url URL]`: checks that a running layer answers. Calls every model name of the
 * stack's config through the gateway with the `openai` client (chat streaming, embeddings), repeats one request to
 * see the cache answer, and prints a table; exits 1 when any check fails, with the gateway's error in the table.
 * The gateway URL and key come from the stack's outputs (`pulumi stack output`, the local backend of `npm run up`),
 * or from --url and the env var AI_LAYER_GATEWAY_KEY (a key on the command line would show in `ps`; --key works
 * but says so).
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { LayerConfigError } from "../components/spec";
import { readStackFile, StackFileError } from "./offline/stackFile";
import { validateStackConfig } from "./offline/validate";
import { pulumiCommands } from "./pulumi-local";
import { formatSmokeTable, runSmoke, type SmokeTarget } from "./smoke/smoke";

const ROOT = resolve(__dirname, "..");
const USAGE =
  "usage: npm run smoke -- <stack> [--url http://127.0.0.1:4000] (key: AI_LAYER_GATEWAY_KEY, or the stack's outputs)";

class SmokeUsageError extends Error {}

function parseArgs(argv: readonly string[]) {
  const [stack, ...rest] = argv;
  if (!stack || stack.startsWith("-")) throw new SmokeUsageError(USAGE);
  const flags: Record<string, string> = {};
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i]!;
    const [name, inline] = flag.split("=", 2) as [string, string | undefined];
    if (!["--url", "--key", "--config"].includes(name))
      throw new SmokeUsageError(`unknown option ${flag}\n${USAGE}`);
    const value = inline ?? rest[++i];
    if (!value) throw new SmokeUsageError(`${name} needs a value\n${USAGE}`);
    flags[name.slice(2)] = value;
  }
  return { stack, url: flags.url, key: flags.key, config: flags.config };
}

/** The stack's gatewayUrl and gatewayMasterKey outputs, through the Pulumi CLI and the local backend. */
function stackOutputs(stack: string): { gatewayUrl?: string; gatewayMasterKey?: string } {
  const cmd = pulumiCommands("up", stack, [], process.env);
  const r = spawnSync("pulumi", ["stack", "output", "--json", "--show-secrets", "--stack", stack], {
    cwd: ROOT,
    env: cmd.env,
    encoding: "utf8",
  });
  if (r.error)
    throw new SmokeUsageError(
      "The Pulumi CLI is not installed, so the stack's outputs cannot be read: pass --url and set AI_LAYER_GATEWAY_KEY",
    );
  if (r.status !== 0)
    throw new SmokeUsageError(
      `pulumi stack output failed for stack ${stack} (has it been deployed with npm run up -- ${stack}?):\n${r.stderr.trim()}`,
    );
  return JSON.parse(r.stdout) as { gatewayUrl?: string; gatewayMasterKey?: string };
}

async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  try {
    const args = parseArgs(argv);
    const configPath = args.config ?? join(ROOT, "stacks", `Pulumi.${args.stack}.yaml`);
    if (!existsSync(configPath)) throw new SmokeUsageError(`no stack config at ${configPath}`);
    const plan = validateStackConfig(args.stack, readStackFile(configPath));
    if (args.key)
      console.error(
        "ai-layer smoke: --key puts the key in your shell history and `ps`; prefer AI_LAYER_GATEWAY_KEY",
      );
    let url = args.url;
    let key = args.key ?? env.AI_LAYER_GATEWAY_KEY;
    if (!url || !key) {
      const outputs = stackOutputs(args.stack);
      url ??= outputs.gatewayUrl;
      key ??= outputs.gatewayMasterKey;
    }
    if (!url || !key)
      throw new SmokeUsageError(
        `the stack has no gatewayUrl/gatewayMasterKey output: pass --url and set AI_LAYER_GATEWAY_KEY`,
      );
    const target: SmokeTarget = {
      url,
      key,
      models: plan.models.map((m) => ({ name: m.name, kind: m.kind === "embedding" ? "embedding" : "chat" })),
      cacheEnabled: plan.cache.enabled,
    };
    console.log(`ai-layer smoke: ${target.models.length} models through ${url}/v1`);
    const rows = await runSmoke(target);
    console.log(formatSmokeTable(rows));
    const failed = rows.filter((r) => r.status !== "ok");
    if (failed.length) {
      console.error(`ai-layer smoke: ${failed.length} of ${rows.length} checks failed`);
      return 1;
    }
    console.log(`ai-layer smoke: all ${rows.length} checks passed`);
    return 0;
  } catch (e) {
    if (e instanceof SmokeUsageError || e instanceof LayerConfigError || e instanceof StackFileError) {
      console.error(e.message);
      return 1;
    }
    throw e;
  }
}

// Run as the entry point (bin/launch.cjs loads it as a plain module, so no require.main check), like bin/plan.ts.
void main(process.argv.slice(2), process.env).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
    process.exit(3);
  },
);
