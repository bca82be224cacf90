import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { ServiceDescription } from "../render";
import { createServiceContainer, type ServiceInputs } from "./common";

export interface OllamaServerArgs extends ServiceInputs {
  /**
   * The Ollama service (describeServices): the pinned image, `ollama serve`, the health check that passes once the
   * server answers, OLLAMA_* env, memory limit and GPUs. The models are pulled by OllamaModels (./ollamaModels.ts).
   */
  readonly service: ServiceDescription;
}

/** Ollama in Docker with its model volume; healthy once it answers (OllamaModels then pulls the layer's models). */
export class OllamaServer extends pulumi.ComponentResource {
  /** The Ollama container. */
  public readonly container: docker.Container;
  /** Volume holding pulled models (`/root/.ollama`), kept across container replacements. */
  public readonly modelVolume: docker.Volume;
  /** Base URL inside the network, e.g. `http://ollama:11434`. */
  public readonly internalUrl: string;

  constructor(name: string, args: OllamaServerArgs, opts?: pulumi.ComponentResourceOptions) {
    const contextLength = args.service.env.find((e) => e.name === "OLLAMA_CONTEXT_LENGTH");
    super(
      "ai-layer:index:OllamaServer",
      name,
      {
        image: args.service.image,
        contextLength: contextLength && "value" in contextLength ? Number(contextLength.value) : undefined,
      },
      opts,
    );
    const built = createOllamaServer(name, args, this);
    this.container = built.container;
    this.modelVolume = built.modelVolume;
    this.internalUrl = `http://${args.service.address.host}:${args.service.address.port}`;
    this.registerOutputs({ internalUrl: this.internalUrl });
  }
}

/** @internal Builds the Ollama resources under `parent`. */
export function createOllamaServer(name: string, args: OllamaServerArgs, parent: pulumi.Resource) {
  let modelVolume: docker.Volume | undefined;
  const { image, container } = createServiceContainer(name, args.service, args, parent, {
    volumes: () => {
      modelVolume = new docker.Volume(`${name}-models`, {}, { parent });
      return { models: modelVolume.name };
    },
  });
  return { image, modelVolume: modelVolume!, container };
}
