import { IMAGE_DIGESTS } from "./imageDigests";

/**
 * Pinned container images, one place for every target. Never `latest`/`main-latest`/`main-stable`: a pinned tag
 * makes `up` reproducible and an upgrade a reviewed one-line change. Each tag was checked against the upstream
 * release workflow and tags (see the comment beside it).
 */
export const IMAGES = {
  // ollama/ollama release.yaml publishes semver tags without the "v"; v0.32.15 is the newest non-rc tag seen.
  ollama: "ollama/ollama:0.32.15",
  // The ghcr tag equals the release tag (_publish-container.yml). v1.104+ refuses a weak or unset master key,
  // which the stack never gives it (a generated 48-character sk- key). Past v1.104.6: v1.104.0–v1.104.6 can exit
  // at start-up with an ImportError when the remote cost map is unreachable (fixed in v1.104.7); v1.107.0 was a
  // compromised, yanked release. The e2e tier runs this same version from PyPI (test/e2e/requirements.txt;
  // test/e2e/pins.test.ts keeps the two equal).
  gateway: "ghcr.io/berriai/litellm:v1.104.9",
  // LiteLLM needs Redis >= 7.0 (litellm-docs prod.md). docker-library/official-images library/redis.
  redis: "redis:7.4.11-alpine",
  // FROM scratch: no shell, so no Docker healthcheck; Prometheus' `up` covers it.
  redisExporter: "oliver006/redis_exporter:v1.88.0",
  prometheus: "prom/prometheus:v3.14.0",
  grafana: "grafana/grafana:13.2.1",
  // prometheus/alertmanager git tag v0.34.0 (2026-08-16); prom/* images carry the "v" (like prom/prometheus).
  alertmanager: "prom/alertmanager:v0.34.0",
  // vllm-project/vllm .buildkite/scripts/publish-release-images.sh tags vllm/vllm-openai:v<version>; v0.25.1 is
  // the newest tag verified (its metric names and flags are what the renderers use). The default build is CUDA 13.
  vllm: "vllm/vllm-openai:v0.25.1",
  // NVIDIA/k8s-device-plugin deployments/static/nvidia-device-plugin.yml @v0.20.0.
  nvidiaDevicePlugin: "nvcr.io/nvidia/k8s-device-plugin:v0.20.0",
  // NVIDIA/dcgm-exporter deployment/values.yaml @4.5.3-4.8.2 (format <dcgm>-<exporter>-<flavour>).
  dcgmExporter: "nvcr.io/nvidia/k8s/dcgm-exporter:4.5.3-4.8.2-distroless",
} as const;

/**
 * Runpod's serverless vLLM worker and the vLLM it runs (Runpod models run this image, not `IMAGES.vllm`).
 * runpod-workers/worker-vllm @7a925039 (tag v2.25.2) Dockerfile: `ARG VLLM_VERSION=v0.27.1`,
 * `FROM vllm/vllm-openai:${VLLM_VERSION}` (README: "Current vLLM version: 0.27.1"). No worker tag runs the pinned
 * v0.25.1 (v2.23.0 installs vllm 0.23.0, v2.24.0 builds on v0.26.0, v2.25.0 on v0.27.0), so the versions differ and
 * the plan's summary says so.
 */
export const RUNPOD_WORKER = { image: "runpod/worker-v1-vllm:v2.25.2", vllmVersion: "v0.27.1" } as const;

/** Helm charts, pinned like images. kedacore/charts keda/Chart.yaml @v2.20.2 (version = appVersion = 2.20.2). */
export const CHARTS = {
  keda: { chart: "keda", version: "2.20.2", repo: "https://kedacore.github.io/charts" },
} as const;

export type ImageName = keyof typeof IMAGES;

/** A sha256 image digest as registries and the Docker daemon verify it. */
const SHA256_DIGEST = /^sha256:[0-9a-f]{64}$/;

/**
 * An image reference with the lock's digest joined on (`repo:tag@sha256:<64 hex>`) when the lock
 * (components/catalog/imageDigests.ts, filled by `npm run images:lock`) holds one for exactly this reference;
 * otherwise the reference as given, pinned by its tag only. A reference that already carries a digest is kept.
 * Every image a layer runs goes through here (the plan's images, the Runpod worker). Consumers take the joined
 * form: @pulumi/docker 5.2.0 RemoteImage `name` is "the name of the Docker image, including any tags or SHA256
 * repo digests" (remoteImage.d.ts); a Kubernetes container `image` and `docker run`/`docker pull` parse it with
 * the distribution reference grammar (`name[:tag][@digest]`, github.com/distribution/reference regexp.go, which
 * components/spec/names.ts implements).
 */
export function lockedImage(ref: string, digests: Readonly<Record<string, string>> = IMAGE_DIGESTS): string {
  if (ref.includes("@")) return ref;
  const digest = digests[ref];
  if (digest === undefined) return ref;
  if (!SHA256_DIGEST.test(digest))
    throw new Error(
      `components/catalog/imageDigests.ts: the digest of ${ref} is "${digest}", not sha256:<64 hex>; ` +
        "run npm run images:lock again where the registries are reachable",
    );
  return `${ref}@${digest}`;
}

/** Whether a reference names its image by content (`…@sha256:<64 hex>`), so a re-pointed tag cannot change it. */
export const isDigestPinned = (ref: string): boolean => SHA256_DIGEST.test(ref.split("@")[1] ?? "");

/** Every image reference the catalog pins (what `npm run images:lock` resolves), without digests. */
export function catalogImageRefs(): string[] {
  return [...new Set([...Object.values(IMAGES), RUNPOD_WORKER.image])].sort();
}
