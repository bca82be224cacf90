/**
 * `npm run plan -- <stack> [--config FILE] [--out DIR]`: the offline plan. Runs the real program on Pulumi's
 * mock runtime and writes resources.json, files/, summary.md (with the policy report) and policies.json.
 * Exit 1: bad config, bad policy config, an --out it must not write, or usage; nothing written. Exit 2: a
 * mandatory policy violation (the plan is still written so it can be read).
 * Only the light modules load up front: the program and the provider SDKs load once the config is valid.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { checkStackName, LayerConfigError } from "../components/spec";
import { checkOutDir, OutDirError, writePlanDir } from "./offline/outDir";
import {
  formatPolicyReport,
  loadPolicyConfig,
  PolicyConfigError,
  policyResources,
  renderPolicyMarkdown,
  runPolicies,
} from "./offline/policyReport";
import { readStackFile, StackFileError } from "./offline/stackFile";
import { renderSummary } from "./offline/summary";
import { validateStackConfig } from "./offline/validate";

const ROOT = resolve(__dirname, "..");
const USAGE = "usage: npm run plan -- <stack> [--config FILE] [--out DIR]";

class UsageError extends Error {}

function parseArgs(argv: string[]) {
  let stack: string | undefined;
  let config: string | undefined;
  let out: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--config" || a === "--out") {
      const v = argv[++i];
      if (!v) throw new UsageError(`${a} needs a value\n${USAGE}`);
      if (a === "--config") config = v;
      else out = v;
    } else if (a === "-h" || a === "--help") {
      console.log(USAGE);
      process.exit(0);
    } else if (a.startsWith("-")) throw new UsageError(`unknown option ${a}\n${USAGE}`);
    else if (stack) throw new UsageError(`one stack at a time (got ${stack} and ${a})\n${USAGE}`);
    else stack = a;
  }
  if (!stack) throw new UsageError(USAGE);
  if (!/^[\w.-]+$/.test(stack))
    throw new UsageError(`stack name "${stack}" may hold only letters, digits, _, . and -`);
  return { stack, config, out };
}

function stacksAvailable(): string[] {
  return readdirSync(join(ROOT, "stacks"))
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => !!s);
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  checkStackName(args.stack);
  const configPath = resolve(args.config ?? join(ROOT, "stacks", `Pulumi.${args.stack}.yaml`));
  if (!existsSync(configPath)) {
    throw new UsageError(
      `no stack config at ${configPath}. Stacks here: ${stacksAvailable().join(", ") || "none"}; or pass --config FILE`,
    );
  }
  if (statSync(configPath).isDirectory())
    throw new UsageError(`--config ${configPath} is a directory; pass a stack file (Pulumi.<stack>.yaml)`);
  const outDir = resolve(args.out ?? join(ROOT, "out", args.stack));
  checkOutDir(outDir);
  const config = readStackFile(configPath);
  console.log(`ai-layer plan: stack ${args.stack} from ${configPath}`);

  // Validate before the program runs: a bad config writes nothing and registers nothing.
  validateStackConfig(args.stack, config);
  const policyConfig = loadPolicyConfig(ROOT, args.stack);

  const { runOffline } = await import("./offline/run");
  const result = await runOffline(args.stack, config);
  const policies = runPolicies(
    policyResources(args.stack, result.resources, result.outputs, config),
    policyConfig.config,
    policyConfig.file,
  );

  const files = new Map<string, string>([
    ["resources.json", `${JSON.stringify(result.resources, null, 2)}\n`],
  ]);
  for (const f of result.files) files.set(join("files", f.path), f.content);
  files.set(
    "summary.md",
    `${renderSummary(result.plan, result.resources, result.files).trimEnd()}\n\n${renderPolicyMarkdown(policies)}`,
  );
  files.set("policies.json", `${JSON.stringify(policies, null, 2)}\n`);
  files.set("outputs.json", `${JSON.stringify(result.outputs, null, 2)}\n`);
  writePlanDir(outDir, files);

  console.log(`  ${result.resources.length} resources, ${result.files.length} files → ${outDir}`);
  for (const w of result.plan.warnings) console.log(`  warning: ${w}`);
  console.log(
    `  gateway: ${result.plan.urls.gateway}/v1  models: ${result.plan.models.map((m) => m.name).join(", ")}`,
  );
  console.log(formatPolicyReport(policies));
  if (policies.mandatory > 0) {
    console.error(
      `ai-layer plan: ${policies.mandatory} mandatory policy violation${policies.mandatory === 1 ? "" : "s"} ` +
        `(rules: ${[...new Set(policies.findings.filter((f) => f.level === "mandatory").map((f) => f.rule))].join(", ")}); ` +
        `the plan is in ${outDir}`,
    );
    return 2;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (
      e instanceof LayerConfigError ||
      e instanceof UsageError ||
      e instanceof StackFileError ||
      e instanceof PolicyConfigError ||
      e instanceof OutDirError
    ) {
      console.error(e.message);
      process.exit(1);
    }
    console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
    process.exit(3);
  },
);
