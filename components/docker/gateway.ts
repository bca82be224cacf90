import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { GATEWAY_ENV, type RenderedFile } from "../render";
import { containerDefaults, envVar, pinnedImage, type DockerPlacement } from "./common";

/** Path of the config inside the LiteLLM container. */
export const LITELLM_CONFIG_PATH = "/app/config.yaml";

export interface LiteLlmGatewayArgs extends DockerPlacement {
  /** Pinned LiteLLM image reference. */
  readonly image: string;
  /** The rendered LiteLLM config.yaml (renderLiteLlmConfig). */
  readonly config: RenderedFile;
  /** Master key clients send as Bearer; must start with `sk-`. Secret. */
  readonly masterKey: pulumi.Input<string>;
  /** Redis password the config references as os.environ/REDIS_PASSWORD; omit when the cache is off. Secret. */
  readonly redisPassword?: pulumi.Input<string>;
  /** Further secret env vars the config references (remote API keys), by name. Secret. */
  readonly secretEnv?: Readonly<Record<string, pulumi.Input<string>>>;
  /** Network alias and container port. Default `litellm`, 4000. */
  readonly address: { readonly host: string; readonly port: number };
  /** Host address and port the gateway is published on, e.g. 127.0.0.1:4000. */
  readonly publish: { readonly ip: string; readonly port: number };
  /** Resources the gateway must wait for (the model servers and the cache), so it answers once created. */
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** The LiteLLM proxy: OpenAI-compatible API on the host, config uploaded, secrets only in env. */
export class LiteLlmGateway extends pulumi.ComponentResource {
  public readonly container: docker.Container;
  /** URL inside the network, e.g. `http://litellm:4000`. */
  public readonly internalUrl: string;

  constructor(name: string, args: LiteLlmGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-layer:index:LiteLlmGateway", name, { image: args.image, publish: args.publish }, opts);
    this.container = createLiteLlmGateway(name, args, this).container;
    this.internalUrl = `http://${args.address.host}:${args.address.port}`;
    this.registerOutputs({ internalUrl: this.internalUrl });
  }
}

/** @internal */
export function createLiteLlmGateway(name: string, args: LiteLlmGatewayArgs, parent: pulumi.Resource) {
  const image = pinnedImage(`${name}-image`, args.image, parent);
  const envs: pulumi.Input<string>[] = [
    envVar(GATEWAY_ENV.masterKey, args.masterKey),
    "LITELLM_MODE=PRODUCTION",
    "LITELLM_LOG=INFO",
  ];
  if (args.redisPassword !== undefined) envs.push(envVar(GATEWAY_ENV.redisPassword, args.redisPassword));
  for (const [name, value] of Object.entries(args.secretEnv ?? {})) envs.push(envVar(name, value));
  const container = new docker.Container(
    name,
    {
      ...containerDefaults(args, "gateway", args.address.host, args.image),
      image: image.imageId,
      // The image's entrypoint already runs `litellm`; pass only its args (runtime-facts.md §A9). One worker:
      // several workers would each keep their own Prometheus counters without PROMETHEUS_MULTIPROC_DIR.
      command: ["--config", LITELLM_CONFIG_PATH, "--port", String(args.address.port), "--num_workers", "1"],
      envs,
      uploads: [{ file: LITELLM_CONFIG_PATH, content: args.config.content }],
      ports: [{ internal: args.address.port, external: args.publish.port, ip: args.publish.ip }],
      healthcheck: {
        // The image has python3 but no curl; /health/liveliness needs no key (runtime-facts.md §A7).
        tests: [
          "CMD",
          "python3",
          "-c",
          `import urllib.request; urllib.request.urlopen('http://localhost:${args.address.port}/health/liveliness', timeout=5)`,
        ],
        interval: "15s",
        timeout: "10s",
        retries: 5,
        startPeriod: "60s",
        startInterval: "3s",
      },
      wait: true,
      waitTimeout: 300,
    },
    { parent, dependsOn: args.dependsOn },
  );
  return { image, container };
}
