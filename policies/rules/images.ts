import {
  DOCKER_CONTAINER,
  DOCKER_REMOTE_IMAGE,
  dockerImageRef,
  isObject,
  kubeContainers,
  parseImage,
} from "./inspect";
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

const SHA256 = /^sha256:[0-9a-f]{64}$/;
const COMMAND = "command:local:Command";
const USER_DATA_TYPES = new Set(["aws:ec2/instance:Instance", "aws:ec2/launchTemplate:LaunchTemplate"]);

/** User data as text: EC2 launch templates take it base64-encoded, instances as plain text. */
function userDataText(v: unknown): string {
  if (typeof v !== "string") return "";
  if (v.startsWith("#!")) return v;
  return /^[A-Za-z0-9+/]+={0,2}$/.test(v) ? Buffer.from(v, "base64").toString("utf8") : v;
}

/**
 * The image references a resource names, with where: Docker RemoteImages and containers, Kubernetes containers,
 * the boot scripts of EC2 hosts (`pull_image '<ref>'`, `IMAGE='<ref>'`, components/render/bootScript.ts and
 * vllmUserData.ts), and the commands that create a Runpod endpoint (RUNPOD_ENDPOINT_SPEC's `image`) or deploy a
 * Modal app (AI_LAYER_MODAL_APP's `VLLM_IMAGE = "<ref>"`; secret in the offline plan, so seen only by the pack).
 */
export function imageRefsOf(type: string, props: Record<string, any>): { where: string; ref: string }[] {
  const refs: { where: string; ref: unknown }[] = [];
  if (type === DOCKER_REMOTE_IMAGE) refs.push({ where: "image", ref: props.name });
  else if (type === DOCKER_CONTAINER) {
    // A container created from a RemoteImage runs its id, a content address (the RemoteImage is checked itself);
    // one that names a reference directly is checked here.
    if (!(typeof props.image === "string" && SHA256.test(props.image)))
      refs.push({ where: "container image", ref: props.image });
  } else if (USER_DATA_TYPES.has(type)) {
    const text = userDataText(props.userData);
    for (const m of text.matchAll(/(?:pull_image |readonly IMAGE=)'([^']+)'/g))
      refs.push({ where: "user data image", ref: m[1] });
  } else if (type === COMMAND && isObject(props.environment)) {
    const env = props.environment;
    if (typeof env.RUNPOD_ENDPOINT_SPEC === "string") {
      try {
        refs.push({ where: "Runpod worker image", ref: JSON.parse(env.RUNPOD_ENDPOINT_SPEC).image });
      } catch {
        // Not JSON: nothing to read.
      }
    }
    if (typeof env.AI_LAYER_MODAL_APP === "string")
      for (const m of env.AI_LAYER_MODAL_APP.matchAll(/^VLLM_IMAGE = "([^"]+)"$/gm))
        refs.push({ where: "Modal app image", ref: m[1] });
  } else
    for (const c of kubeContainers(type, props))
      refs.push({ where: `${c.init ? "init container" : "container"} ${c.name}`, ref: c.spec.image });
  return refs.filter((r): r is { where: string; ref: string } => typeof r.ref === "string");
}

/**
 * Tag-only images: a registry can re-point a tag (a compromised release under a trusted name), and the next node
 * or host that pulls it runs the new content. Advisory by default; mandatory for a stack that opts in with
 * layer.security.requireImageDigests (the program exports requireImageDigests, which the evaluator reads), or
 * with `"images-pinned-by-digest": "mandatory"` in policies/config/<stack>.json (the CrossGuard pack's way).
 */
export const imagesPinnedByDigest = resourceRule({
  name: "images-pinned-by-digest",
  description:
    "Every container image names its content: repo:tag@sha256:<64 hex>, so a re-pointed tag cannot change what " +
    "runs (Docker images and containers, Kubernetes containers, EC2 boot scripts, the Runpod worker, the Modal app).",
  severity: "medium",
  enforcementLevel: "advisory",
  mandatoryWhenStackOutput: "requireImageDigests",
  remediation:
    "Run `npm run images:lock` where the registries are reachable (fills components/catalog/imageDigests.ts), or " +
    "set layer.images.<service> to repo:tag@sha256:<digest>. README: Image pinning.",
  defaults: {},
  check(type, props) {
    return imageRefsOf(type, props)
      .filter(({ ref }) => !SHA256.test(parseImage(ref).digest ?? ""))
      .map(({ where, ref }) => `${where} ${ref} is pinned by tag only`);
  },
});
