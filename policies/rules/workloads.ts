import {
  DOCKER_CONTAINER,
  LONG_RUNNING_KINDS,
  commandLine,
  dockerImageRef,
  imageIs,
  isObject,
  kubeContainers,
  kubeKind,
} from "./inspect";
import { userDataText } from "./secrets";
import { resourceRule } from "./types";

export const containerResourceLimits = resourceRule({
  name: "container-resource-limits",
  description:
    "Every container has a memory limit: Kubernetes containers set resources.limits.memory; Docker containers set " +
    "`memory` (MB). A model server without one can take the node's memory and every neighbour with it.",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediation:
    "Kubernetes: give the container resources.limits.memory (ai-layer sizes vLLM from the plan). Docker: set the " +
    "container's `memory` (MB). Docker is checked where a stack's config sets checkDocker (dev: advisory, since a " +
    "laptop's Docker shares one VM's memory; staging/prod: mandatory).",
  defaults: { checkDocker: false },
  configSchema: {
    properties: {
      checkDocker: {
        type: "boolean",
        default: true,
        description: "Also require `memory` on Docker containers",
      },
    },
  },
  check(type, props, { config }) {
    if (type === DOCKER_CONTAINER) {
      if (!config.checkDocker) return [];
      return typeof props.memory === "number" && props.memory > 0 ? [] : ["container has no memory limit"];
    }
    return kubeContainers(type, props)
      .filter((c) => !isObject(c.spec.resources?.limits) || c.spec.resources.limits.memory === undefined)
      .map((c) => `${c.init ? "init container" : "container"} ${c.name} has no resources.limits.memory`);
  },
});

/** Images whose containers cannot carry a probe, with the reason (shown in the docs and the config schema). */
export const PROBE_EXEMPT = {
  docker: {
    "oliver006/redis_exporter": "a scratch image: no shell, curl or wget for a Docker healthcheck to run",
  },
  kubernetes: {
    "nvcr.io/nvidia/k8s-device-plugin":
      "serves no health endpoint; the kubelet's device registration is its health",
  },
} as const;

export const containerHealthProbes = resourceRule({
  name: "container-health-probes",
  description:
    "Every long-running container reports health: Kubernetes containers have a readinessProbe, or a startupProbe " +
    "and a livenessProbe; Docker containers have a healthcheck. Images that cannot run one are allow-listed with " +
    `the reason (${Object.entries({ ...PROBE_EXEMPT.docker, ...PROBE_EXEMPT.kubernetes })
      .map(([image, why]) => `${image}: ${why}`)
      .join("; ")}).`,
  severity: "medium",
  enforcementLevel: "mandatory",
  remediation:
    "Add a readinessProbe (and a livenessProbe/startupProbe for slow starters like vLLM) on the container's health " +
    "endpoint, or a Docker healthcheck; for an image without a shell, add it to this rule's exempt list with the reason.",
  defaults: {
    exemptDockerImages: Object.keys(PROBE_EXEMPT.docker),
    exemptKubernetesImages: Object.keys(PROBE_EXEMPT.kubernetes),
  },
  configSchema: {
    properties: {
      exemptDockerImages: {
        type: "array",
        items: { type: "string" },
        default: Object.keys(PROBE_EXEMPT.docker),
      },
      exemptKubernetesImages: {
        type: "array",
        items: { type: "string" },
        default: Object.keys(PROBE_EXEMPT.kubernetes),
      },
    },
  },
  check(type, props, { config }) {
    if (type === DOCKER_CONTAINER) {
      if (imageIs(dockerImageRef(props), config.exemptDockerImages)) return [];
      const tests = Array.isArray(props.healthcheck?.tests) ? props.healthcheck.tests : [];
      return tests.length > 0 && tests[0] !== "NONE" ? [] : ["container has no healthcheck"];
    }
    const kind = kubeKind(type);
    if (!kind || !LONG_RUNNING_KINDS.has(kind)) return [];
    return kubeContainers(type, props)
      .filter((c) => !c.init && !imageIs(c.spec.image, config.exemptKubernetesImages))
      .filter((c) => !c.spec.readinessProbe && !(c.spec.startupProbe && c.spec.livenessProbe))
      .map((c) => `container ${c.name} has no readinessProbe (nor a startupProbe with a livenessProbe)`);
  },
});

// Quoted arguments count too: a script may pass them one per line, shell-quoted ('--max-model-len' '8192').
const MAX_MODEL_LEN = /--max-model-len['"]?(=|\s+)['"]?[^\s'"]+/;
const VLLM_IMAGES = ["vllm/vllm-openai"];

export const vllmMaxModelLen = resourceRule({
  name: "vllm-max-model-len",
  description:
    "Every vLLM server is started with --max-model-len. Without it vLLM sizes the KV cache for the model's full " +
    "context (128k for Llama 3.1) and either refuses to start or holds a fraction of the expected sequences.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediation:
    "Set contextLength on the model in the layer config (ai-layer renders --max-model-len from it), or add " +
    "--max-model-len <tokens> to the container's args.",
  defaults: { vllmImages: VLLM_IMAGES },
  configSchema: {
    properties: {
      vllmImages: {
        type: "array",
        items: { type: "string" },
        default: VLLM_IMAGES,
        description: "vLLM image repos",
      },
    },
  },
  check(type, props, { config }) {
    if (type === DOCKER_CONTAINER) {
      if (!imageIs(dockerImageRef(props), config.vllmImages)) return [];
      return MAX_MODEL_LEN.test(commandLine(props.entrypoints, props.command))
        ? []
        : ["vLLM container has no --max-model-len"];
    }
    if (type === "aws:ec2/instance:Instance" || type === "aws:ec2/launchTemplate:LaunchTemplate") {
      const text = userDataText(props);
      const runsVllm = config.vllmImages.some((i: string) => text.includes(i)) || /\bvllm serve\b/.test(text);
      return runsVllm && !MAX_MODEL_LEN.test(text) ? ["user data starts vLLM without --max-model-len"] : [];
    }
    return kubeContainers(type, props)
      .filter((c) => imageIs(c.spec.image, config.vllmImages))
      .filter((c) => !MAX_MODEL_LEN.test(commandLine(c.spec.command, c.spec.args)))
      .map((c) => `vLLM container ${c.name} has no --max-model-len`);
  },
});
