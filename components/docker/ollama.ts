import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { Plan } from "../plan";
import { OLLAMA_ENTRYPOINT_PATH, OLLAMA_HEALTHCHECK_PATH, type RenderedFile } from "../render";
import { containerDefaults, pinnedImage, type DockerPlacement } from "./common";

export interface OllamaServerArgs extends DockerPlacement {
  /** Pinned Ollama image reference (e.g. `ollama/ollama:0.32.15`). */
  readonly image: string;
  /** Entrypoint script that serves and pre-pulls the models (from renderOllamaEntrypoint). */
  readonly entrypoint: RenderedFile;
  /** Healthcheck script, healthy once every model is pulled (from renderOllamaHealthcheck). */
  readonly healthcheck: RenderedFile;
  /** Network alias and port other containers use. Default `ollama`, 11434. */
  readonly address: { readonly host: string; readonly port: number };
  /** OLLAMA_CONTEXT_LENGTH, tokens: Ollama's context is server-wide. */
  readonly contextLength: number;
  /** GPUs handed to the container through the NVIDIA runtime; 0 or undefined = CPU only. */
  readonly gpuCount?: number;
  /** How long `up` waits for the pulls to finish (the container becomes healthy), seconds. */
  readonly pullTimeoutSeconds: number;
  /** Container memory limit, MiB: the host memory the config gives models, plus 1 GiB for the server. */
  readonly memoryMb: number;
}

/** Ollama in Docker with its model volume; healthy only once every model of the layer is pulled. */
export class OllamaServer extends pulumi.ComponentResource {
  /** The Ollama container. */
  public readonly container: docker.Container;
  /** Volume holding pulled models (`/root/.ollama`), kept across container replacements. */
  public readonly modelVolume: docker.Volume;
  /** Base URL inside the network, e.g. `http://ollama:11434`. */
  public readonly internalUrl: string;

  constructor(name: string, args: OllamaServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super(
      "ai-layer:index:OllamaServer",
      name,
      { image: args.image, contextLength: args.contextLength },
      opts,
    );
    const built = createOllamaServer(name, args, this);
    this.container = built.container;
    this.modelVolume = built.modelVolume;
    this.internalUrl = `http://${args.address.host}:${args.address.port}`;
    this.registerOutputs({ internalUrl: this.internalUrl });
  }
}

/** @internal Builds the Ollama resources under `parent`. */
export function createOllamaServer(name: string, args: OllamaServerArgs, parent: pulumi.Resource) {
  const image = pinnedImage(`${name}-image`, args.image, parent);
  const modelVolume = new docker.Volume(`${name}-models`, {}, { parent });
  const container = new docker.Container(
    name,
    {
      ...containerDefaults(args, "ollama", args.address.host, args.image),
      image: image.imageId,
      entrypoints: ["/bin/sh", OLLAMA_ENTRYPOINT_PATH],
      memory: args.memoryMb,
      envs: [
        `OLLAMA_HOST=0.0.0.0:${args.address.port}`,
        `OLLAMA_CONTEXT_LENGTH=${args.contextLength}`,
        // One request per model at a time keeps memory at the planned figure (KV cache × parallel).
        "OLLAMA_NUM_PARALLEL=1",
        "OLLAMA_KEEP_ALIVE=30m",
      ],
      uploads: [
        { file: OLLAMA_ENTRYPOINT_PATH, content: args.entrypoint.content, executable: true },
        { file: OLLAMA_HEALTHCHECK_PATH, content: args.healthcheck.content, executable: true },
      ],
      volumes: [{ volumeName: modelVolume.name, containerPath: "/root/.ollama" }],
      healthcheck: {
        tests: ["CMD", "/bin/sh", OLLAMA_HEALTHCHECK_PATH],
        interval: "30s",
        timeout: "10s",
        retries: 3,
        // Pulls can take long on a first `up`; failures during the start period do not count.
        startPeriod: `${args.pullTimeoutSeconds}s`,
        startInterval: "5s",
      },
      // `up` waits here until every model is pulled, so the gateway answers as soon as it exists.
      wait: true,
      waitTimeout: args.pullTimeoutSeconds,
      ...(args.gpuCount
        ? { deviceRequests: [{ driver: "nvidia", count: args.gpuCount, capabilities: ["gpu"] }] }
        : {}),
    },
    { parent },
  );
  return { image, modelVolume, container };
}
