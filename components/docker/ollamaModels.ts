import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { OLLAMA_PULL_URL_ENV } from "../render";

export interface OllamaModelsArgs {
  /** The Ollama base URL as the gateway sees it: `http://ollama:11434` (the container) or the host's Ollama. */
  readonly ollamaUrl: string;
  /** The Ollama tags the layer serves (`llama3.1:8b`), for the trigger: a change pulls again. */
  readonly tags: readonly string[];
  /** The pull script (renderOllamaPullScript): standalone Python 3 reading AI_LAYER_OLLAMA_URL. */
  readonly script: string;
  /** The image the pull runs in: the gateway's (it has python3, and it is pulled for the gateway anyway). */
  readonly image: pulumi.Input<string>;
  /** The layer's Docker network: the pull reaches Ollama from where the gateway does. */
  readonly networkName: pulumi.Input<string>;
  /** Extra /etc/hosts entries, as the gateway gets them (host.docker.internal → host-gateway). Default none. */
  readonly extraHosts?: readonly { readonly host: string; readonly ip: string }[];
  /** The Docker daemon (`target.host`, DOCKER_HOST syntax). Default: the docker CLI's own (local) one. */
  readonly dockerHost?: string;
}

/**
 * The shell line the command provider runs (`/bin/sh -c`): every value comes from the environment, so nothing in
 * the script or a name needs quoting here. `python3 -u`: unbuffered, so each progress line reaches `up` as printed.
 */
export function ollamaPullCommandLine(extraHosts: readonly { host: string; ip: string }[] = []): string {
  const hosts = extraHosts.map((h) => ` --add-host ${h.host}:${h.ip}`).join("");
  return (
    `command -v docker >/dev/null || { echo "ai-layer: the docker CLI is needed to pull the models (install Docker, or put docker on PATH)" >&2; exit 1; }; ` +
    `docker run --rm --network "$AI_LAYER_NETWORK"${hosts} -e ${OLLAMA_PULL_URL_ENV} ` +
    `--entrypoint python3 "$AI_LAYER_PULL_IMAGE" -u -c "$AI_LAYER_PULL_SCRIPT"`
  );
}

/**
 * The layer's Ollama models, pulled through the Ollama API before the gateway is created, on both paths: the
 * Ollama container, or the host's own Ollama (target.ollama.on: host). A throwaway container of the gateway image
 * on the layer network runs the pull script, so it reaches Ollama as the gateway will (a host Ollama the gateway
 * cannot reach fails here, with what to do, not later at the first request), and it works the same against a
 * remote Docker host. The command provider passes the output to `pulumi up` line by line while it runs
 * (pulumi/pulumi-command provider/pkg/provider/local/commandOutputs.go: stdout/stderr go to util.LogOutput as they
 * come), so the pull's progress shows live. A change of tags, URL or image pulls again; pulled tags are skipped.
 * Deleting it deletes no model: Ollama's models live in its volume, or are the host's.
 */
export class OllamaModels extends pulumi.ComponentResource {
  /** The pull command; the gateway depends on it. */
  public readonly pull: command.local.Command;

  constructor(name: string, args: OllamaModelsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-layer:index:OllamaModels", name, { ollamaUrl: args.ollamaUrl, tags: [...args.tags] }, opts);
    this.pull = createOllamaPull(name, args, this);
    this.registerOutputs({});
  }
}

/** @internal The pull command under `parent`. */
export function createOllamaPull(
  name: string,
  args: OllamaModelsArgs,
  parent: pulumi.Resource,
): command.local.Command {
  return new command.local.Command(
    `${name}-pull`,
    {
      create: ollamaPullCommandLine(args.extraHosts),
      environment: {
        AI_LAYER_NETWORK: args.networkName,
        AI_LAYER_PULL_IMAGE: args.image,
        AI_LAYER_PULL_SCRIPT: args.script,
        [OLLAMA_PULL_URL_ENV]: args.ollamaUrl,
        ...(args.dockerHost ? { DOCKER_HOST: args.dockerHost } : {}),
      },
      triggers: [args.ollamaUrl, ...args.tags],
      logging: "stdoutAndStderr",
    },
    { parent },
  );
}
