import type { CacheSpec } from "../spec";

/** Path of the rendered config inside the Redis container. */
export const REDIS_CONF_PATH = "/usr/local/etc/redis/redis.conf";

/**
 * Starts redis-server with the rendered config and the password from the env, on every target: redis.conf
 * cannot read env vars, and a password written into a config file would sit in the Pulumi state in clear.
 */
export const REDIS_START_SCRIPT = `exec docker-entrypoint.sh redis-server ${REDIS_CONF_PATH} --requirepass "$REDIS_PASSWORD"`;

/**
 * redis.conf for a pure response cache: bounded memory with LRU eviction over all keys (Redis defaults to
 * `noeviction`, which turns a full cache into write errors), no RDB snapshots, no AOF. The password is not
 * here: the container passes `--requirepass "$REDIS_PASSWORD"` from a secret env var (runtime-facts.md §D).
 */
export function renderRedisConf(cache: CacheSpec, port = 6379): string {
  return [
    "# Redis as the ai-layer response cache, rendered by renderRedisConf.",
    "# The password comes from the REDIS_PASSWORD env var (--requirepass), never from this file.",
    `port ${port}`,
    `maxmemory ${cache.maxMemoryMb}mb`,
    "maxmemory-policy allkeys-lru",
    'save ""',
    "appendonly no",
    "",
  ].join("\n");
}

/** Container memory limit for Redis: maxmemory plus 25% headroom for fragmentation and buffers, MiB. */
export function redisContainerMemoryMb(cache: CacheSpec): number {
  return Math.ceil(cache.maxMemoryMb * 1.25) + 32;
}
