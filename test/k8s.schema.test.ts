// Every Kubernetes object the shipped kubernetes stacks register, validated against the official schemas
// (kubernetes-models, KEDA's CRD models) and type-checked for unknown fields; plus a richer config built with
// kubernetesObjects() (canary, load-balancer gateway, fp8 KV cache, a cluster that already runs the agents).
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runOffline, SECRET_MASK, type PlannedResource } from "../bin/offline/run";
import { readStackFile } from "../bin/offline/stackFile";
import { kubernetesEndpoints, kubernetesObjects } from "../components/kubernetes/layer";
import type { KubeContext } from "../components/kubernetes/manifests/common";
import { plan as makePlan } from "../components/plan";
import { renderLayerFiles } from "../components/render";
import { parseLayerSpec } from "../components/spec";
import type { Json } from "./helpers/kubeLayer";
import { kubeTypeErrors, validateKubeObject, type AnyKubeObject } from "./helpers/kubeSchema";

const STACKS = join(__dirname, "..", "stacks");

/** Stack files whose ai-layer:layer targets a Kubernetes cluster (kubernetes or aws-eks), discovered by reading every stacks/Pulumi.*.yaml. */
const kubernetesStacks = readdirSync(STACKS)
  .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f))
  .filter((m): m is RegExpExecArray => !!m)
  .map((m) => ({ stack: m[1]!, config: readStackFile(join(STACKS, m[0])) }))
  .filter(({ config }) => {
    const layer = config.values["ai-layer:layer"];
    return layer !== undefined && ["kubernetes", "aws-eks"].includes(JSON.parse(layer).target?.kind);
  });

/** Resources that are not cluster objects: the provider (a pulumi: type anyway) and KEDA's Helm release. */
const NOT_AN_OBJECT = new Set(["kubernetes:helm.sh/v3:Release"]);

/** The object the provider would send: typed resources and CustomResources both keep apiVersion/kind in inputs. */
function toObject(r: PlannedResource): AnyKubeObject {
  const inputs = structuredClone(r.inputs) as Json;
  const [, group, kind] = /^kubernetes:(.+):(\w+)$/.exec(r.type)!;
  const apiVersion = group!.startsWith("core/") ? group!.slice("core/".length) : group!;
  expect(inputs.apiVersion, `${r.type} ${r.name} apiVersion`).toBe(apiVersion);
  expect(inputs.kind, `${r.type} ${r.name} kind`).toBe(kind);
  if (inputs.kind === "Secret") {
    // The mock runtime masks secret inputs as "[secret]" (a string where a map belongs); the values are not
    // knowable offline, so an empty map stands in for them. The Secret's other fields are validated as is.
    for (const field of ["stringData", "data"]) {
      if (inputs[field] === SECRET_MASK) inputs[field] = {};
    }
  }
  return { apiVersion: inputs.apiVersion, kind: inputs.kind, ...inputs };
}

it("at least the staging stack targets kubernetes", () => {
  expect(kubernetesStacks.map((s) => s.stack)).toContain("staging");
});

describe.each(kubernetesStacks.map((s) => [s.stack, s] as const))("stack %s", (stack, { config }) => {
  let cluster: PlannedResource[] = [];
  let objects: AnyKubeObject[] = [];

  it("runs on mocks; every kubernetes resource but the Helm release becomes an object", async () => {
    const { resources } = await runOffline(stack, config);
    cluster = resources.filter((r) => r.type.startsWith("kubernetes:"));
    const k8sCount = resources.filter((r) =>
      /^(kubernetes:|pulumi:providers:kubernetes$)/.test(r.type),
    ).length;
    const providers = resources.filter((r) => r.type === "pulumi:providers:kubernetes").length;
    const releases = cluster.filter((r) => NOT_AN_OBJECT.has(r.type)).length;
    objects = cluster.filter((r) => !NOT_AN_OBJECT.has(r.type)).map(toObject);
    // Nothing silently skipped: validated = kubernetes resources − provider − Helm release.
    expect(objects).toHaveLength(k8sCount - providers - releases);
    expect(providers).toBe(1);
    expect(objects.length).toBeGreaterThan(20);
    expect(objects.map((o) => o.kind)).toEqual(
      expect.arrayContaining(["Namespace", "Secret", "Deployment", "ScaledObject", "PodDisruptionBudget"]),
    );
  }, 60_000);

  it("every object validates against its official schema", () => {
    expect(objects.length).toBeGreaterThan(0);
    const failures: string[] = [];
    for (const o of objects) {
      try {
        validateKubeObject(o);
      } catch (e) {
        failures.push((e as Error).message);
      }
    }
    expect(failures).toEqual([]);
  });

  it("no object has unknown or mistyped fields", () => {
    expect(objects.length).toBeGreaterThan(0);
    expect(kubeTypeErrors(objects)).toEqual([]);
  }, 60_000);
});

describe("a richer kubernetes config through kubernetesObjects()", () => {
  const spec = parseLayerSpec({
    target: {
      kind: "kubernetes",
      context: "prod",
      namespace: "ai",
      clusterHas: { keda: true, nvidiaDevicePlugin: true, dcgmExporter: true },
      gateway: { expose: "load-balancer", sourceRanges: ["203.0.113.0/24", "198.51.100.0/24"] },
      storageClass: "gp3",
    },
    models: [
      {
        name: "chat",
        model: "llama-3.1-8b-instruct",
        contextLength: 16384,
        kvCacheDtype: "fp8",
        gpu: { type: "L4" },
        replicas: { min: 1, max: 4 },
        revision: "0e9e39f249a16976918f6564b8830bc894c89659",
        canary: { weight: 10, revision: "abc123" },
      },
      {
        name: "big",
        model: "llama-3.1-70b-instruct",
        precision: "fp8",
        gpu: { type: "H100", count: 2 },
        replicas: { min: 0, max: 2 },
      },
      { name: "embed", model: "nomic-embed-text-v1.5", gpu: { type: "L4" } },
      { name: "overflow", remote: { provider: "openai", model: "gpt-4o-mini" } },
    ],
    gateway: { replicas: { min: 2, max: 5 }, fallbacks: { big: ["overflow"] } },
  });
  const plan = makePlan(spec, { stack: "prod", providedSecrets: new Set(["hfToken", "openaiApiKey"]) });
  const ctx: KubeContext = {
    namespace: "ai",
    stack: "prod",
    gpuNodeLabel: "ai-layer.dev/gpu",
    storageClass: "gp3",
  };
  const objects = kubernetesObjects(plan, ctx, renderLayerFiles(plan, kubernetesEndpoints(plan))) as Json[];

  it("has what the config asks for: canary track, LoadBalancer gateway, HPA, no node agents", () => {
    const names = (kind: string) => objects.filter((o) => o.kind === kind).map((o) => o.metadata.name);
    expect(names("Deployment")).toEqual(
      expect.arrayContaining(["vllm-chat", "vllm-chat-canary", "vllm-big", "vllm-embed", "litellm"]),
    );
    expect(names("ScaledObject").sort()).toEqual(["vllm-big", "vllm-chat", "vllm-chat-canary", "vllm-embed"]);
    expect(names("HorizontalPodAutoscaler")).toEqual(["litellm"]);
    expect(names("DaemonSet")).toEqual([]);
    const svc = objects.find((o) => o.kind === "Service" && o.metadata.name === "litellm");
    expect(svc.spec.type).toBe("LoadBalancer");
    const chat = objects.find((o) => o.kind === "Deployment" && o.metadata.name === "vllm-chat");
    expect(chat.spec.template.spec.containers[0].args).toEqual(
      expect.arrayContaining(["--kv-cache-dtype", "fp8"]),
    );
    const weights = chat.spec.template.spec.volumes.find((v: Json) => v.ephemeral);
    expect(weights.ephemeral.volumeClaimTemplate.spec.storageClassName).toBe("gp3");
  });

  it("every object validates against its official schema", () => {
    const failures: string[] = [];
    for (const o of objects) {
      try {
        validateKubeObject(o);
      } catch (e) {
        failures.push((e as Error).message);
      }
    }
    expect(failures).toEqual([]);
    expect(objects.length).toBeGreaterThan(20);
  });

  it("no object has unknown or mistyped fields", () => {
    expect(kubeTypeErrors(objects)).toEqual([]);
  }, 60_000);

  it("negative control: a misspelt field and a bad quantity in a vLLM Deployment are caught", () => {
    const broken = structuredClone(
      objects.find((o) => o.metadata.name === "vllm-big" && o.kind === "Deployment"),
    );
    broken.spec.template.spec.containers[0].resources.limits["nvidia.com/gpu"] = "two";
    expect(() => validateKubeObject(broken)).toThrow(/vllm-big/);
    const misspelt = structuredClone(broken);
    misspelt.spec.template.spec.tolerashuns = [];
    expect(kubeTypeErrors([misspelt]).join("\n")).toMatch(/tolerashuns/);
  }, 60_000);
});
