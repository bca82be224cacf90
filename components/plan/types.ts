import type { ModelKind, Precision } from "../catalog";
import type { ImageName } from "../catalog/images";
import type {
  BudgetSpec,
  CacheSpec,
  DockerTarget,
  GatewaySpec,
  KubernetesTarget,
  MonitoringSpec,
  RemoteSpec,
} from "../spec";
import type { CostModel } from "./costModel";
import type { GpuFit } from "./gpuFit";
import type { AwsEksPlan } from "./planAws";
import type { AwsEc2Plan } from "./planAwsEc2";
import type { MemoryEstimate } from "./memory";

/** Where a model's weights live on a Docker host. */
export type Placement = "gpu" | "gpu+cpu" | "cpu";

interface ModelCommon {
  /** Name clients send. */
  readonly name: string;
  readonly kind: ModelKind;
}

/** A model served by Ollama (docker target). */
export interface OllamaModel extends ModelCommon {
  readonly runtime: "ollama";
  readonly catalogId: string;
  /** Ollama tag pulled and served. */
  readonly ollamaTag: string;
  readonly precision: Precision;
  /** Context window the model is served with, tokens. */
  readonly contextLength: number;
  readonly memory: MemoryEstimate;
  readonly placement: Placement;
}

/** One vLLM Deployment of a model name: the stable one, or a canary sharing its traffic. */
export interface VllmTrack {
  /** Resource and Service name, e.g. `chat` or `chat-canary`; also LiteLLM's model_info.id. */
  readonly id: string;
  readonly track: "stable" | "canary";
  /** Percent of the name's traffic (LiteLLM weight). */
  readonly weightPercent: number;
  /** Replicas of this track's Deployment (KEDA min/max). */
  readonly replicas: { readonly min: number; readonly max: number };
  readonly huggingFaceRepo: string;
  readonly revision?: string;
  /** Pinned vLLM image. */
  readonly image: string;
}

/** A model served by vLLM on GPUs (kubernetes target). */
export interface VllmModel extends ModelCommon {
  readonly runtime: "vllm";
  readonly catalogId: string;
  readonly precision: Precision;
  /** Always passed as --max-model-len. */
  readonly maxModelLen: number;
  readonly gpu: { readonly type: string; readonly memoryMiB: number; readonly count: number };
  readonly gpuMemoryUtilization: number;
  readonly kvCacheDtype: "auto" | "fp8";
  readonly fit: GpuFit;
  /** Whole-model estimate (all GPUs of a replica), for the summary. */
  readonly memory: MemoryEstimate;
  readonly replicas: { readonly min: number; readonly max: number };
  readonly tracks: readonly VllmTrack[];
  /** Size of the weight-cache volume, GiB (weights on disk with headroom). */
  readonly weightCacheGiB: number;
  /** The model needs custom code from its repo (e.g. nomic-bert). */
  readonly trustRemoteCode: boolean;
  /** Commit of the repository holding that code (vLLM --code-revision); set whenever trustRemoteCode is. */
  readonly codeRevision?: string;
  /** GPU $/h of one replica, from target.costPerGpuHourUsd or the catalog (0 when unpriced). */
  readonly usdPerReplicaHour: number;
  /** Why no $/h is known for this replica on its target (then usdPerReplicaHour is 0 and every total says so). */
  readonly unpriced?: string;
}

/** A hosted API behind the gateway. */
export interface RemoteModel extends ModelCommon {
  readonly runtime: "remote";
  readonly provider: RemoteSpec["provider"];
  readonly remoteModel: string;
  readonly apiBase?: string;
  /** Where its key comes from. */
  readonly apiKey: { readonly configKey: string; readonly env: string };
}

/** A model served by vLLM on a GPU cloud (Runpod serverless or a Modal app), behind the layer's gateway. */
export interface CloudModel extends ModelCommon {
  readonly runtime: "runpod" | "modal";
  readonly catalogId: string;
  readonly huggingFaceRepo: string;
  readonly revision?: string;
  /** The model needs custom code from its repo (vLLM --trust-remote-code). */
  readonly trustRemoteCode: boolean;
  /** Commit of the repository holding that code (vLLM --code-revision); set whenever trustRemoteCode is. */
  readonly codeRevision?: string;
  readonly precision: Precision;
  readonly maxModelLen: number;
  readonly gpu: {
    readonly type: string;
    readonly providerId: string;
    readonly memoryMiB: number;
    readonly count: number;
  };
  readonly gpuMemoryUtilization: number;
  readonly fit: GpuFit;
  readonly workers: { readonly min: number; readonly max: number };
  readonly idleTimeoutSeconds: number;
  /** Modal workspace (modal only). */
  readonly workspace?: string;
  /** GPU $/h of one worker (all its GPUs), from the cloud catalog. */
  readonly usdPerWorkerHour: number;
  /** Endpoint or app name at the provider, `ai-layer-<stack>-<model>`. */
  readonly appName: string;
  /** OpenAI base URL when known before deploy (Modal); otherwise the gateway reads it from apiBaseEnv. */
  readonly apiBase?: string;
  /** Env var the gateway reads the endpoint's base URL from (known only once the endpoint exists). */
  readonly apiBaseEnv: string;
  /** Where the gateway's key for the endpoint comes from. */
  readonly apiKey: { readonly configKey: string; readonly env: string };
  /**
   * Modal only: the proxy auth token the endpoint requires, sent by the gateway as the `Modal-Key` (tokenId) and
   * `Modal-Secret` (tokenSecret) headers; each part is a secret config key read from the gateway's env.
   */
  readonly proxyAuth?: {
    readonly tokenId: { readonly configKey: string; readonly env: string };
    readonly tokenSecret: { readonly configKey: string; readonly env: string };
  };
  /** Pinned vLLM image the endpoint runs. */
  readonly image: string;
}

export type PlannedModel = OllamaModel | VllmModel | RemoteModel | CloudModel;

/** A service inside the layer's network: its DNS name and port (the same for every client in the network). */
export interface ServiceAddress {
  readonly host: string;
  readonly port: number;
}

export type ServiceName =
  "ollama" | "gateway" | "redis" | "redisExporter" | "prometheus" | "grafana" | "alertmanager";

/** A secret the layer needs: read from secret config when set, else generated (or required). */
export interface SecretNeed {
  /** Config key under the `ai-layer` namespace (`pulumi config set --secret ai-layer:<key> …`). */
  readonly configKey: string;
  /** What it protects. */
  readonly purpose: string;
  /** Env var the containers read it from. */
  readonly env: string;
  /** True when the config does not set it and the stack generates it with @pulumi/random. */
  readonly generated: boolean;
}

/** A docker target as planned: one Docker host (a laptop, a GPU box). */
export type DockerTargetPlan = DockerTarget & {
  /** Memory of each of the host's GPUs, GiB (from the catalog or target.gpu.memoryGiB); set when it has one. */
  readonly gpuMemoryGiB?: number;
};
/** A kubernetes target as planned: an existing cluster, reached through a kubeconfig context. */
export type KubernetesTargetPlan = KubernetesTarget;
/** An aws-eks target as planned: the cluster the stack creates, and the kubernetes components on it. */
export type AwsEksTargetPlan = Omit<KubernetesTarget, "kind" | "context" | "kubeconfig"> & {
  readonly kind: "aws-eks";
  /** VPC, EKS and the GPU node groups sized from the models. */
  readonly aws: AwsEksPlan;
};
/** An aws-ec2 target as planned: a CPU control host running the docker services, and GPU instances for vLLM. */
export type AwsEc2TargetPlan = Omit<DockerTarget, "kind" | "host" | "gpu" | "ollama"> & {
  readonly kind: "aws-ec2";
  /** The control host, the GPU fleet's groups and load balancer, ElastiCache. */
  readonly aws: AwsEc2Plan;
};

/** Where the layer runs, as planned: one per target kind (`plan.target.kind`). */
export type PlannedTarget = DockerTargetPlan | KubernetesTargetPlan | AwsEksTargetPlan | AwsEc2TargetPlan;
export type TargetKind = PlannedTarget["kind"];

/**
 * Everything a target needs to place the layer: plain data, no Pulumi types. `Plan` is any target's plan;
 * `PlanFor<"docker">` one target's, which is what that target's components take (a wrong target does not compile).
 */
export interface Plan<T extends PlannedTarget = PlannedTarget> {
  readonly stack: string;
  readonly target: T;
  readonly models: readonly PlannedModel[];
  readonly gateway: GatewaySpec;
  readonly cache: CacheSpec;
  readonly monitoring: MonitoringSpec;
  /** Where alerts go: Alertmanager runs when a receiver's secret is set (ai-layer:slackWebhookUrl, …). */
  readonly alerting: { readonly slack: boolean; readonly pagerduty: boolean };
  /** The monthly budget, when the config sets one. */
  readonly budget?: BudgetSpec;
  /** Addresses of every service as other services reach them. */
  readonly services: Readonly<Record<ServiceName, ServiceAddress>>;
  /** Pinned image references by service (with the lock's digest when it has one). */
  readonly images: Readonly<Record<ImageName, string>>;
  /** The stack opted in to digests only (layer.security.requireImageDigests); the plan then has no tag-only image. */
  readonly requireImageDigests?: true;
  /** Context length Ollama serves every model with (OLLAMA_CONTEXT_LENGTH is global); docker only. */
  readonly ollamaContextLength?: number;
  readonly secrets: readonly SecretNeed[];
  /** URLs users open. */
  readonly urls: { readonly gateway: string; readonly grafana?: string; readonly prometheus?: string };
  /** At min and max scale; a month is 730 h. */
  readonly cost: {
    readonly perHourUsd: number;
    readonly perHourMaxUsd: number;
    readonly perMonthUsd: number;
    readonly perMonthMaxUsd: number;
  };
  /** Per-model $/h, $/month and $ per 1M output tokens, with the assumptions behind them (costModel.ts). */
  readonly costModel: CostModel;
  /** Things that work but deserve a look (slow CPU offload, little KV headroom, …). */
  readonly warnings: readonly string[];
}

export const isOllama = (m: PlannedModel): m is OllamaModel => m.runtime === "ollama";
export const isVllm = (m: PlannedModel): m is VllmModel => m.runtime === "vllm";
export const isRemote = (m: PlannedModel): m is RemoteModel => m.runtime === "remote";
export const isCloud = (m: PlannedModel): m is CloudModel => m.runtime === "runpod" || m.runtime === "modal";

/** The plan of one target kind (or of several: `PlanFor<"kubernetes" | "aws-eks">`). */
export type PlanFor<K extends TargetKind> = Plan<Extract<PlannedTarget, { kind: K }>>;
/** A layer on a Kubernetes cluster: an existing one, or the EKS cluster the stack creates. */
export type ClusterPlan = PlanFor<"kubernetes" | "aws-eks">;
/** A layer whose services run in Docker on one host: a docker target, or aws-ec2's control host. */
export type DockerHostPlan = PlanFor<"docker" | "aws-ec2">;

/** Narrows a plan to the given target kinds. */
export const planIs = <K extends TargetKind>(plan: Plan, ...kinds: K[]): plan is PlanFor<K> =>
  (kinds as TargetKind[]).includes(plan.target.kind);
export const onCluster = (plan: Plan): plan is ClusterPlan => planIs(plan, "kubernetes", "aws-eks");
export const onDockerHost = (plan: Plan): plan is DockerHostPlan => planIs(plan, "docker", "aws-ec2");

/** The plan of one target kind, or a plain error naming the one it has (a component given another target's plan). */
export function planFor<K extends TargetKind>(plan: Plan, what: string, ...kinds: K[]): PlanFor<K> {
  if (!planIs(plan, ...kinds))
    throw new Error(`${what} places ${kinds.join(" or ")} plans; this plan targets ${plan.target.kind}`);
  return plan;
}
