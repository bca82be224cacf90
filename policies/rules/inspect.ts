/** Helpers that read containers, images and ports out of Docker and Kubernetes resource inputs. */

export const DOCKER_CONTAINER = "docker:index/container:Container";
export const DOCKER_REMOTE_IMAGE = "docker:index/remoteImage:RemoteImage";

/** Kubernetes types that carry a pod template, and where it sits. */
const POD_SPEC_PATHS: Record<string, readonly string[]> = {
  Deployment: ["spec", "template", "spec"],
  StatefulSet: ["spec", "template", "spec"],
  DaemonSet: ["spec", "template", "spec"],
  ReplicaSet: ["spec", "template", "spec"],
  Job: ["spec", "template", "spec"],
  CronJob: ["spec", "jobTemplate", "spec", "template", "spec"],
  Pod: ["spec"],
};

/** `kubernetes:apps/v1:Deployment` → `Deployment`; undefined for other packages. */
export function kubeKind(type: string): string | undefined {
  const m = /^kubernetes:[^:]+:([A-Za-z]+)$/.exec(type);
  return m?.[1];
}

export const isObject = (v: unknown): v is Record<string, any> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

export const asArray = (v: unknown): any[] => (Array.isArray(v) ? v : []);

export interface KubeContainer {
  readonly name: string;
  readonly init: boolean;
  readonly spec: Record<string, any>;
}

/** Long-running workloads: the kinds whose containers need probes. */
export const LONG_RUNNING_KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Pod"]);

/** Every container (and init container) of a Kubernetes workload; [] for other types. */
export function kubeContainers(type: string, props: Record<string, any>): KubeContainer[] {
  const kind = kubeKind(type);
  // Own keys only: a kind named like an Object.prototype key (`constructor`) has no pod spec.
  const path = kind && Object.hasOwn(POD_SPEC_PATHS, kind) ? POD_SPEC_PATHS[kind] : undefined;
  if (!path) return [];
  let spec: unknown = props;
  for (const key of path) spec = isObject(spec) ? spec[key] : undefined;
  if (!isObject(spec)) return [];
  const list = (items: unknown, init: boolean) =>
    asArray(items)
      .filter(isObject)
      .map((c) => ({ name: String(c.name ?? "?"), init, spec: c }));
  return [...list(spec.initContainers, true), ...list(spec.containers, false)];
}

/** The value of a Docker container label (`labels: [{ label, value }]`). */
export function dockerLabel(props: Record<string, any>, label: string): string | undefined {
  const hit = asArray(props.labels).find((l) => isObject(l) && l.label === label);
  return typeof hit?.value === "string" ? hit.value : undefined;
}

/**
 * The image reference a Docker container runs. ai-layer containers run a RemoteImage's id (`sha256:…`) and name
 * the reference in the `ai-layer.image` label; other containers name the image directly.
 */
export function dockerImageRef(props: Record<string, any>): string | undefined {
  const label = dockerLabel(props, "ai-layer.image");
  if (label) return label;
  return typeof props.image === "string" ? props.image : undefined;
}

export interface ImageRef {
  /** Registry and path, without tag or digest: `ghcr.io/berriai/litellm`. */
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

/** Splits `registry:5000/path/name:tag@sha256:…`; the tag colon is the one after the last slash. */
export function parseImage(ref: string): ImageRef {
  let rest = ref.trim();
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const slash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  let tag: string | undefined;
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  return { repository: rest, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/** Whether an image's repository is one of `repos` (Docker Hub names also match their docker.io form). */
export function imageIs(ref: string | undefined, repos: readonly string[]): boolean {
  if (!ref) return false;
  const repo = parseImage(ref).repository.replace(/^(docker\.io\/)?(library\/)?/, "");
  return repos.some((r) => repo === r || repo.endsWith(`/${r}`));
}

/** A container's command line as one string (command + args, or Docker entrypoints + command). */
export function commandLine(...parts: unknown[]): string {
  return parts.flatMap((p) => asArray(p).map(String)).join(" ");
}
