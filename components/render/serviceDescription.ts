// The shape of a service description (components/render/services.ts builds them from the plan); every target maps
// these fields: docker.Container (components/docker/common.ts), the control host's `docker run`
// (hostContainer.ts), and the Kubernetes pod specs (components/kubernetes/manifests).
import type { LayerSecretKey } from "../plan";
import type { FileKey } from "./layerFiles";

/** The role of a container; labels it (`ai-layer.service`) and names it on a host (`ai-layer-<id>`). */
export type ServiceId =
  "ollama" | "cache" | "cache-exporter" | "gateway" | "prometheus" | "grafana" | "alertmanager";

/** One env var: a plain value, a layer secret (by config key), or a value the target knows only once deployed. */
export type ServiceEnv =
  | { readonly name: string; readonly value: string }
  | { readonly name: string; readonly secret: LayerSecretKey }
  | { readonly name: string; readonly deployTime: string };

/** A rendered file placed in the container. */
export interface ServiceFile {
  readonly key: FileKey;
  /** Its path under `files/` (RenderedFile.path). */
  readonly path: string;
  /** Absolute path inside the container. */
  readonly mountPath: string;
  readonly executable?: boolean;
}

/** A Docker-style health check (`test` as Docker takes it); Kubernetes targets map it to their own probes. */
export interface ServiceHealth {
  readonly test: readonly string[];
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly retries: number;
  readonly startPeriodSeconds: number;
  readonly startIntervalSeconds?: number;
  /** How long a deploy waits for the container to turn healthy, seconds. */
  readonly waitSeconds: number;
}

export interface ServiceDescription {
  readonly id: ServiceId;
  /** Alias other services reach it by, and its container port. */
  readonly address: { readonly host: string; readonly port: number };
  /** Pinned image reference. */
  readonly image: string;
  /** Replaces the image's entrypoint (Kubernetes: `command`). */
  readonly entrypoint?: readonly string[];
  /** Arguments after the entrypoint, replacing the image's CMD (Kubernetes: `args`). */
  readonly args?: readonly string[];
  readonly env: readonly ServiceEnv[];
  readonly files: readonly ServiceFile[];
  /** Named volumes that outlive the container (model weights, the TSDB), by role. */
  readonly volumes: readonly { readonly name: string; readonly mountPath: string }[];
  /** Memory limit, MiB. */
  readonly memoryMb?: number;
  /** Published on the host: for clients (`client`) or operators only (`operator`), on this host port. */
  readonly publish?: { readonly to: "client" | "operator"; readonly hostPort: number };
  readonly health?: ServiceHealth;
  /** Services that must be up first. */
  readonly after: readonly ServiceId[];
  /** GPUs handed to the container (NVIDIA runtime); docker only. */
  readonly gpus?: number;
  /**
   * Extra /etc/hosts entries; `host-gateway` is Docker's name for the host (moby/moby#40007, Docker ≥20.10: the
   * default bridge's IP on Linux; Docker Desktop resolves host.docker.internal itself). Docker only.
   */
  readonly extraHosts?: readonly { readonly host: string; readonly ip: string }[];
}
