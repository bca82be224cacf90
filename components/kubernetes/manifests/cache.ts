import { posix } from "node:path";
import { onCluster, runsRedis, type Plan } from "../../plan";
import { describeRedis, describeRedisExporter } from "../../render";
import {
  clusterIpService,
  memoryQuantity,
  meta,
  serviceEnv,
  selector,
  withLoadBalancer,
  type KubeContext,
  type KubeObject,
} from "./common";
import {
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
  scratchVolume,
} from "./podSecurity";

const CONFIG_MAP = "redis-config";

// docker-library/redis alpine Dockerfile: `addgroup -S -g 1000 redis; adduser -S -G redis -u 999 redis` (unchanged
// through the alpine image histories stored, up to 8.4; the 7.4.11 file itself was not read). Run as that user,
// docker-entrypoint.sh only sets umask 0077 and execs redis-server (the chown of /data and the privilege drop run
// only as root).
const REDIS_UID = 999;
const REDIS_GID = 1000;
// oliver006/redis_exporter Dockerfile (scratch release stage): `USER 59000:59000` (stored revision; the v1.88.0 tag
// itself was not read).
const REDIS_EXPORTER_UID = 59000;
// The image's WORKDIR; with no RDB or AOF nothing is written there, but a read-only root keeps it a volume.
const REDIS_DATA = scratchVolume("data", "/data", "64Mi");

/**
 * Redis as the response cache (rendered redis.conf, password from the Secret, no persistence) and its exporter;
 * with `cache.existingRedis` only the exporter, watching the team's Redis.
 */
export function cacheManifests(ctx: KubeContext, plan: Plan, redisConf: string | undefined): KubeObject[] {
  const exposure = onCluster(plan) ? plan.target.cache : { expose: "cluster", sourceRanges: [] };
  const redis = plan.services.redis;
  const exporter = plan.services.redisExporter;
  const redisName = redis.host.split(".")[0]!;
  const exporterName = exporter.host.split(".")[0]!;
  // The same image, start command, env and redis.conf path as on every target (describeRedis, describeRedisExporter).
  const server = describeRedis(plan);
  const exporterService = describeRedisExporter(plan);
  const memory = memoryQuantity(server.memoryMb!);
  const confDir = posix.dirname(server.files[0]!.mountPath);
  const serverObjects: KubeObject[] = !runsRedis(plan)
    ? []
    : [
        {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: meta(ctx, CONFIG_MAP, "redis", redisName),
          data: { "redis.conf": redisConf! },
        },
        {
          apiVersion: "apps/v1",
          kind: "Deployment",
          metadata: meta(ctx, redisName, "redis"),
          spec: {
            replicas: 1,
            selector: { matchLabels: selector("redis", redisName) },
            // A cache with no persistence: replace the pod rather than run two that each hold half the keys.
            strategy: { type: "Recreate" },
            template: {
              metadata: { labels: meta(ctx, redisName, "redis").labels },
              spec: {
                securityContext: restrictedPodSecurityContext(REDIS_UID, REDIS_GID),
                automountServiceAccountToken: false,
                containers: [
                  {
                    name: "redis",
                    image: server.image,
                    command: [...server.entrypoint!],
                    env: serviceEnv(server),
                    ports: [{ name: "redis", containerPort: redis.port, protocol: "TCP" }],
                    resources: { requests: { cpu: "100m", memory }, limits: { memory } },
                    securityContext: restrictedContainerSecurityContext(true),
                    volumeMounts: [{ name: "config", mountPath: confDir, readOnly: true }, REDIS_DATA.mount],
                    readinessProbe: {
                      exec: { command: ["sh", "-c", "redis-cli ping | grep -q PONG"] },
                      periodSeconds: 10,
                    },
                    livenessProbe: {
                      exec: { command: ["sh", "-c", "redis-cli ping | grep -q PONG"] },
                      periodSeconds: 20,
                      failureThreshold: 3,
                    },
                  },
                ],
                volumes: [{ name: "config", configMap: { name: CONFIG_MAP } }, REDIS_DATA.volume],
              },
            },
          },
        },
        exposure.expose === "load-balancer"
          ? withLoadBalancer(
              clusterIpService(ctx, redisName, "redis", redisName, redis.port),
              exposure.sourceRanges,
            )
          : clusterIpService(ctx, redisName, "redis", redisName, redis.port),
      ];
  return [
    ...serverObjects,
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: meta(ctx, exporterName, "redis-exporter"),
      spec: {
        replicas: 1,
        selector: { matchLabels: selector("redis-exporter", exporterName) },
        template: {
          metadata: { labels: meta(ctx, exporterName, "redis-exporter").labels },
          spec: {
            securityContext: restrictedPodSecurityContext(REDIS_EXPORTER_UID),
            automountServiceAccountToken: false,
            containers: [
              {
                name: "redis-exporter",
                image: exporterService.image,
                env: serviceEnv(exporterService),
                ports: [{ name: "http", containerPort: exporter.port, protocol: "TCP" }],
                resources: {
                  requests: { cpu: "50m", memory: "64Mi" },
                  limits: { memory: memoryQuantity(exporterService.memoryMb!) },
                },
                // A static binary FROM scratch: it writes nothing.
                securityContext: restrictedContainerSecurityContext(true),
                readinessProbe: { httpGet: { path: "/health", port: "http" }, periodSeconds: 15 },
                livenessProbe: { httpGet: { path: "/health", port: "http" }, periodSeconds: 30 },
              },
            ],
          },
        },
      },
    },
    clusterIpService(ctx, exporterName, "redis-exporter", exporterName, exporter.port),
  ];
}
