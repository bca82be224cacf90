import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PlannedTarget } from "../plan";
import type { KubeObject } from "./manifests/common";

type Ctor = new (name: string, args: any, opts?: pulumi.CustomResourceOptions) => pulumi.CustomResource;

/** Pulumi classes for the kinds the layer uses; anything else goes through CustomResource (CRDs such as KEDA's). */
const CLASSES: Record<string, Ctor> = {
  "v1/ConfigMap": k8s.core.v1.ConfigMap,
  "v1/Namespace": k8s.core.v1.Namespace,
  "v1/Secret": k8s.core.v1.Secret,
  "v1/Service": k8s.core.v1.Service,
  "v1/ServiceAccount": k8s.core.v1.ServiceAccount,
  "apps/v1/Deployment": k8s.apps.v1.Deployment,
  "apps/v1/DaemonSet": k8s.apps.v1.DaemonSet,
  "policy/v1/PodDisruptionBudget": k8s.policy.v1.PodDisruptionBudget,
  "autoscaling/v2/HorizontalPodAutoscaler": k8s.autoscaling.v2.HorizontalPodAutoscaler,
  "rbac.authorization.k8s.io/v1/Role": k8s.rbac.v1.Role,
  "rbac.authorization.k8s.io/v1/RoleBinding": k8s.rbac.v1.RoleBinding,
  "networking.k8s.io/v1/NetworkPolicy": k8s.networking.v1.NetworkPolicy,
};

/**
 * Registers one plain object with the provider. The logical name is `<namespace>/<name>` style without the
 * slash (`ai-layer-litellm`), unique per kind, so the plan's resources.json reads like `kubectl get`.
 */
export function applyObject(obj: KubeObject, opts: pulumi.CustomResourceOptions): pulumi.CustomResource {
  const cls = CLASSES[`${obj.apiVersion}/${obj.kind}`];
  const name = [obj.metadata.namespace, obj.metadata.name].filter(Boolean).join("-");
  if (cls) {
    const { apiVersion: _a, kind: _k, ...args } = obj;
    return new cls(name, args, opts);
  }
  return new k8s.apiextensions.CustomResource(name, obj as k8s.apiextensions.CustomResourceArgs, opts);
}

/**
 * A provider for the target's kubeconfig and explicit context: never whatever context is current. An aws-eks plan
 * has no context of its own: its provider comes from the cluster the stack creates (AwsEksCluster).
 */
export function targetProvider(name: string, target: PlannedTarget, parent: pulumi.Resource): k8s.Provider {
  if (target.kind !== "kubernetes")
    throw new Error(
      `${name}: an ${target.kind} plan needs the provider of its cluster (AwsEksCluster.provider)`,
    );
  return new k8s.Provider(
    `${name}-k8s`,
    { ...(target.kubeconfig ? { kubeconfig: target.kubeconfig } : {}), context: target.context },
    { parent },
  );
}
