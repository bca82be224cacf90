import type { ConfigProblem, LayerSpec, MonitoringSpec, TargetSpec } from "../spec";
import type { PricingKind } from "./costModel";
import type { SelfHosted } from "./planDocker";
import type { PlannedModel, PlannedTarget, Plan, ServiceAddress, ServiceName, TargetKind } from "./types";

/** What planning a target needs from the rest of the plan. */
export interface TargetPlanContext {
  readonly stack: string;
  /** Secret config keys the stack sets. */
  readonly provided: ReadonlySet<string>;
  /** Models the layer serves itself, with their catalog entries and config index. */
  readonly hosted: readonly SelfHosted[];
  /** The vLLM image the config pins (images.vllm) or the catalog's. */
  readonly vllmImage: string;
  /** A model name's index in layer.models, for problem paths. */
  readonly indexOf: (name: string) => number;
  readonly gateway: LayerSpec["gateway"];
  /** The date support phases are read at (YYYY-MM-DD). */
  readonly today: string;
  readonly problems: ConfigProblem[];
  readonly warnings: string[];
}

/** A target kind's spec and planned target. */
export type SpecTarget<K extends TargetKind> = Extract<TargetSpec, { kind: K }>;
export type TargetOf<K extends TargetKind> = Extract<PlannedTarget, { kind: K }>;

/** What a target's planning adds: its own part and the self-hosted models as it serves them. */
export interface PlacedTarget<K extends TargetKind> {
  readonly target: TargetOf<K>;
  readonly models: readonly PlannedModel[];
  /** OLLAMA_CONTEXT_LENGTH (docker only: Ollama's context is server-wide). */
  readonly ollamaContextLength?: number;
}

/**
 * One target kind, pure: how it places the models, where its services are, what it costs. Adding a target is one
 * entry (./targets.ts) plus its deploy function in the Pulumi layer (components/layers.ts).
 */
export interface TargetEntry<K extends TargetKind> {
  readonly kind: K;
  /** How the cost model prices the target's GPUs. */
  readonly pricing: PricingKind;
  /** Places the self-hosted models (runtime, GPU fit, replicas) and plans the target's own resources. */
  place(target: SpecTarget<K>, ctx: TargetPlanContext): PlacedTarget<K>;
  /** Every service's address as other services reach it (before existing Redis/Prometheus replace theirs). */
  services(target: TargetOf<K>): Readonly<Record<ServiceName, ServiceAddress>>;
  /** $/h of what the target runs at min and at max scale (hosts, nodes, replicas); GPU clouds are added apart. */
  hourlyUsd(
    target: TargetOf<K>,
    models: readonly PlannedModel[],
  ): { readonly min: number; readonly max: number };
  /** URLs users open. */
  urls(target: TargetOf<K>, services: Plan["services"], monitoring: MonitoringSpec): Plan["urls"];
}

/**
 * The URLs of a layer on one Docker host: the published ports, on the bind address (0.0.0.0 and :: → localhost;
 * an IPv6 address in brackets).
 */
export function dockerHostUrls(
  target: {
    readonly bindAddress: string;
    readonly ports: { gateway: number; grafana: number; prometheus: number };
  },
  monitoring: MonitoringSpec,
): Plan["urls"] {
  const bind = ["0.0.0.0", "::"].includes(target.bindAddress)
    ? "localhost"
    : target.bindAddress.includes(":")
      ? `[${target.bindAddress}]`
      : target.bindAddress;
  return {
    gateway: `http://${bind}:${target.ports.gateway}`,
    ...(monitoring.enabled
      ? {
          grafana: `http://${bind}:${target.ports.grafana}`,
          prometheus: `http://${bind}:${target.ports.prometheus}`,
        }
      : {}),
  };
}

/** The URLs of a layer in a cluster: the Services' in-cluster addresses, or the team's Prometheus. */
export function clusterUrls(services: Plan["services"], monitoring: MonitoringSpec): Plan["urls"] {
  const url = (s: ServiceName) => `http://${services[s].host}:${services[s].port}`;
  return {
    gateway: url("gateway"),
    ...(monitoring.existingPrometheus
      ? { prometheus: monitoring.existingPrometheus.url }
      : monitoring.enabled
        ? { grafana: url("grafana"), prometheus: url("prometheus") }
        : {}),
  };
}

/** $/h of vLLM replicas at min and max scale: every track's (stable and canary) replicas × $/replica-hour. */
export function replicaHourlyUsd(models: readonly PlannedModel[]): { min: number; max: number } {
  const bound = (b: "min" | "max") =>
    models.reduce(
      (sum, m) =>
        m.runtime === "vllm"
          ? sum + m.tracks.reduce((n, t) => n + t.replicas[b], 0) * m.usdPerReplicaHour
          : sum,
      0,
    );
  return { min: bound("min"), max: bound("max") };
}
