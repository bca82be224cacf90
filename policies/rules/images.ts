import { DOCKER_CONTAINER, DOCKER_REMOTE_IMAGE, dockerImageRef, kubeContainers, parseImage } from "./inspect";
import { resourceRule } from "./types";

const FLOATING_TAGS = [
  "latest",
  "main",
  "master",
  "main-latest",
  "main-stable",
  "nightly",
  "edge",
  "dev",
  "stable",
];

/**
 * Why a reference is not pinned, or undefined when it is. Pinned: a digest (`@sha256:` + 64 hex), or a tag
 * that carries a version number and is not a known floating tag (`v1.104.2`, `7.4.11-alpine`, `0.32.15`).
 * Docker image ids (`sha256:…`, what a container created from a RemoteImage runs) are content addresses.
 */
export function unpinnedReason(ref: string, floatingTags: readonly string[]): string | undefined {
  if (/^sha256:[0-9a-f]{64}$/.test(ref)) return undefined;
  const { tag, digest } = parseImage(ref);
  if (digest)
    return /^sha256:[0-9a-f]{64}$/.test(digest) ? undefined : `digest "${digest}" is not a sha256 digest`;
  if (!tag) return "has no tag, so it means :latest";
  if (floatingTags.includes(tag.toLowerCase())) return `uses the floating tag "${tag}"`;
  if (!/\d/.test(tag)) return `tag "${tag}" names no version`;
  return undefined;
}

export const imagesPinned = resourceRule({
  name: "images-pinned",
  description:
    "Every container image is pinned to a version tag or a sha256 digest (no latest, main-latest, main-stable, nightly): " +
    "Docker RemoteImage names and container images, and the containers of Kubernetes workloads.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediation:
    "Pin the image: set layer.images.<service> to a released version tag (e.g. ghcr.io/berriai/litellm:v1.104.2) " +
    "or a digest (…@sha256:<64 hex>), or drop the override to use the catalog's pinned default.",
  defaults: { floatingTags: FLOATING_TAGS },
  configSchema: {
    properties: {
      floatingTags: {
        type: "array",
        items: { type: "string" },
        default: FLOATING_TAGS,
        description: "Tags that move and so never count as pinned",
      },
    },
  },
  check(type, props, { config }) {
    const refs: { where: string; ref: unknown }[] = [];
    if (type === DOCKER_REMOTE_IMAGE) refs.push({ where: "image", ref: props.name });
    else if (type === DOCKER_CONTAINER) refs.push({ where: "container image", ref: dockerImageRef(props) });
    else
      for (const c of kubeContainers(type, props))
        refs.push({ where: `${c.init ? "init container" : "container"} ${c.name}`, ref: c.spec.image });
    return refs.flatMap(({ where, ref }) => {
      if (typeof ref !== "string") return [];
      const why = unpinnedReason(ref, config.floatingTags);
      return why ? [`${where} ${ref} ${why}`] : [];
    });
  },
});

const HELM_TYPES = new Set([
  "kubernetes:helm.sh/v3:Release",
  "kubernetes:helm.sh/v3:Chart",
  "kubernetes:helm.sh/v4:Chart",
]);

export const helmChartPinned = resourceRule({
  name: "helm-chart-pinned",
  description:
    "Every Helm release or chart names an exact chart version, so an upstream release never changes a deploy.",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediation:
    "Set `version` on the Helm Release/Chart to an exact chart version (e.g. 2.20.2), not a range.",
  defaults: {},
  check(type, props) {
    if (!HELM_TYPES.has(type)) return [];
    const chart = String(props.chart ?? "?");
    const version = props.version;
    if (typeof version !== "string" || version === "") return [`chart ${chart} has no version`];
    if (!/^v?\d+\.\d+\.\d+([-+][\w.-]+)?$/.test(version))
      return [`chart ${chart} version "${version}" is not exact`];
    return [];
  },
});
