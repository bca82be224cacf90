import { dcgmExporterNamespace, isVllm, onCluster, type AwsEc2Plan, type Plan } from "../plan";
import { HOURS_PER_MONTH } from "../spec";

/** Titles of the provisioned Grafana dashboards the runbooks point at (grafana.ts, dashboards.ts). */
export const DASHBOARDS = {
  gateway: "ai-layer / Gateway",
  vllm: "ai-layer / vLLM",
  gpu: "ai-layer / GPUs",
} as const;

/** Runbook text per alert: what to look at first, where (dashboard › panel) and with which command. */
export interface Runbooks {
  readonly gatewayDown: string;
  readonly gatewayErrors: string;
  readonly gatewayLatency: string;
  readonly redisDown: string;
  readonly redisMemory: string;
  readonly redisEvicting: string;
  readonly queueBacklog: string;
  readonly kvCache: string;
  readonly modelDown: string;
  readonly gpuMissing: string;
  readonly gpuXid: string;
  readonly spend: string;
}

/** A dashboard panel reference, e.g. `Grafana "ai-layer / Gateway" › "Error ratio"`. */
const panel = (dashboard: keyof typeof DASHBOARDS, title: string) =>
  `Grafana "${DASHBOARDS[dashboard]}" › "${title}"`;

type Service = "gateway" | "cache" | "cache-exporter";

/** How to inspect a service on this target: status and logs commands. */
interface Ops {
  status(service: Service): string;
  logs(service: Service): string;
  /** Runs a shell command in the service's container. */
  exec(service: Service, command: string): string;
}

/** redis-cli INFO inside the Redis container (REDIS_PASSWORD is set there on both targets). */
const redisInfo = (section: string) => `sh -c 'REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli INFO ${section}'`;

/** Docker: containers carry the labels ai-layer.stack and ai-layer.service (components/docker/common.ts). */
function dockerOps(stack: string): Ops {
  const filter = (s: Service) =>
    `--filter label=ai-layer.stack=${stack} --filter label=ai-layer.service=${s}`;
  return {
    status: (s) => `\`docker ps -a ${filter(s)}\``,
    logs: (s) => `\`docker logs --tail 200 $(docker ps -aq ${filter(s)})\``,
    exec: (s, command) => `\`docker exec $(docker ps -q ${filter(s)}) ${command}\``,
  };
}

/** Kubernetes: Deployments named after their Services (the first DNS label of the planned host). */
function kubernetesOps(plan: Plan, namespace: string): Ops {
  const s = plan.services;
  const deployment: Record<Service, string> = {
    gateway: s.gateway.host.split(".")[0]!,
    cache: s.redis.host.split(".")[0]!,
    "cache-exporter": s.redisExporter.host.split(".")[0]!,
  };
  return {
    status: (svc) =>
      `\`kubectl -n ${namespace} get deploy,pods -l app.kubernetes.io/instance=${deployment[svc]}\``,
    logs: (svc) => `\`kubectl -n ${namespace} logs deploy/${deployment[svc]} --tail=200\``,
    exec: (svc, command) => `\`kubectl -n ${namespace} exec deploy/${deployment[svc]} -- ${command}\``,
  };
}

/** Runbooks with this target's commands: docker/kubectl, and the dashboards and panels to open. */
export function alertRunbooks(plan: Plan): Runbooks {
  const cluster = onCluster(plan) ? plan.target : undefined;
  const k8s = cluster?.namespace;
  const fleet = plan.target.kind === "aws-ec2" ? plan.target.aws : undefined;
  const ops = k8s ? kubernetesOps(plan, k8s) : dockerOps(plan.stack);
  const prometheus = plan.urls.prometheus ?? "Prometheus";
  // Pods carry the model name clients send (ai-layer.dev/model), which is also the gateway's requested_model.
  const pods = (label: string) =>
    k8s ? `\`kubectl -n ${k8s} get pods -l ai-layer.dev/model={{ $labels.${label} }} -o wide\`` : "";
  const vllmPods = pods("model");
  const vllmLogs = k8s
    ? `\`kubectl -n ${k8s} logs -l ai-layer.dev/model={{ $labels.model }} --tail=200 --prefix\``
    : "";
  const backends = fleet
    ? `the vLLM instances (${panel("vllm", "Replicas up")}; target health: \`aws elbv2 describe-target-health --target-group-arn <arn>\`)`
    : k8s
      ? `the vLLM pods (${pods("requested_model")}; ${panel("vllm", "Replicas up")})`
      : "the model server (Ollama) and remote providers";
  const hasVllm = plan.models.some(isVllm);
  const gpuNodes = k8s
    ? `\`kubectl get nodes -l ${cluster?.gpuNodeLabel ?? ""} ` +
      `-o custom-columns=NAME:.metadata.name,GPUS:.status.allocatable.nvidia\\.com/gpu\``
    : "";
  return {
    gatewayDown:
      `Check the gateway is running: ${ops.status("gateway")}; read why it stopped: ${ops.logs("gateway")} ` +
      `(config errors show at startup). In ${prometheus}/targets, job litellm: a 401/403 means the master key ` +
      `Prometheus sends is stale. ${panel("gateway", "Scrape targets up")} shows since when.`,
    gatewayErrors:
      `Open ${panel("gateway", "Error ratio")} and ${panel("gateway", "Deployment health")} to see which ` +
      `model and backend fail; then check ${backends}. Read the errors in ${ops.logs("gateway")} ` +
      "(look for 429 rate limits, timeouts, auth errors of remote providers).",
    gatewayLatency:
      `Open ${panel("gateway", "Latency p50 / p95 / p99")} and ${panel("gateway", "Time to first token p95")}. ` +
      (hasVllm
        ? `If ${panel("vllm", "Requests running / waiting")} shows a queue, the model needs replicas ` +
          (fleet
            ? "(Auto Scaling group at its desired capacity? `aws autoscaling describe-auto-scaling-groups`); "
            : `(KEDA at max? \`kubectl -n ${k8s} get scaledobject\`); `) +
          `if ${panel("vllm", "End-to-end latency p95")} is low, the delay is in the gateway or a remote provider.`
        : "Compare with the model server's load; on CPU/partial-GPU placement long prompts are slow. " +
          `Gateway logs: ${ops.logs("gateway")}.`),
    redisDown:
      `Check Redis and its exporter: ${ops.status("cache")} and ${ops.status("cache-exporter")}; ` +
      `logs: ${ops.logs("cache")} (OOM kills, auth errors in ${ops.logs("cache-exporter")}). ` +
      `The gateway serves without the cache but shared router state is lost. ` +
      `${panel("gateway", "Cache memory")} shows when it stopped reporting.`,
    redisMemory:
      `Open ${panel("gateway", "Cache memory")}. Raise cache.maxMemoryMb or lower cache.ttlSeconds in the stack ` +
      `config; memory and policy now: ${ops.exec("cache", redisInfo("memory"))}. With allkeys-lru Redis ` +
      "evicts rather than fails.",
    redisEvicting:
      `Open ${panel("gateway", "Cache hit ratio")} and ${panel("gateway", "Cache memory")}: evictions lower ` +
      `the hit ratio; evicted_keys in ${ops.exec("cache", redisInfo("stats"))}. Raise cache.maxMemoryMb ` +
      "(the container/pod memory follows it) or lower cache.ttlSeconds.",
    queueBacklog:
      `Open ${panel("vllm", "Requests running / waiting")} and ${panel("vllm", "Replicas up")}. Is KEDA at ` +
      `max replicas (\`kubectl -n ${k8s} get scaledobject,hpa\`)? Then raise replicas.max. Pending pods ` +
      `(${vllmPods}) mean no free GPU: \`kubectl -n ${k8s} describe pod <pending pod>\`.`,
    kvCache:
      `Open ${panel("vllm", "KV-cache usage")} and ${panel("vllm", "Preemptions per second")}. Add replicas ` +
      `(replicas.max), lower contextLength, or use kvCacheDtype fp8 / a larger GPU; pod logs: ${vllmLogs}.`,
    modelDown:
      `${vllmPods}: Pending → \`kubectl -n ${k8s} describe pod <pod>\` (Insufficient nvidia.com/gpu = no GPU ` +
      `node; check ${gpuNodes}); CrashLoopBackOff → ${vllmLogs} (HF token, out of memory, bad revision). ` +
      `${panel("vllm", "Replicas up")} and ${panel("gpu", "Exporters up")} show since when.`,
    gpuMissing:
      `Compare allocatable GPUs: ${gpuNodes}. Check the device plugin and DCGM exporter pods: ` +
      `\`kubectl -n kube-system get ds nvidia-device-plugin-daemonset\`, \`kubectl -n ${k8s && dcgmExporterNamespace(k8s)} get pods ` +
      `-l app.kubernetes.io/name=dcgm-exporter -o wide\`. ${panel("gpu", "Exporters up")}, ` +
      `${panel("gpu", "GPU utilization")}.`,
    gpuXid:
      `Open ${panel("gpu", "Last XID error")}. On the node ({{ $labels.Hostname }}): \`dmesg | grep -i xid\` ` +
      "and `nvidia-smi -q`. XID 48/63/64/74/79/92/94/95 point at hardware or a lost GPU: " +
      `\`kubectl cordon {{ $labels.Hostname }}\`, drain and reset or replace the GPU.`,
    ...(fleet ? ec2FleetRunbooks(plan, fleet) : {}),
    spend:
      `Query \`ai_layer:model_cost_usd_per_hour\` in ${prometheus} to see which model costs most ` +
      `(× ${HOURS_PER_MONTH} h = monthly). Lower replicas.max / replicas.min or a model's GPU, or raise ` +
      "budget.monthlyUsd. Check replicas are not stuck up: " +
      (k8s
        ? `\`kubectl -n ${k8s} get scaledobject,hpa\`.`
        : fleet
          ? "`aws autoscaling describe-auto-scaling-groups` (desired capacity per group)."
          : "the docker target's cost is the host's $/h."),
  };
}

/**
 * The vLLM runbooks on aws-ec2: groups, target health and the instance's Docker logs instead of kubectl. The
 * groups and the container are named by the stack: `aws autoscaling describe-auto-scaling-groups --filters
 * Name=tag:ai-layer.dev/model,Values=<model>` finds a model's group.
 */
function ec2FleetRunbooks(
  plan: Plan,
  fleet: AwsEc2Plan,
): Pick<Runbooks, "queueBacklog" | "kvCache" | "modelDown"> {
  const group = (label: string) =>
    `\`aws autoscaling describe-auto-scaling-groups --region ${fleet.region} --filters ` +
    `Name=tag:ai-layer.dev/stack,Values=${plan.stack} Name=tag:ai-layer.dev/model,Values={{ $labels.${label} }}\``;
  const logs =
    "`aws ssm start-session --target <instance id>`, then `sudo docker logs vllm --tail 200` " +
    "(boot errors: `/var/log/cloud-init-output.log`)";
  return {
    queueBacklog:
      `Open ${panel("vllm", "Requests running / waiting")} and ${panel("vllm", "Replicas up")}. The group ` +
      `(${group("model")}) runs its desired capacity: raise it within replicas.max with \`aws autoscaling ` +
      "set-desired-capacity`, or raise replicas.min/max in the stack config and run `pulumi up`.",
    kvCache:
      `Open ${panel("vllm", "KV-cache usage")} and ${panel("vllm", "Preemptions per second")}. Add instances ` +
      `(replicas), lower contextLength, or use kvCacheDtype fp8 / a larger GPU; instance logs: ${logs}.`,
    modelDown:
      `${group("model")}: no InService instance → the Activities tab / \`aws autoscaling describe-scaling-activities\` ` +
      "(capacity, quota); instances up but unhealthy → `aws elbv2 describe-target-health` and the logs: " +
      `${logs} (HF token, out of memory, bad revision). ${panel("vllm", "Replicas up")} shows since when.`,
  };
}
