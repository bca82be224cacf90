import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { redisTls, type Plan, type ServiceName } from "../plan";
import type { LayerEndpoints } from "../render";

/** Options every component of the docker target takes. */
export interface DockerPlacement {
  /** Name of the Docker network the container joins (it is reachable there by its service alias). */
  readonly networkName: pulumi.Input<string>;
  /** Stack name, for labels. */
  readonly stack: string;
}

/** How services reach each other on one Docker network: by alias and container port. */
export function dockerEndpoints(plan: Pick<Plan, "services" | "cache">): LayerEndpoints {
  const s = plan.services;
  const hostPort = (name: ServiceName) => `${s[name].host}:${s[name].port}`;
  return {
    gateway: {
      ollama: `http://${hostPort("ollama")}`,
      ...(plan.cache.enabled
        ? { redis: { host: s.redis.host, port: s.redis.port, ...(redisTls(plan) ? { tls: true } : {}) } }
        : {}),
    },
    scrape: {
      gateway: hostPort("gateway"),
      ...(plan.cache.enabled ? { redisExporter: hostPort("redisExporter") } : {}),
      prometheus: `localhost:${s.prometheus.port}`,
    },
    prometheusUrl: `http://${hostPort("prometheus")}`,
  };
}

/**
 * Memory limits of the fixed-size services, MiB: one runaway container must not take the host (and Ollama's
 * models) down with it. Ollama's and Redis' limits come from the plan instead.
 */
export const MEMORY_LIMIT_MB: Readonly<Record<string, number>> = {
  gateway: 2048,
  "cache-exporter": 128,
  prometheus: 2048,
  grafana: 512,
  alertmanager: 256,
};

/** Settings shared by every container: restart policy, bounded logs, labels that say who made it. */
export function containerDefaults(
  placement: DockerPlacement,
  service: string,
  alias: string,
  imageRef: string,
) {
  return {
    restart: "unless-stopped",
    logDriver: "json-file",
    logOpts: { "max-size": "10m", "max-file": "3" },
    labels: [
      { label: "ai-layer.stack", value: placement.stack },
      { label: "ai-layer.service", value: service },
      // The container runs the pulled image by id; the label keeps the pinned tag visible (docker ps, the plan).
      { label: "ai-layer.image", value: imageRef },
    ],
    networksAdvanced: [{ name: placement.networkName, aliases: [alias] }],
    ...(MEMORY_LIMIT_MB[service] ? { memory: MEMORY_LIMIT_MB[service] } : {}),
  } satisfies Partial<docker.ContainerArgs>;
}

/** A pinned image, pulled once and kept when the stack is destroyed (the next `up` reuses it). */
export function pinnedImage(name: string, ref: string, parent: pulumi.Resource): docker.RemoteImage {
  return new docker.RemoteImage(name, { name: ref, keepLocally: true }, { parent });
}

/** `NAME=value` for Docker's env list, keeping the value secret when it is one. */
export function envVar(name: string, value: pulumi.Input<string>): pulumi.Output<string> {
  return pulumi.interpolate`${name}=${value}`;
}
