import type { ModelKind, Precision } from "../catalog";
import type { CacheSpec, DockerTarget, GatewaySpec, MonitoringSpec } from "../spec";
import type { MemoryEstimate } from "./memory";

/** Where a model's weights live on a Docker host. */
export type Placement = "gpu" | "gpu+cpu" | "cpu";

/** A model resolved for its runtime. */
export interface PlannedModel {
  /** Name clients send. */
  readonly name: string;
  readonly catalogId: string;
  readonly kind: ModelKind;
  readonly runtime: "ollama";
  /** Ollama tag pulled and served. */
  readonly ollamaTag: string;
  readonly precision: Precision;
  /** Context window the model is served with, tokens. */
  readonly contextLength: number;
  readonly memory: MemoryEstimate;
  readonly placement: Placement;
}

/** A service inside the layer's network: its DNS name and port (the same for every client in the network). */
export interface ServiceAddress {
  readonly host: string;
  readonly port: number;
}

export type ServiceName = "ollama" | "gateway" | "redis" | "redisExporter" | "prometheus" | "grafana";

/** A secret the layer needs: read from secret config when set, else generated. */
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

/** Everything a target needs to place the layer: plain data, no Pulumi types. */
export interface Plan {
  readonly stack: string;
  readonly target: DockerTarget & { readonly gpuMemoryGiB?: number };
  readonly models: readonly PlannedModel[];
  readonly gateway: GatewaySpec;
  readonly cache: CacheSpec;
  readonly monitoring: MonitoringSpec;
  /** In-network addresses of every service. */
  readonly services: Readonly<Record<ServiceName, ServiceAddress>>;
  /** Pinned image references by service. */
  readonly images: Readonly<Record<ServiceName, string>>;
  /** Context length Ollama serves every model with (OLLAMA_CONTEXT_LENGTH is global). */
  readonly ollamaContextLength: number;
  readonly secrets: readonly SecretNeed[];
  /** URLs users open on the host. */
  readonly urls: { readonly gateway: string; readonly grafana?: string; readonly prometheus?: string };
  readonly cost: { readonly perHourUsd: number; readonly perMonthUsd: number };
  /** Things that work but deserve a look (slow CPU offload, …). */
  readonly warnings: readonly string[];
}
