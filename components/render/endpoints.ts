import { hostOllamaOf, redisTls, type Plan, type ServiceName } from "../plan";
import type { LayerEndpoints } from "./layerFiles";

/** How services reach each other on one Docker network (the docker target, the aws-ec2 control host): by alias. */
export function dockerEndpoints(plan: Pick<Plan, "services" | "cache" | "target">): LayerEndpoints {
  const s = plan.services;
  const hostPort = (name: ServiceName) => `${s[name].host}:${s[name].port}`;
  return {
    gateway: {
      ollama: hostOllamaOf(plan.target)?.url ?? `http://${hostPort("ollama")}`,
      ...(hostOllamaOf(plan.target) ? { ollamaSendsContextLength: true } : {}),
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
