/**
 * The Runpod endpoint lifecycle as a command the Pulumi command provider runs (components/cloud/runpod.ts):
 *   node dist/runpod/endpointCommand.js create|update|delete   (the installed package)
 *   tsx components/runpod/endpointCommand.ts create|…          (this repository)
 * Input: RUNPOD_API_KEY and HF_TOKEN (secret env), RUNPOD_ENDPOINT_SPEC (JSON), and for update/delete the previous output in
 * PULUMI_COMMAND_STDOUT (the command provider passes it). Output: one JSON line {endpointId, apiBase, spec}.
 * A command rather than a dynamic provider: dynamic providers need closure serialization, which @pulumi/pulumi
 * ≥3.249 implements with Node 22 APIs (pulumi/pulumi#23722); this runs on Node 20 and is testable on its own.
 */
import { RunpodClient } from "./client";
import {
  createRunpodEndpoint,
  deleteRunpodEndpoint,
  updateRunpodEndpoint,
  type RunpodEndpointSpec,
} from "./endpoint";

/**
 * The command line that runs this file, relative to the Pulumi project directory (where the command provider runs
 * commands: pulumi/pulumi `NewProviderFromPath` starts a provider in `ctx.Pwd`, the project directory, and
 * pulumi/pulumi-command local `Command.run` uses the provider's working directory when `dir` is unset). It is a
 * resource input, so it must be the same on every machine: an absolute path of the checkout would make every other
 * checkout (a teammate's, CI's) see a changed command, i.e. a diff on an unchanged stack. Installed package (dist/
 * has no TypeScript and no tsx): `node` on the compiled JS under the project's node_modules. This repository: the
 * TypeScript source through the repository's tsx.
 */
export function runpodCommandLine(): string {
  if (__filename.endsWith(".js")) return "node node_modules/ai-layer/dist/runpod/endpointCommand.js";
  return "node_modules/.bin/tsx components/runpod/endpointCommand.ts";
}

export async function runRunpodCommand(action: string, env: NodeJS.ProcessEnv): Promise<string> {
  const apiKey = env.RUNPOD_API_KEY;
  if (!apiKey)
    throw new Error("RUNPOD_API_KEY is not set (pulumi config set --secret ai-layer:runpodApiKey …)");
  const client = new RunpodClient({
    apiKey,
    ...(env.RUNPOD_BASE_URL ? { baseUrl: env.RUNPOD_BASE_URL } : {}),
  });
  const spec = env.RUNPOD_ENDPOINT_SPEC
    ? (JSON.parse(env.RUNPOD_ENDPOINT_SPEC) as RunpodEndpointSpec)
    : undefined;
  const previous = env.PULUMI_COMMAND_STDOUT ? JSON.parse(env.PULUMI_COMMAND_STDOUT) : undefined;
  // Secret env only: it goes into the create request, never into the spec or the printed output.
  const secrets = env.HF_TOKEN ? { hfToken: env.HF_TOKEN } : {};
  switch (action) {
    case "create":
      if (!spec) throw new Error("RUNPOD_ENDPOINT_SPEC is not set");
      return JSON.stringify(await createRunpodEndpoint(client, spec, secrets));
    case "update": {
      if (!spec || !previous) throw new Error("update needs RUNPOD_ENDPOINT_SPEC and the previous output");
      const result = await updateRunpodEndpoint(client, previous, previous.spec ?? spec, spec, {}, secrets);
      return JSON.stringify({ ...result.outputs, spec });
    }
    case "delete":
      if (!previous) return JSON.stringify({ deleted: false, reason: "nothing was created" });
      await deleteRunpodEndpoint(client, previous);
      return JSON.stringify({ deleted: true });
    default:
      throw new Error(`unknown action "${action}" (create, update, delete)`);
  }
}

if (require.main === module) {
  runRunpodCommand(process.argv[2] ?? "", process.env).then(
    (out) => {
      // Keep the spec in the output so the next update can tell what changed.
      const spec = process.env.RUNPOD_ENDPOINT_SPEC
        ? JSON.parse(process.env.RUNPOD_ENDPOINT_SPEC)
        : undefined;
      const parsed = JSON.parse(out);
      console.log(JSON.stringify(process.argv[2] === "create" ? { ...parsed, spec } : parsed));
    },
    (e: unknown) => {
      const message = e instanceof Error ? e.message : String(e);
      const token = process.env.HF_TOKEN;
      console.error(`runpod-endpoint: ${token ? message.split(token).join("***") : message}`);
      process.exit(1);
    },
  );
}
