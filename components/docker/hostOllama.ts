import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";

export interface HostOllamaModelsArgs {
  /** Base URL where the machine running Pulumi reaches the host's Ollama, e.g. `http://127.0.0.1:11434`. */
  readonly pullUrl: string;
  /** The Ollama tags the layer serves (`llama3.1:8b`); pulled in this order. */
  readonly tags: readonly string[];
  /** The pull script (renderOllamaPullScript): a standalone Node ES module that reads AI_LAYER_OLLAMA_URL. */
  readonly script: string;
}

/**
 * The layer's models in the host's own Ollama (target.ollama.on: host), pulled before the gateway is created.
 * Creating it runs the pull script through the command provider, whose output reaches `pulumi up` line by line as
 * it runs (pulumi/pulumi-command provider/pkg/provider/local/commandOutputs.go: stdout/stderr go to
 * util.LogOutput while the process runs), so the progress shows live. A change of tags or URL pulls again (a
 * replacement; pulling present tags is a no-op). Deleting it removes nothing: the models are the host's.
 */
export class HostOllamaModels extends pulumi.ComponentResource {
  /** The pull command; the gateway depends on it. */
  public readonly pull: command.local.Command;

  constructor(name: string, args: HostOllamaModelsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-layer:index:HostOllamaModels", name, { pullUrl: args.pullUrl, tags: [...args.tags] }, opts);
    this.pull = createHostOllamaPull(name, args, this);
    this.registerOutputs({});
  }
}

/** @internal The pull command under `parent`. */
export function createHostOllamaPull(
  name: string,
  args: HostOllamaModelsArgs,
  parent: pulumi.Resource,
): command.local.Command {
  return new command.local.Command(
    `${name}-pull`,
    {
      // The script is the command: node runs it from argv, so no file has to exist where Pulumi runs.
      interpreter: ["node", "--input-type=module", "-e"],
      create: args.script,
      environment: { AI_LAYER_OLLAMA_URL: args.pullUrl },
      triggers: [args.pullUrl, ...args.tags],
      logging: "stdoutAndStderr",
    },
    { parent },
  );
}
