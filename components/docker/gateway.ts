import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { ServiceDescription } from "../render";
import { createServiceContainer, type ServiceInputs } from "./common";

export interface LiteLlmGatewayArgs extends ServiceInputs {
  /**
   * The gateway service (describeServices): pinned LiteLLM image, its args, the rendered config.yaml, env with the
   * master key (clients send it as Bearer; starts with `sk-`) and the keys its config references as os.environ/….
   */
  readonly service: ServiceDescription;
  /** Resources the gateway must wait for (the model servers and the cache), so it answers once created. */
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** The LiteLLM proxy: OpenAI-compatible API on the host, config uploaded, secrets only in env. */
export class LiteLlmGateway extends pulumi.ComponentResource {
  public readonly container: docker.Container;
  /** URL inside the network, e.g. `http://litellm:4000`. */
  public readonly internalUrl: string;

  constructor(name: string, args: LiteLlmGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    const publish = args.service.publish
      ? { ip: args.bindAddress, port: args.service.publish.hostPort }
      : undefined;
    super("ai-layer:index:LiteLlmGateway", name, { image: args.service.image, publish }, opts);
    this.container = createLiteLlmGateway(name, args, this).container;
    this.internalUrl = `http://${args.service.address.host}:${args.service.address.port}`;
    this.registerOutputs({ internalUrl: this.internalUrl });
  }
}

/** @internal */
export function createLiteLlmGateway(name: string, args: LiteLlmGatewayArgs, parent: pulumi.Resource) {
  return createServiceContainer(name, args.service, args, parent, {
    ...(args.dependsOn ? { dependsOn: args.dependsOn } : {}),
  });
}
