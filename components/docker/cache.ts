import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { ServiceDescription } from "../render";
import { createServiceContainer, type ServiceInputs } from "./common";

export interface RedisCacheArgs extends ServiceInputs {
  /**
   * The Redis service (describeServices): pinned image (≥ 7.0, which LiteLLM requires), the rendered redis.conf,
   * the password from a secret, the memory limit. Omit it for a Redis the team runs already (cache.existingRedis):
   * then only the exporter runs, watching that one.
   */
  readonly cache?: ServiceDescription;
  /** The redis_exporter service (describeServices). */
  readonly exporter: ServiceDescription;
}

/** Redis as a pure LRU cache (no persistence, password required) plus its Prometheus exporter. */
export class RedisCache extends pulumi.ComponentResource {
  /** The Redis container; none when the cache is an existing Redis. */
  public readonly container?: docker.Container;
  public readonly exporter: docker.Container;

  constructor(name: string, args: RedisCacheArgs, opts?: pulumi.ComponentResourceOptions) {
    super(
      "ai-layer:index:RedisCache",
      name,
      { image: args.cache?.image ?? args.exporter.image, memoryMb: args.cache?.memoryMb },
      opts,
    );
    const built = createRedisCache(name, args, this);
    this.container = built.container;
    this.exporter = built.exporter;
    this.registerOutputs({});
  }
}

/** @internal */
export function createRedisCache(name: string, args: RedisCacheArgs, parent: pulumi.Resource) {
  const server = args.cache ? createServiceContainer(name, args.cache, args, parent) : undefined;
  const exporter = createServiceContainer(`${name}-exporter`, args.exporter, args, parent, {
    ...(server ? { dependsOn: [server.container] } : {}),
  });
  return {
    image: server?.image,
    container: server?.container,
    exporterImage: exporter.image,
    exporter: exporter.container,
  };
}
