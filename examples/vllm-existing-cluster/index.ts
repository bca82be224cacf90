// vLLM models added to a Kubernetes cluster a team already runs, scaled by KEDA on the team's own Prometheus.
// The cluster, its GPU nodes, KEDA, the NVIDIA device plugin and Prometheus exist: this program creates none of
// them, only each model's Deployment, Service, PodDisruptionBudget, ScaledObject and key Secret.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  parseLayerSpec,
  plan,
  renderKubernetesPrometheusConfig,
  VllmModelServer,
  type LayerSpecInput,
} from "ai-layer";

const config = new pulumi.Config();
/** kubeconfig of the team's cluster (a secret: it carries credentials). */
const kubeconfig = config.requireSecret("kubeconfig");
/** Namespace the models go into; it exists already. */
const namespace = config.get("namespace") ?? "ml";
/** The team's Prometheus as the cluster reaches it; KEDA queries it for vLLM's waiting requests. */
const prometheusUrl = config.get("prometheusUrl") ?? "http://prometheus-operated.monitoring.svc:9090";

const layerSpec = {
  target: {
    kind: "kubernetes",
    context: "team-cluster",
    namespace,
    // vLLM pods select GPU nodes by this label's value (the GPU type, e.g. L4) and tolerate nvidia.com/gpu:
    // label the team's nodes with it (kubectl label node <node> gpu.example.com/type=L4).
    gpuNodeLabel: "gpu.example.com/type",
    clusterHas: { keda: true, nvidiaDevicePlugin: true, dcgmExporter: true },
  },
  models: [
    { name: "chat", model: "llama-3.1-8b-instruct", gpu: { type: "L4" }, replicas: { min: 1, max: 4 } },
    { name: "embed", model: "nomic-embed-text-v1.5", gpu: { type: "L4" } },
  ],
  cache: { enabled: false },
  monitoring: { existingPrometheus: { url: prometheusUrl } },
} satisfies LayerSpecInput;

const layerPlan = plan(parseLayerSpec(layerSpec), {
  stack: pulumi.getStack(),
  providedSecrets: new Set(["hfToken"]),
});

// The team's cluster, explicitly: never whatever context is current on the machine running `pulumi up`.
const provider = new k8s.Provider("team-cluster", { kubeconfig });
const apiKey = config.requireSecret("vllmApiKey");
const hfToken = config.requireSecret("hfToken");
const servers = ["chat", "embed"].map(
  (model) => new VllmModelServer(model, { plan: layerPlan, model, apiKey, hfToken, provider }),
);

/** In-cluster OpenAI base URLs; callers send `Authorization: Bearer <vllmApiKey>`. */
export const urls = Object.fromEntries(servers.map((s, i) => [layerPlan.models[i]!.name, s.url]));
/** The scrape jobs to add to the team's Prometheus (vLLM pods of this namespace, by label). */
export const prometheusScrapeConfig = renderKubernetesPrometheusConfig(layerPlan, { namespace, dcgm: false });
