import {
  DOCKER_CONTAINER,
  asArray,
  dockerImageRef,
  dockerLabel,
  imageIs,
  isObject,
  kubeKind,
} from "./inspect";
import { resourceRule } from "./types";
import { openToInternet } from "../../components/spec/cidr";

const SERVICES = ["redis", "redis-exporter", "vllm-*", "grafana", "prometheus", "ollama"];
const PORTS = [6379, 8000, 3000, 9090, 11434];
const IMAGES = ["redis", "grafana/grafana", "prom/prometheus", "ollama/ollama", "vllm/vllm-openai"];
const SOURCE_RANGE_ANNOTATIONS = [
  "nginx.ingress.kubernetes.io/whitelist-source-range",
  "nginx.ingress.kubernetes.io/allowlist-source-range",
  "alb.ingress.kubernetes.io/inbound-cidrs",
  "service.beta.kubernetes.io/load-balancer-source-ranges",
];

const matches = (name: string, patterns: readonly string[]) =>
  patterns.some((p) => (p.endsWith("*") ? name.startsWith(p.slice(0, -1)) : name === p));

/** The CIDR list of an annotation or field, split and trimmed; undefined when absent. */
function ranges(value: unknown): string[] | undefined {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === "string" && value.trim()) return value.split(",").map((s) => s.trim());
  return undefined;
}

/**
 * Why a source-range list leaves a service open: none given, or ranges that together cover more public space
 * than the shared threshold (components/spec/cidr.ts, the same function the spec checks use).
 */
function openRanges(list: string[] | undefined): string | undefined {
  if (!list || list.length === 0) return "no source ranges";
  const open = openToInternet(list);
  return open ? `source ranges ${open}` : undefined;
}

function annotationRanges(meta: any): string[] | undefined {
  for (const a of SOURCE_RANGE_ANNOTATIONS) {
    const r = ranges(meta?.annotations?.[a]);
    if (r) return r;
  }
  return undefined;
}

/** Whether a port range (protocol -1/all = every port) covers one of `ports`. */
function coveredPort(
  from: unknown,
  to: unknown,
  protocol: unknown,
  ports: readonly number[],
): number | undefined {
  if (protocol === "-1" || protocol === "all" || protocol === -1) return ports[0];
  const lo = Number(from);
  const hi = Number(to ?? from);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return undefined;
  return ports.find((p) => (lo === 0 && hi === 0 ? false : lo <= p && p <= hi));
}

export const noPublicInternalServices = resourceRule({
  name: "no-public-internal-services",
  description:
    "Redis, vLLM, Grafana, Prometheus and Ollama are never reachable from anywhere: no Kubernetes LoadBalancer " +
    "Service or Ingress for them without source ranges (or with ranges covering more public space than one /8: " +
    "0.0.0.0/0, or 0.0.0.0/1 + 128.0.0.0/1), no NodePort, no AWS security group " +
    "ingress from such ranges or ::/0 on their ports (6379, 8000, 3000, 9090, 11434), no Docker port published on " +
    "all interfaces.",
  severity: "critical",
  enforcementLevel: "mandatory",
  remediation:
    "Keep the service inside the cluster/network (kubernetes: target.cache.expose: cluster; docker: " +
    "target.bindAddress: 127.0.0.1), or list the networks allowed to reach it (target.cache.sourceRanges, " +
    "loadBalancerSourceRanges, a security group rule from your VPC CIDR or another security group).",
  defaults: { services: SERVICES, ports: PORTS, images: IMAGES },
  configSchema: {
    properties: {
      services: {
        type: "array",
        items: { type: "string" },
        default: SERVICES,
        description: "Service names; * suffix",
      },
      ports: {
        type: "array",
        items: { type: "integer" },
        default: PORTS,
        description: "Ports never open to all",
      },
      images: {
        type: "array",
        items: { type: "string" },
        default: IMAGES,
        description: "Docker images of them",
      },
    },
  },
  check(type, props, { config }) {
    const kind = kubeKind(type);
    if (kind === "Service") {
      const name = String(props.metadata?.name ?? "");
      const app = String(props.metadata?.labels?.["app.kubernetes.io/name"] ?? "");
      const servicePorts = asArray(props.spec?.ports).map((p) => Number(p?.port));
      const internal =
        matches(name, config.services) ||
        matches(app, config.services) ||
        servicePorts.some((p) => config.ports.includes(p));
      if (!internal) return [];
      if (props.spec?.type === "NodePort")
        return [`Service ${name} is a NodePort: open on every node's address`];
      if (props.spec?.type !== "LoadBalancer") return [];
      const open = openRanges(
        ranges(props.spec?.loadBalancerSourceRanges) ?? annotationRanges(props.metadata),
      );
      return open ? [`Service ${name} is a LoadBalancer with ${open}: reachable from anywhere`] : [];
    }
    if (kind === "Ingress") {
      const backends = asArray(props.spec?.rules)
        .flatMap((r) => asArray(r?.http?.paths))
        .map((p) => p?.backend?.service?.name)
        .concat([props.spec?.defaultBackend?.service?.name])
        .filter((n): n is string => typeof n === "string" && matches(n, config.services));
      if (backends.length === 0) return [];
      const open = openRanges(annotationRanges(props.metadata));
      return open ? [`Ingress routes to ${[...new Set(backends)].join(", ")} with ${open}`] : [];
    }
    const sgRules: { rule: any; where: string }[] = [];
    if (type === "aws:ec2/securityGroup:SecurityGroup")
      asArray(props.ingress).forEach((rule, i) => sgRules.push({ rule, where: `ingress[${i}]` }));
    if (type === "aws:ec2/securityGroupRule:SecurityGroupRule" && props.type === "ingress")
      sgRules.push({ rule: props, where: "rule" });
    if (type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
      sgRules.push({
        rule: {
          ...props,
          protocol: props.ipProtocol,
          cidrBlocks: [props.cidrIpv4],
          ipv6CidrBlocks: [props.cidrIpv6],
        },
        where: "rule",
      });
    if (sgRules.length) {
      return sgRules.flatMap(({ rule, where }) => {
        const cidrs = [...asArray(rule?.cidrBlocks), ...asArray(rule?.ipv6CidrBlocks)].filter(
          (c): c is string => typeof c === "string",
        );
        const open = openToInternet(cidrs);
        const port = open ? coveredPort(rule.fromPort, rule.toPort, rule.protocol, config.ports) : undefined;
        return port === undefined
          ? []
          : [`security group ${where} opens port ${port} to the internet: ${open}`];
      });
    }
    if (type === DOCKER_CONTAINER) {
      const service = dockerLabel(props, "ai-layer.service") ?? "";
      const internal =
        matches(service, [...config.services, "cache"]) || imageIs(dockerImageRef(props), config.images);
      if (!internal) return [];
      return asArray(props.ports)
        .filter(isObject)
        .filter((p) => p.ip === undefined || p.ip === "" || p.ip === "0.0.0.0" || p.ip === "::")
        .map((p) => `port ${p.external ?? p.internal} is published on all interfaces (${p.ip || "0.0.0.0"})`);
    }
    return [];
  },
});
