/**
 * `npm run smoke -- <stack> [--url URL]`: checks that a running layer answers. Calls every model name of the
 * stack's config through the gateway with the `openai` client (chat streaming, embeddings), repeats one request to
 * see the cache answer, and prints a table; exits 1 when any check fails, with the gateway's error in the table.
 * The gateway URL and key come from the stack's outputs (`pulumi stack output`, the local backend of `npm run up`;
 * a gateway inside a cluster is reached through `kubectl port-forward` for the run), or from --url and the env var
 * AI_LAYER_GATEWAY_KEY (a key on the command line would show in `ps`; --key works
 * but says so).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { LayerConfigError } from "../components/spec";
import { readStackFile, StackFileError } from "./offline/stackFile";
import { validateStackConfig } from "./offline/validate";
import { pulumiCommands } from "./pulumi-local";
import { gatewayPortForwardArgs, startPortForward } from "./smoke/portForward";
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
interface StackOutputs {
  gatewayUrl?: string;
  gatewayMasterKey?: string;
  kubeconfig?: string;
}

function stackOutputs(stack: string): StackOutputs {
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
  return JSON.parse(r.stdout) as StackOutputs;
}

async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const cleanups: (() => void)[] = [];
  // Ctrl-C or a cancelled CI job: still stop kubectl and remove the kubeconfig copy (a secret output).
  for (const signal of ["SIGINT", "SIGTERM"] as const)
    process.once(signal, () => {
      for (const cleanup of cleanups) cleanup();
      process.exit(130);
    });
  try {
    const args = parseArgs(argv);
    const configPath = args.config ?? join(ROOT, "stacks", `Pulumi.${args.stack}.yaml`);
    if (!existsSync(configPath)) throw new SmokeUsageError(`no stack config at ${configPath}`);
    const plan = validateStackConfig(args.stack, readStackFile(configPath));
    if (args.key)
      console.error(
        "ai-layer smoke: --key puts the key in your shell history and `ps`; prefer AI_LAYER_GATEWAY_KEY",
      );
    // A remote Docker host publishes the gateway on its own loopback: the output's 127.0.0.1 is not this machine.
    if (
      !args.url &&
      plan.target.kind === "docker" &&
      plan.target.host &&
      !plan.target.host.startsWith("unix://")
    )
      throw new SmokeUsageError(
        `the gateway runs on ${plan.target.host}: forward it first (ssh -L ${plan.target.ports.gateway}:${plan.target.bindAddress}:${plan.target.ports.gateway} <host>), then pass --url http://127.0.0.1:${plan.target.ports.gateway}`,
      );
    let url = args.url;
    let key = args.key ?? env.AI_LAYER_GATEWAY_KEY;
    if (!url || !key) {
      const outputs = stackOutputs(args.stack);
      key ??= outputs.gatewayMasterKey;
      // A gateway only the cluster can address: forward it for the run.
      let forward = url ? undefined : gatewayPortForwardArgs(plan);
      if (forward && outputs.kubeconfig) {
        // aws-eks: the cluster's kubeconfig is a stack output (secret); give kubectl that file, then remove it.
        const dir = mkdtempSync(join(tmpdir(), "ai-layer-smoke-"));
        const file = join(dir, "kubeconfig");
        writeFileSync(file, outputs.kubeconfig, { mode: 0o600 });
        cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
        forward = ["--kubeconfig", file, ...forward];
      }
      if (forward) {
        console.log(`ai-layer smoke: kubectl ${forward.join(" ")}`);
        const pf = await startPortForward(forward).catch((e: Error) => {
          throw new SmokeUsageError(e.message);
        });
        cleanups.unshift(pf.stop);
        url = pf.url;
      }
      url ??= outputs.gatewayUrl;
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
  } finally {
    for (const cleanup of cleanups) cleanup();
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
