import { VLLM_PORT, vllmResourceName, type Plan, type VllmModel, type VllmTrack } from "../../plan";
import { renderVllmArgs, VLLM_COMPONENT } from "../../render";
import {
  clusterIpService,
  GPU_TAINT,
  meta,
  podDisruptionBudget,
  secretEnv,
  selector,
  SURGE_ROLLOUT,
  type KubeContext,
  type KubeObject,
} from "./common";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "./podSecurity";

/** Same component label the Prometheus config discovers vLLM Services by. */
const COMPONENT = VLLM_COMPONENT;

/** First start downloads the weights: give the startup probe this long before liveness takes over, seconds. */
export const VLLM_STARTUP_BUDGET_SECONDS = 1800;

/** KEDA scales a track up when more than this many requests wait per replica (production-stack's default). */
export const WAITING_REQUESTS_PER_REPLICA = 5;

const gi = (n: number) => `${Math.ceil(n)}Gi`;

/**
 * vLLM runs as a non-root user. vllm/vllm-openai keeps USER root; vllm-project/vllm#40275 (opened 2026-04-19,
 * merged) adds to the vllm-base stage a user `vllm`, UID 2000, GID 0 (docs/deployment/docker.md, "Run as a non-root
 * user"). Whether the v0.25.1 image carries it could not be read at that tag (the stored Dockerfiles are older or
 * newer); nothing below depends on the passwd entry. The PR's wrapper docker/entrypoints/vllm-nonroot-entrypoint.sh
 * (used only by the opt-in vllm-openai-nonroot image) states what a non-root run needs: a writable $HOME, so every
 * cache that defaults to $HOME/.cache (Hugging Face, Triton, Inductor, vLLM, Numba, Outlines) lands on it; USER and
 * LOGNAME set, so getpass.getuser() (torch's cache init) never looks the UID up in /etc/passwd
 * (kserve/kserve#5666); and a writable working directory, else it changes to $HOME. The plain image runs `vllm
 * serve` without that wrapper, so the pod does the same itself: HOME and the working directory on an emptyDir, USER
 * and LOGNAME set, HF_HOME on the weight volume. The group is 2000, not the image's 0: docker.md leaves other
 * groups out of its support matrix only because they may be unable to write /home/vllm or /opt/uv/cache; /home/vllm
 * is an emptyDir here, which fsGroup makes writable, and /opt/uv/cache is uv's install cache, unused by `vllm
 * serve`. The root filesystem stays writable (not read-only): libraries that write to tempfile.gettempdir() find
 * the image's own /tmp, and JIT caches move between vLLM releases.
 */
export const VLLM_UID = 2000;
const VLLM_HOME = "/home/vllm";
/**
 * Where the weight volume mounts and HF_HOME points. Not the root image's /root/.cache/huggingface (HF_CACHE_PATH):
 * /root is closed to other users, so a non-root process could not reach a volume mounted below it.
 */
export const VLLM_WEIGHTS_PATH = "/var/cache/huggingface";

/** The vLLM Deployment of one track: GPUs, node placement, /dev/shm, weight cache, probes, secrets from env. */
export function vllmDeployment(ctx: KubeContext, model: VllmModel, track: VllmTrack): KubeObject {
  const name = vllmResourceName(track.id);
  const podLabels = {
    ...meta(ctx, name, COMPONENT).labels,
    "ai-layer.dev/model": model.name,
    "ai-layer.dev/track": track.track,
  };
  const gpus = String(model.gpu.count);
  // Host memory: vLLM stages weights through RAM on load; weights + 8 GiB covers the server and tokenizer.
  const memory = gi(model.fit.weightsGiB * model.gpu.count + 8);
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { ...meta(ctx, name, COMPONENT), labels: podLabels },
    spec: {
      replicas: track.replicas.min,
      selector: { matchLabels: selector(COMPONENT, name) },
      strategy: SURGE_ROLLOUT,
      template: {
        metadata: { labels: podLabels },
        spec: {
          securityContext: restrictedPodSecurityContext(VLLM_UID),
          // vLLM reads no Kubernetes API.
          automountServiceAccountToken: false,
          nodeSelector: { [ctx.gpuNodeLabel]: model.gpu.type },
          tolerations: [{ key: GPU_TAINT.key, operator: "Exists", effect: GPU_TAINT.effect }],
          terminationGracePeriodSeconds: 60,
          containers: [
            {
              name: "vllm",
              image: track.image,
              // The image's WORKDIR /vllm-workspace (docker/Dockerfile, vllm-base) is root's: start in $HOME, as
              // vllm-nonroot-entrypoint.sh does when the working directory is not writable.
              workingDir: VLLM_HOME,
              args: renderVllmArgs(model, track, VLLM_PORT),
              ports: [{ name: "http", containerPort: VLLM_PORT, protocol: "TCP" }],
              env: [
                secretEnv("VLLM_API_KEY", "vllmApiKey", false, ctx.secretName),
                // Both names are read (runtime-facts.md §B2); optional, so public models need no token.
                secretEnv("HF_TOKEN", "hfToken", true, ctx.secretName),
                { name: "HF_HOME", value: VLLM_WEIGHTS_PATH },
                { name: "HOME", value: VLLM_HOME },
                { name: "USER", value: "vllm" },
                { name: "LOGNAME", value: "vllm" },
              ],
              securityContext: restrictedContainerSecurityContext(false),
              resources: {
                requests: { cpu: String(2 * model.gpu.count), memory, "nvidia.com/gpu": gpus },
                limits: { memory, "nvidia.com/gpu": gpus },
              },
              volumeMounts: [
                { name: "dshm", mountPath: "/dev/shm" },
                { name: "weights", mountPath: VLLM_WEIGHTS_PATH },
                { name: "home", mountPath: VLLM_HOME },
              ],
              // The socket opens before the engine loads (vLLM issue #8204), so probe /health, not TCP.
              startupProbe: {
                httpGet: { path: "/health", port: "http" },
                periodSeconds: 10,
                failureThreshold: VLLM_STARTUP_BUDGET_SECONDS / 10,
              },
              readinessProbe: {
                httpGet: { path: "/health", port: "http" },
                periodSeconds: 5,
                failureThreshold: 3,
              },
              livenessProbe: {
                httpGet: { path: "/health", port: "http" },
                periodSeconds: 10,
                failureThreshold: 6,
              },
            },
          ],
          volumes: [
            // PyTorch uses shared memory between tensor-parallel workers; the default 64 MiB is far too small.
            { name: "dshm", emptyDir: { medium: "Memory", sizeLimit: gi(Math.max(2, 4 * model.gpu.count)) } },
            // Compile and JIT caches (torch.compile, Triton, FlashInfer) under $HOME/.cache, rebuilt per pod.
            { name: "home", emptyDir: { sizeLimit: "20Gi" } },
            {
              // One volume per pod, kept across container restarts, so a crash does not re-download the weights.
              name: "weights",
              ephemeral: {
                volumeClaimTemplate: {
                  metadata: { labels: selector(COMPONENT, name) },
                  spec: {
                    accessModes: ["ReadWriteOnce"],
                    ...(ctx.storageClass ? { storageClassName: ctx.storageClass } : {}),
                    resources: { requests: { storage: gi(model.weightCacheGiB) } },
                  },
                },
              },
            },
          ],
        },
      },
    },
  };
}

/**
 * KEDA ScaledObject for one track: scale on waiting requests of that Deployment. When the pool may reach zero a
 * second trigger on the gateway's request rate for the name wakes it: no vLLM pod means no waiting-requests
 * metric, while the gateway answers from the fallback and keeps counting requests.
 */
export function vllmScaledObject(
  ctx: KubeContext,
  plan: Plan,
  model: VllmModel,
  track: VllmTrack,
): KubeObject {
  const name = vllmResourceName(track.id);
  const replicas = track.replicas;
  const prometheus = `http://${plan.services.prometheus.host}:${plan.services.prometheus.port}`;
  const triggers: object[] = [
    {
      type: "prometheus",
      name: "waiting-requests",
      metadata: {
        serverAddress: prometheus,
        query: `sum(vllm:num_requests_waiting{deployment="${name}"}) or vector(0)`,
        threshold: String(WAITING_REQUESTS_PER_REPLICA),
      },
    },
  ];
  if (replicas.min === 0) {
    triggers.push({
      type: "prometheus",
      name: "gateway-requests",
      metadata: {
        serverAddress: prometheus,
        query: `sum(rate(litellm_proxy_total_requests_metric_total{requested_model="${model.name}"}[2m])) or vector(0)`,
        // Activation only: any traffic wakes the pool; waiting requests drive the scale beyond one.
        threshold: "1000",
        activationThreshold: "0",
      },
    });
  }
  return {
    apiVersion: "keda.sh/v1alpha1",
    kind: "ScaledObject",
    metadata: meta(ctx, name, COMPONENT),
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name },
      minReplicaCount: replicas.min,
      maxReplicaCount: replicas.max,
      pollingInterval: 15,
      // A GPU replica takes minutes to start; don't drop one the moment a queue empties.
      cooldownPeriod: 600,
      advanced: {
        horizontalPodAutoscalerConfig: {
          behavior: {
            scaleDown: {
              stabilizationWindowSeconds: 600,
              policies: [{ type: "Pods", value: 1, periodSeconds: 300 }],
            },
          },
        },
      },
      triggers,
    },
  };
}

/** Every object of one vLLM model: per track a Deployment, Service, PodDisruptionBudget and ScaledObject. */
export function vllmManifests(ctx: KubeContext, plan: Plan, model: VllmModel): KubeObject[] {
  return model.tracks.flatMap((track) => {
    const name = vllmResourceName(track.id);
    const service = clusterIpService(ctx, name, COMPONENT, name, VLLM_PORT);
    (service.metadata.labels as Record<string, string>)["ai-layer.dev/model"] = model.name;
    return [
      vllmDeployment(ctx, model, track),
      service,
      podDisruptionBudget(ctx, name, COMPONENT, name),
      // KEDA reads Prometheus; without monitoring the replica count stays fixed (the spec requires min = max).
      ...(plan.monitoring.enabled ? [vllmScaledObject(ctx, plan, model, track)] : []),
    ];
  });
}
