import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { isVllm, VLLM_PORT, vllmResourceName, type ClusterPlan, type Plan, type VllmModel } from "../plan";
import { applyObject, targetProvider } from "./apply";
import { meta, type KubeContext, type KubeObject } from "./manifests/common";
import { vllmManifests } from "./manifests/vllm";

export interface VllmModelServerArgs {
  /**
   * A plan of a kubernetes (or aws-eks) target holding the model: `plan(parseLayerSpec(layer), { stack })`. It
   * carries the model's GPU fit, vLLM arguments, replicas, canary and namespace.
   */
  readonly plan: ClusterPlan;
  /** The model to serve: its `layer.models[].name`. */
  readonly model: string;
  /** Key the vLLM server requires from its callers (Bearer). Secret. */
  readonly apiKey: pulumi.Input<string>;
  /** Hugging Face token for gated repositories (meta-llama/…). Secret. Default: none. */
  readonly hfToken?: pulumi.Input<string>;
  /**
   * Provider of the cluster to deploy to (a team's own). Default: one built from the plan's target kubeconfig and
   * context.
   */
  readonly provider?: k8s.Provider;
}

/** The model of a plan by name, as a vLLM model, or a plain error naming the ones that exist. */
export function vllmModelOf(plan: Plan, name: string): VllmModel {
  const model = plan.models.find((m) => m.name === name);
  if (!model || !isVllm(model))
    throw new Error(
      `VllmModelServer: no vLLM model "${name}" in the plan (vLLM models: ${
        plan.models
          .filter(isVllm)
          .map((m) => m.name)
          .join(", ") || "none"
      })`,
    );
  return model;
}

/**
 * One model served by vLLM on an existing cluster, without the rest of the layer: per track a Deployment on the
 * GPU nodes, a Service, a PodDisruptionBudget and, when the plan has monitoring (its own Prometheus or
 * `monitoring.existingPrometheus`), a KEDA ScaledObject; plus a Secret with its keys. The namespace, KEDA and
 * the NVIDIA device plugin must exist already. Call it from `<name>.<namespace>.svc:8000/v1` with the key.
 */
export class VllmModelServer extends pulumi.ComponentResource {
  /** In-cluster OpenAI base URL of the stable track, e.g. http://vllm-chat.ml.svc:8000/v1. */
  public readonly url: string;
  /** Name of the Secret holding the keys (vllmApiKey, hfToken). */
  public readonly secretName: string;
  /** The objects applied, as plain data (no secret values). */
  public readonly objects: readonly KubeObject[];

  constructor(name: string, args: VllmModelServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-layer:index:VllmModelServer", name, { model: args.model }, opts);
    const built = createVllmModelServer(name, args, this);
    this.url = built.url;
    this.secretName = built.secretName;
    this.objects = built.objects;
    this.registerOutputs({ url: this.url, secretName: this.secretName });
  }
}

/** @internal */
export function createVllmModelServer(name: string, args: VllmModelServerArgs, parent: pulumi.Resource) {
  const { plan } = args;
  const target = plan.target;
  const model = vllmModelOf(plan, args.model);
  const provider = args.provider ?? targetProvider(name, target, parent);
  // A Secret per model, so several servers (or the whole layer) can share a namespace.
  const secretName = `${vllmResourceName(model.name)}-keys`;
  const ctx: KubeContext = {
    namespace: target.namespace,
    stack: plan.stack,
    gpuNodeLabel: target.gpuNodeLabel,
    secretName,
    ...(target.storageClass ? { storageClass: target.storageClass } : {}),
  };
  const opts = { parent, provider };
  const secret = new k8s.core.v1.Secret(
    `${target.namespace}-${secretName}`,
    {
      metadata: meta(ctx, secretName, "secrets"),
      type: "Opaque",
      stringData: {
        vllmApiKey: pulumi.secret(args.apiKey),
        ...(args.hfToken !== undefined ? { hfToken: pulumi.secret(args.hfToken) } : {}),
      },
    },
    opts,
  );
  const objects = vllmManifests(ctx, plan, model);
  for (const obj of objects) {
    const deployment = obj.kind === "Deployment";
    applyObject(obj, {
      ...opts,
      dependsOn: [secret],
      // KEDA owns the replica count once running; a rollout downloads weights before it is ready.
      ...(deployment
        ? { ignoreChanges: ["spec.replicas"], customTimeouts: { create: "60m", update: "60m" } }
        : {}),
    });
  }
  return {
    provider,
    secret,
    objects,
    secretName,
    url: `http://${vllmResourceName(model.name)}.${target.namespace}.svc:${VLLM_PORT}/v1`,
  };
}
