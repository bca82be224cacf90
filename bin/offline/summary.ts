import {
  CORE_NODE_GROUP,
  hostOllamaOf,
  imagesInUse,
  isCloud,
  isOllama,
  isRemote,
  isVllm,
  type Plan,
  type PlannedModel,
} from "../../components/plan";
import { isDigestPinned, RUNPOD_WORKER } from "../../components/catalog";
import { RUNPOD_VLLM_IMAGE } from "../../components/runpod";
import type { RenderedFile } from "../../components/render";
import type { PlannedResource } from "./run";

const gib = (n: number) => n.toFixed(1);
const usd = (n: number) => `$${n.toFixed(2)}`;

function targetLines(plan: Plan): string[] {
  const t = plan.target;
  if (t.kind === "aws-ec2") {
    const a = t.aws;
    return [
      `- Target: AWS ${a.region} EC2, no Kubernetes: ${a.existingNetwork ? `the existing VPC ${a.existingNetwork.vpcId}` : `a VPC (${a.vpcCidr}, ${a.availabilityZones} AZs)`}, everything in private subnets; secrets in SSM Parameter Store`,
      `- Control host: ${a.controlHost.instanceType} ($${a.controlHost.usdPerHour}/h, ${a.controlHost.diskGiB} GiB encrypted gp3, IMDSv2) running the gateway${a.elasticache ? "" : ", Redis"} and monitoring in Docker; gateway port open to ${[a.vpcCidr, ...a.gatewayClientCidrs].join(", ")}; Grafana and Prometheus on its loopback (SSM port forwarding)`,
      ...(a.elasticache
        ? [
            `- Cache: ElastiCache ${a.elasticache.engine} ${a.elasticache.engineVersion}, ${a.elasticache.nodes} × ${a.elasticache.nodeType} ($${a.elasticache.usdPerHour}/h), TLS + encrypted at rest, auth token, only the control host admitted`,
          ]
        : []),
      ...a.tracks.map(
        (g) =>
          `- GPU group ${g.id}: ${g.instanceType} (${g.gpusPerInstance} × ${g.gpuType}, $${g.usdPerInstanceHour}/h), ${g.minSize}–${g.maxSize} instances, ${a.gpuDiskGiB} GiB encrypted gp3; internal load balancer port ${g.listenerPort} → vLLM :${a.vllmPort}, health check /health`,
      ),
    ];
  }
  const hostOllama = hostOllamaOf(t);
  if (hostOllama && t.kind === "docker") {
    return [
      `- Target: docker on ${t.host ?? "the local Docker daemon"}; the models run on the host's own Ollama (${hostOllama.accelerator}, ${hostOllama.memoryGiB} GiB for models; no Ollama container): the gateway calls ${hostOllama.url}, and \`up\` pulls the models through the same address before creating the gateway`,
      `- Ollama context length: ${plan.ollamaContextLength} tokens; the gateway sends each chat model's with every request (options.num_ctx), since the host's Ollama is not configured by the layer`,
    ];
  }
  if (t.kind === "docker") {
    const gpu = t.gpu
      ? `${t.gpu.count} × ${t.gpu.type ?? "GPU"} (${gib(t.gpuMemoryGiB ?? 0)} GiB each)`
      : "none (models run on the CPU)";
    return [
      `- Target: docker on ${t.host ?? "the local Docker daemon"}; GPU: ${gpu}; host memory for models: ${t.hostMemoryGiB} GiB`,
      `- Ollama context length (server-wide): ${plan.ollamaContextLength} tokens`,
    ];
  }
  const where =
    t.kind === "aws-eks"
      ? [
          `- Target: AWS ${t.aws.region}: a VPC (${t.aws.vpcCidr}, ${t.aws.availabilityZones} AZs, private nodes) and EKS ${t.aws.kubernetesVersion}, API open to ${t.aws.endpointPublicAccess ? t.aws.publicAccessCidrs.join(", ") : "the VPC only"}; then the kubernetes components in namespace \`${t.namespace}\``,
          ...t.aws.gpuNodeGroups.map(
            (g) =>
              `- GPU node group ${g.name}: ${g.instanceType} (${g.gpusPerNode} × ${g.gpuType}, ${t.aws.amiType}, $${g.usdPerNodeHour}/h), ${g.minSize}–${g.maxSize} nodes, ${t.aws.capacityType}; serves ${g.models.join(", ")}`,
          ),
        ]
      : [
          `- Target: kubernetes, context \`${t.context}\`${t.kubeconfig ? ` of ${t.kubeconfig}` : ""}, namespace \`${t.namespace}\`; GPU nodes labelled \`${t.gpuNodeLabel}=<type>\``,
        ];
  return [
    ...where,
    `- Installs: ${[!t.clusterHas.keda && "KEDA", !t.clusterHas.nvidiaDevicePlugin && "NVIDIA device plugin", !t.clusterHas.dcgmExporter && "DCGM exporter"].filter(Boolean).join(", ") || "nothing cluster-wide"}`,
  ];
}

function modelRow(m: PlannedModel, plan: Plan): string {
  if (isOllama(m)) {
    return (
      `| ${m.name} | ollama | ${m.catalogId} (${m.kind}) | ${m.ollamaTag} | ${m.precision} | ${m.contextLength} | ` +
      `${gib(m.memory.totalGiB)} GiB (weights ${gib(m.memory.weightsGiB)} + KV ${gib(m.memory.kvCacheGiB)} + overhead ${gib(m.memory.overheadGiB)}) | ${hostOllamaOf(plan.target) ? `host Ollama (${hostOllamaOf(plan.target)!.accelerator})` : m.placement} | – |`
    );
  }
  if (isVllm(m)) {
    const tracks = m.tracks
      .map(
        (t) =>
          `${t.huggingFaceRepo}${t.revision ? `@${t.revision}` : ""}${m.tracks.length > 1 ? ` (${t.track} ${t.weightPercent}%)` : ""}`,
      )
      .join("; ");
    return (
      `| ${m.name} | vllm | ${m.catalogId} (${m.kind}) | ${tracks} | ${m.precision}${m.kvCacheDtype === "fp8" ? ", KV fp8" : ""} | ${m.maxModelLen} | ` +
      `${gib(m.fit.requiredGiB)} of ${gib(m.fit.budgetGiB)} GiB per GPU (weights ${gib(m.fit.weightsGiB)} + overhead ${gib(m.fit.overheadGiB)} + one sequence ${gib(m.fit.kvPerSequenceGiB)}); ${Number.isFinite(m.fit.sequencesAtMaxLen) ? `${m.fit.sequencesAtMaxLen} full sequences` : "no KV cache"} | ` +
      `${m.gpu.count} × ${m.gpu.type}, replicas ${m.replicas.min}–${m.replicas.max} | ${m.unpriced ? "unpriced" : usd(m.usdPerReplicaHour)} |`
    );
  }
  if (isCloud(m)) {
    return (
      `| ${m.name} | ${m.runtime} | ${m.catalogId} (${m.kind}) | ${m.huggingFaceRepo}${m.revision ? `@${m.revision}` : ""} | ${m.precision} | ${m.maxModelLen} | ` +
      `${gib(m.fit.requiredGiB)} of ${gib(m.fit.budgetGiB)} GiB per GPU | ${m.gpu.count} × ${m.gpu.type} (${m.gpu.providerId}), workers ${m.workers.min}–${m.workers.max} | ${usd(m.usdPerWorkerHour)} |`
    );
  }
  if (isRemote(m)) {
    return `| ${m.name} | remote | ${m.provider} | ${m.remoteModel} | – | – | – | hosted (key: ai-layer:${m.apiKey.configKey}) | per token |`;
  }
  return "";
}

/** How an image is pinned: by digest (content), or by its tag only (a re-pointed tag would be pulled). */
const pinning = (ref: string) => (isDigestPinned(ref) ? "pinned by digest" : "pinned by tag");

/**
 * The images the layer runs and how each is pinned, then a sentence for the whole set: digests come from the lock
 * (components/catalog/imageDigests.ts, `npm run images:lock`) or the config's image overrides.
 */
function imageLines(plan: Plan): string[] {
  const refs = Object.entries(imagesInUse(plan)).map(([service, image]) => [service, image!] as const);
  const runpod = plan.models.some((m) => isCloud(m) && m.runtime === "runpod");
  const all = [...refs.map(([, r]) => r), ...(runpod ? [RUNPOD_VLLM_IMAGE] : [])];
  const byTag = all.filter((r) => !isDigestPinned(r)).length;
  return [
    ...refs.map(([service, image]) => `- ${service}: ${image} (${pinning(image)})`),
    ...runpodWorkerLines(plan),
    "",
    byTag === 0
      ? "All images are pinned by digest: a re-pointed tag cannot change what runs."
      : `${byTag === all.length ? "The images are" : `${byTag} of ${all.length} images are`} pinned by tag only: ` +
        "a re-pointed tag would be pulled by a new node or host. Fill the lock with `npm run images:lock` where " +
        "the registries are reachable (README: Image pinning).",
  ];
}

/**
 * Runpod models run Runpod's worker image, whose vLLM is not the pinned one: name both versions (flags, defaults
 * and metrics can differ between them). Facts: components/catalog/images.ts RUNPOD_WORKER.
 */
function runpodWorkerLines(plan: Plan): string[] {
  const names = plan.models.filter((m) => isCloud(m) && m.runtime === "runpod").map((m) => m.name);
  if (!names.length) return [];
  const pinned = plan.images.vllm;
  const pinnedVersion = /:(v?[0-9][^@]*)/.exec(pinned)?.[1] ?? pinned;
  const same = pinnedVersion.replace(/^v/, "") === RUNPOD_WORKER.vllmVersion.replace(/^v/, "");
  return [
    `- runpod worker (${names.join(", ")}): ${RUNPOD_VLLM_IMAGE} (${pinning(RUNPOD_VLLM_IMAGE)}), which runs vLLM ${RUNPOD_WORKER.vllmVersion}` +
      (same
        ? ", the pinned version"
        : ` — NOT the pinned vLLM ${pinnedVersion} (${pinned}) the other targets run; no worker release runs ${pinnedVersion}`),
  ];
}

/** Hourly rates to 4 decimals, trailing zeros past the cents dropped: $0.8048, $13.76, $0.00. */
const rate = (n: number) => `$${n.toFixed(4).replace(/0{1,2}$/, "")}`;

/** The Cost section: per-model $/h, $/month and $ per 1M output tokens, the budget, and the assumptions. */
function costLines(plan: Plan): string[] {
  const cm = plan.costModel;
  const a = cm.assumptions;
  const util = `${Math.round(a.utilization * 100)}% utilization`;
  const b = plan.budget;
  const max = plan.cost.perMonthMaxUsd;
  const left = cm.unpriced.length ? ` (leaves out unpriced ${cm.unpriced.join(", ")})` : "";
  const budget = b
    ? (max <= b.monthlyUsd
        ? `- Budget: ${usd(b.monthlyUsd)}/month; max scale ${usd(max)}/month is within it (${usd(b.monthlyUsd - max)} to spare)`
        : `- Budget: ${usd(b.monthlyUsd)}/month; max scale ${usd(max)}/month EXCEEDS it by ${usd(max - b.monthlyUsd)} (budget.onExceed: ${b.onExceed}; see Warnings)`) +
      left
    : "- Budget: none set (set budget.monthlyUsd to check max scale against one)";
  const rows = cm.models.map((m) => {
    const t = m.throughput;
    const tps = t
      ? `${t.aggregateTokensPerSecond} (C=${t.concurrency}; single stream ${t.singleStreamTokensPerSecond.toFixed(1)}, roofline ${t.rooflineTokensPerSecond.toFixed(1)})`
      : "– (embedding)";
    const per =
      m.usdPerMillionOutputTokens === null ? "n/a" : `${usd(m.usdPerMillionOutputTokens)} at ${util}`;
    if (m.unpriced) return `| ${m.name} | unpriced | unpriced | ${tps} | n/a |`;
    return (
      `| ${m.name} | ${rate(m.perHourMinUsd)}–${rate(m.perHourMaxUsd)} | ` +
      `${usd(m.perMonthMinUsd)}–${usd(m.perMonthMaxUsd)} | ${tps} | ${per} |`
    );
  });
  const unpriced = plan.models
    .filter((m) => !isVllm(m) && !isCloud(m))
    .map(
      (m) =>
        `| ${m.name} | ${isRemote(m) ? "billed per token by " + m.provider : "part of the host"} | – | – | n/a |`,
    );
  return [
    "## Cost",
    "",
    `- Layer: ${rate(plan.cost.perHourUsd)}/h at min scale, ${rate(plan.cost.perHourMaxUsd)}/h at max; ` +
      `${usd(plan.cost.perMonthUsd)}–${usd(plan.cost.perMonthMaxUsd)}/month (${a.hoursPerMonth} h)`,
    budget,
    ...cm.models.flatMap((m) =>
      m.unpriced ? [`- Unpriced: ${m.name}: ${m.unpriced}; the totals above leave it out`] : [],
    ),
    "",
    "| model | $/h min–max | $/month min–max | est. output tok/s per replica | $/1M output tokens |",
    "|---|---|---|---|---|",
    ...rows,
    ...unpriced,
    "",
    "Assumptions:",
    "",
    `- prices: ${a.pricing}`,
    // The throughput notes apply to GPU models only; a docker layer is priced as its host.
    ...(cm.models.length
      ? [
          `- utilization: ${a.utilization} of each hour generating (budget.assumedUtilization)`,
          `- request: ${a.requestTokens.prompt} prompt + ${a.requestTokens.output} output tokens (budget.assumedRequestTokens); C is how many such requests the KV cache holds, at most ${a.defaultConcurrency}`,
          ...a.notes.map((n) => `- ${n}`),
        ]
      : []),
    "",
  ];
}

/** summary.md: what will exist, per model runtime, memory or GPU fit, endpoints, secrets, cost. */
export function renderSummary(
  plan: Plan,
  resources: readonly PlannedResource[],
  files: readonly RenderedFile[],
): string {
  const docker = plan.target.kind === "docker";
  const ec2 = plan.target.kind === "aws-ec2" ? plan.target.aws : undefined;
  const eks = plan.target.kind === "aws-eks" ? plan.target.aws : undefined;
  const fixed = eks?.fixedCost;
  const lines: string[] = [
    `# ai-layer plan: ${plan.stack}`,
    "",
    ...targetLines(plan),
    ec2
      ? `- Estimated cost: ${usd(plan.cost.perHourUsd)}/h at min scale, ${usd(plan.cost.perHourMaxUsd)}/h at max; ` +
        `${usd(plan.cost.perMonthUsd)}–${usd(plan.cost.perMonthMaxUsd)}/month (730 h; GPU instances, control host${ec2.elasticache ? ", ElastiCache" : ""}${ec2.existingNetwork ? "" : `, ${ec2.availabilityZones} NAT gateways`}${ec2.tracks.length ? " and the internal load balancer" : ""} at on-demand list prices; EBS volumes, NAT data processing, load-balancer capacity units and traffic not included)`
      : fixed
        ? `- Estimated cost: ${usd(plan.cost.perHourUsd)}/h at min scale, ${usd(plan.cost.perHourMaxUsd)}/h at max; ` +
          `${usd(plan.cost.perMonthUsd)}–${usd(plan.cost.perMonthMaxUsd)}/month (730 h; GPU nodes, the EKS control plane ` +
          `$${fixed.controlPlane.usdPerHour}/h (${fixed.controlPlane.support} support), ${fixed.natGateways.count} NAT gateways at ` +
          `$${fixed.natGateways.usdPerHour}/h and the CPU node group (${CORE_NODE_GROUP.min}–${CORE_NODE_GROUP.max} × ${fixed.coreNodes.instanceType} ` +
          `at $${fixed.coreNodes.usdPerNodeHour}/h)` +
          (fixed.loadBalancers.count
            ? `, ${fixed.loadBalancers.count} load balancer(s) at $${fixed.loadBalancers.usdPerHour}/h`
            : "") +
          ", the Secrets KMS key ($1/month), on-demand list prices; NAT data processing, EBS volumes, load-balancer capacity units and traffic not included)"
        : docker
          ? `- Estimated cost: ${usd(plan.cost.perHourUsd)}/h, ${usd(plan.cost.perMonthUsd)}/month (730 h; the host's configured cost, target.costPerHourUsd)`
          : `- Estimated GPU cost: ${usd(plan.cost.perHourUsd)}/h at min scale, ${usd(plan.cost.perHourMaxUsd)}/h at max; ` +
            `${usd(plan.cost.perMonthUsd)}–${usd(plan.cost.perMonthMaxUsd)}/month (730 h; GPU-hours only, from target.costPerGpuHourUsd or the catalog's AWS on-demand prices)`,
    "",
    "## Models",
    "",
    "| name | runtime | model | served as | precision | context | memory | placement | $/h per replica |",
    "|---|---|---|---|---|---|---|---|---|",
    ...plan.models.map((m) => modelRow(m, plan)),
    "",
    ...costLines(plan),
    "## Endpoints",
    "",
    `- Gateway (OpenAI-compatible): ${plan.urls.gateway}/v1 — send \`model\` as one of: ${plan.models.map((m) => m.name).join(", ")}`,
    ...(plan.urls.grafana
      ? [
          `- Grafana: ${plan.urls.grafana} (user admin; password: \`pulumi stack output --show-secrets grafanaAdminPassword\`)`,
        ]
      : []),
    ...(plan.urls.prometheus ? [`- Prometheus: ${plan.urls.prometheus}`] : []),
    ...(ec2
      ? [
          "- On the control host, which has no public address: apps in the VPC call `http://<control host private IP>:4000/v1` (stack output `gatewayUrl`); from a laptop run the stack outputs `gatewayPortForwardCommand` / `grafanaPortForwardCommand` (SSM port forwarding), then open the URLs above.",
        ]
      : docker
        ? []
        : [
            "- In-cluster addresses; reach them from a laptop with `kubectl port-forward -n <namespace> svc/<name> <port>`.",
          ]),
    "",
    "## Images",
    "",
    ...imageLines(plan),
    "",
    "## Secrets",
    "",
    "| config key | purpose | source |",
    "|---|---|---|",
    ...plan.secrets.map(
      (s) =>
        `| ai-layer:${s.configKey} | ${s.purpose} | ${s.generated ? "generated (@pulumi/random)" : "secret config"} |`,
    ),
    "",
    "## Resources",
    "",
    `${resources.length} resources:`,
    "",
    ...Object.entries(
      resources.reduce<Record<string, number>>(
        (acc, r) => ({ ...acc, [r.type]: (acc[r.type] ?? 0) + 1 }),
        {},
      ),
    ).map(([type, n]) => `- ${type}: ${n}`),
    "",
    "## Files",
    "",
    ...files.map((f) => `- files/${f.path}`),
    "",
  ];
  if (plan.warnings.length) lines.push("## Warnings", "", ...plan.warnings.map((w) => `- ${w}`), "");
  return lines.join("\n");
}
