import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { REDIS_CONF_PATH, REDIS_START_SCRIPT, type RenderedFile } from "../render";

export { REDIS_START_SCRIPT };
import { containerDefaults, envVar, pinnedImage, type DockerPlacement } from "./common";

export interface RedisCacheArgs extends DockerPlacement {
  /** Pinned Redis image (≥ 7.0, which LiteLLM requires). */
  readonly image: string;
  /** Pinned redis_exporter image. */
  readonly exporterImage: string;
  /** The rendered redis.conf (renderRedisConf); unused with `existing`. */
  readonly config?: RenderedFile;
  /** Password required by every client. Secret. */
  readonly password: pulumi.Input<string>;
  /** Container memory limit, MiB (maxmemory plus headroom). */
  readonly memoryMb: number;
  /** Network aliases and ports of Redis and its exporter (Redis: the existing one's host and port when `existing`). */
  readonly address: { readonly host: string; readonly port: number };
  /**
   * A Redis the team runs already: no Redis container, only the exporter watching it (`tls` for rediss://).
   * Default: none (the component runs Redis).
   */
  readonly existing?: { readonly tls: boolean };
  /** The exporter's network alias and port (default `redis-exporter`, 9121). */
  readonly exporterAddress: { readonly host: string; readonly port: number };
}

/** Redis as a pure LRU cache (no persistence, password required) plus its Prometheus exporter. */
export class RedisCache extends pulumi.ComponentResource {
  /** The Redis container; none when the cache is an existing Redis. */
  public readonly container?: docker.Container;
  public readonly exporter: docker.Container;

  constructor(name: string, args: RedisCacheArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-layer:index:RedisCache", name, { image: args.image, memoryMb: args.memoryMb }, opts);
    const built = createRedisCache(name, args, this);
    this.container = built.container;
    this.exporter = built.exporter;
    this.registerOutputs({});
  }
}

/** @internal */
export function createRedisCache(name: string, args: RedisCacheArgs, parent: pulumi.Resource) {
  const image = args.existing ? undefined : pinnedImage(`${name}-image`, args.image, parent);
  if (!args.existing && !args.config) throw new Error(`RedisCache ${name}: config (redis.conf) is required`);
  const container =
    image &&
    new docker.Container(
      name,
      {
        ...containerDefaults(args, "cache", args.address.host, args.image),
        image: image.imageId,
        entrypoints: ["/bin/sh", "-c", REDIS_START_SCRIPT],
        // REDISCLI_AUTH lets the healthcheck's redis-cli authenticate without the password on its command line.
        envs: [envVar("REDIS_PASSWORD", args.password), envVar("REDISCLI_AUTH", args.password)],
        uploads: [{ file: REDIS_CONF_PATH, content: args.config!.content }],
        memory: args.memoryMb,
        healthcheck: {
          tests: ["CMD-SHELL", "redis-cli ping | grep -q PONG"],
          interval: "10s",
          timeout: "5s",
          retries: 5,
          startPeriod: "10s",
        },
        wait: true,
        waitTimeout: 120,
      },
      { parent },
    );
  const exporterImage = pinnedImage(`${name}-exporter-image`, args.exporterImage, parent);
  const scheme = args.existing?.tls ? "rediss" : "redis";
  const exporter = new docker.Container(
    `${name}-exporter`,
    {
      ...containerDefaults(args, "cache-exporter", args.exporterAddress.host, args.exporterImage),
      image: exporterImage.imageId,
      envs: [
        `REDIS_ADDR=${scheme}://${args.address.host}:${args.address.port}`,
        envVar("REDIS_PASSWORD", args.password),
        `REDIS_EXPORTER_WEB_LISTEN_ADDRESS=0.0.0.0:${args.exporterAddress.port}`,
      ],
      // The exporter image is FROM scratch (no shell, no healthcheck tool); Prometheus' `up` watches it.
    },
    { parent, ...(container ? { dependsOn: [container] } : {}) },
  );
  return { image, container, exporterImage, exporter };
}
