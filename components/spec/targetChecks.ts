import { CLOUD_GPUS, findCloudGpu, findGpu, GPUS } from "../catalog";
import { openToInternet } from "./cidr";
import { closest } from "./errors";
import type { AddProblem } from "./crossChecks";
import type { ModelEntry } from "./modelSchema";
import type { LayerSpec } from "./schema";
import type { AwsEc2Target } from "./targetSchema";

/** Model fields that only the kubernetes target (vLLM) reads. */
const VLLM_ONLY = [
  "gpu",
  "replicas",
  "huggingFaceRepo",
  "revision",
  "codeRevision",
  "gpuMemoryUtilization",
  "kvCacheDtype",
  "canary",
] as const;
/** Fields a remote (hosted API) model cannot have. */
const SELF_HOSTED_ONLY = ["contextLength", "ollamaTag", "precision", "backend", ...VLLM_ONLY] as const;

/** Rules for a model served on a GPU cloud (backend: runpod | modal). */
function cloudChecks(m: ModelEntry, i: number, target: LayerSpec["target"], add: AddProblem) {
  const backend = m.backend!;
  if (target.kind !== "docker") {
    add(
      ["models", i, "backend"],
      "GPU-cloud backends run behind the docker target's gateway for now; use target.kind: docker",
    );
  }
  for (const key of ["ollamaTag", "gpu", "replicas", "canary"] as const) {
    if (m[key] !== undefined)
      add(
        ["models", i, key],
        `does not apply with backend ${backend.kind} (set backend.gpu / backend.workers)`,
      );
  }
  const offers = CLOUD_GPUS[backend.kind];
  if (!findCloudGpu(backend.kind, backend.gpu.type)) {
    add(
      ["models", i, "backend", "gpu", "type"],
      `${backend.kind} has no "${backend.gpu.type}" in the catalog; use one of ${offers.map((o) => o.gpu).join(", ")}`,
    );
  }
  if (backend.workers.min > backend.workers.max) {
    add(
      ["models", i, "backend", "workers", "min"],
      `${backend.workers.min} is above max ${backend.workers.max}`,
    );
  }
  if (backend.kind === "modal" && !backend.workspace) {
    add(
      ["models", i, "backend", "workspace"],
      "is required for modal: the endpoint URL is https://<workspace>--<app>-serve.modal.run",
    );
  }
  if (backend.kind === "runpod" && backend.workspace) {
    add(["models", i, "backend", "workspace"], "applies to modal only");
  }
}

const gpuTypeProblem = (type: string) => {
  const guess = closest(
    type,
    GPUS.map((g) => g.id),
  );
  return `unknown GPU "${type}"${guess ? `; did you mean "${guess}"?` : "."} Known: ${GPUS.map((g) => g.id).join(", ")}`;
};

function remoteChecks(m: ModelEntry, i: number, add: AddProblem) {
  const remote = m.remote!;
  for (const key of SELF_HOSTED_ONLY) {
    if (m[key] !== undefined)
      add(["models", i, key], `does not apply to a remote model (the provider serves it); remove it`);
  }
  if (remote.provider === "openai-compatible" && !remote.apiBase) {
    add(
      ["models", i, "remote", "apiBase"],
      "is required for an openai-compatible provider (its base URL, including /v1)",
    );
  }
  if (remote.provider !== "openai-compatible" && remote.apiBase) {
    add(
      ["models", i, "remote", "apiBase"],
      `applies to openai-compatible only; ${remote.provider}'s URL is built in`,
    );
  }
}

/** The host's own Ollama: no container GPU settings. */
function hostOllamaChecks(target: Extract<LayerSpec["target"], { kind: "docker" }>, add: AddProblem): void {
  if (target.ollama.on !== "host") return;
  if (target.gpu)
    add(
      ["target", "gpu"],
      "gives GPUs to the Ollama container, and target.ollama.on is host: the host's Ollama uses its own GPU (set target.ollama.accelerator and memoryGiB); remove target.gpu",
    );
}

/** Rules that depend on where the layer runs. */
export function targetChecks(spec: LayerSpec, add: AddProblem): void {
  const target = spec.target;
  if (target.kind === "docker") hostOllamaChecks(target, add);
  spec.models.forEach((m, i) => {
    if (m.remote) return remoteChecks(m, i, add);
    if (m.backend) return cloudChecks(m, i, target, add);
    if (target.kind === "docker") {
      for (const key of VLLM_ONLY) {
        if (m[key] !== undefined) {
          add(
            ["models", i, key],
            "applies on the kubernetes target only (on docker, Ollama serves the model; GPUs are set once in layer.target.gpu)",
          );
        }
      }
      if (m.precision !== undefined && m.ollamaTag === undefined) {
        add(
          ["models", i, "precision"],
          "describes the weights of `ollamaTag`; set ollamaTag too, or remove precision",
        );
      }
      return;
    }
    if (m.ollamaTag !== undefined)
      add(
        ["models", i, "ollamaTag"],
        "applies on the docker target only (vLLM serves the Hugging Face repo here)",
      );
    if (!m.gpu)
      add(["models", i, "gpu"], "is required on the kubernetes target, e.g. { type: L4, count: 1 }");
    else if (!findGpu(m.gpu.type)) add(["models", i, "gpu", "type"], gpuTypeProblem(m.gpu.type));
    if (m.precision === "int4" && !m.huggingFaceRepo) {
      add(
        ["models", i, "precision"],
        "int4 needs a pre-quantized checkpoint: set huggingFaceRepo to an AWQ or GPTQ variant",
      );
    }
    if (m.precision === "int8")
      add(["models", i, "precision"], "int8 is not planned for vLLM here; use bf16, fp16, fp8 or int4");
    const replicas = m.replicas;
    if (replicas && replicas.min > replicas.max)
      add(["models", i, "replicas", "min"], `${replicas.min} is above max ${replicas.max}`);
    // Object.hasOwn: a model may be named like an Object.prototype key (`constructor`).
    const fallbacks = Object.hasOwn(spec.gateway.fallbacks, m.name)
      ? spec.gateway.fallbacks[m.name]
      : undefined;
    if (replicas?.min === 0 && !fallbacks?.length) {
      add(
        ["models", i, "replicas", "min"],
        `0 scales "${m.name}" to zero; add layer.gateway.fallbacks.${m.name} (e.g. a remote model) to answer while no replica runs`,
      );
    }
    if (m.canary && !m.canary.revision && !m.canary.huggingFaceRepo && !m.canary.image) {
      add(["models", i, "canary"], "set what the canary changes: revision, huggingFaceRepo or image");
    }
    if (m.canary?.image && !/(:[\w][\w.-]*|@sha256:[0-9a-f]{64})$/.test(m.canary.image)) {
      add(
        ["models", i, "canary", "image"],
        "pin the image with a version tag or digest (e.g. vllm/vllm-openai:v0.25.1)",
      );
    } else if (m.canary?.image && /:(latest|main|nightly)$/.test(m.canary.image)) {
      add(
        ["models", i, "canary", "image"],
        `"${m.canary.image.split(":").pop()}" moves under you; pin a version tag or digest`,
      );
    }
    if (!spec.monitoring.enabled && m.replicas && m.replicas.max > m.replicas.min) {
      add(
        ["models", i, "replicas"],
        "autoscaling reads Prometheus; keep layer.monitoring.enabled, or set min = max",
      );
    }
  });

  if (spec.monitoring.existingPrometheus && (target.kind === "docker" || target.kind === "aws-ec2")) {
    add(
      ["monitoring", "existingPrometheus"],
      "applies on the kubernetes and aws-eks targets; on docker and aws-ec2 the layer runs its own Prometheus",
    );
  }
  if (spec.monitoring.existingPrometheus && !spec.monitoring.enabled) {
    add(["monitoring", "existingPrometheus"], "needs monitoring.enabled: true (KEDA reads it)");
  }
  if (spec.cache.existingRedis && target.kind === "aws-ec2") {
    add(
      ["cache", "existingRedis"],
      "on aws-ec2 use target.elasticache for a managed Redis, or drop existingRedis",
    );
  }
  if (spec.cache.existingRedis && !spec.cache.enabled) {
    add(
      ["cache", "existingRedis"],
      "the cache is disabled (cache.enabled: false); remove existingRedis or enable it",
    );
  }
  if (target.kind === "docker") {
    if (spec.gateway.replicas.max > 1) {
      add(
        ["gateway", "replicas"],
        "docker runs one gateway container; replicas apply on the kubernetes target",
      );
    }
    const seen = new Map<number, string>();
    for (const [service, p] of Object.entries(target.ports)) {
      const other = seen.get(p);
      if (other)
        add(
          ["target", "ports", service],
          `${p} is also the ${other} port; each service needs its own host port`,
        );
      else seen.set(p, service);
    }
    if (target.gpu) {
      if (target.gpu.type === undefined && target.gpu.memoryGiB === undefined) {
        add(
          ["target", "gpu"],
          `set type (one of ${GPUS.map((g) => g.id).join(", ")}) or memoryGiB for a GPU the catalog lacks`,
        );
      } else if (target.gpu.type !== undefined && !findGpu(target.gpu.type)) {
        add(["target", "gpu", "type"], `${gpuTypeProblem(target.gpu.type)}; or give memoryGiB instead`);
      }
    }
    return;
  }
  if (target.kind === "aws-ec2") return ec2Checks(spec, target, add);
  if (target.gateway.expose === "load-balancer" && target.gateway.sourceRanges.length === 0) {
    add(
      ["target", "gateway", "sourceRanges"],
      "list the CIDRs allowed to reach the load balancer (e.g. [203.0.113.0/24]); an open gateway is refused",
    );
  }
  refuseOpen(target.gateway.sourceRanges, ["target", "gateway", "sourceRanges"], "the gateway", add);
  refuseOpen(target.cache.sourceRanges, ["target", "cache", "sourceRanges"], "Redis", add);
  if (target.kind === "aws-eks")
    refuseOpen(target.publicAccessCidrs, ["target", "publicAccessCidrs"], "the cluster API", add);
}

/** A CIDR list that covers more public space than OPEN_THRESHOLD (./cidr.ts) opens `what` to the internet. */
function refuseOpen(cidrs: readonly string[], path: PropertyKey[], what: string, add: AddProblem): void {
  const open = openToInternet(cidrs);
  if (open) add(path, `${open}: that opens ${what} to the internet; list your networks instead`);
}

/** The EC2 fleet: one gateway on the control host, and groups that keep at least one instance. */
function ec2Checks(spec: LayerSpec, target: AwsEc2Target, add: AddProblem): void {
  if (spec.gateway.replicas.max > 1) {
    add(
      ["gateway", "replicas"],
      "aws-ec2 runs one gateway on the control host; replicas apply on the kubernetes and aws-eks targets",
    );
  }
  spec.models.forEach((m, i) => {
    if (!m.remote && !m.backend && m.replicas?.min === 0)
      add(
        ["models", i, "replicas", "min"],
        "an EC2 Auto Scaling group here does not scale from zero on traffic; set min to 1 or more (or use aws-eks)",
      );
  });
  refuseOpen(target.gatewayClientCidrs, ["target", "gatewayClientCidrs"], "the gateway", add);
  if (target.elasticache && !spec.cache.enabled)
    add(
      ["target", "elasticache"],
      "the cache is disabled (layer.cache.enabled: false); remove elasticache or enable it",
    );
}
