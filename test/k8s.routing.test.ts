// Routing on the kubernetes target: canary tracks and their gateway weights, scale-to-zero behind a fallback,
// remote models, dev/staging name parity, gateway replicas sharing Redis, and how the gateway is exposed.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { readStackFile } from "../bin/offline/stackFile";
import { kubernetesEndpoints, kubernetesObjects } from "../components/kubernetes/layer";
import type { KubeContext } from "../components/kubernetes/manifests/common";
import { plan as makePlan, type Plan, planFor } from "../components/plan";
import { renderLayerFiles } from "../components/render";
import { LayerConfigError, parseLayerSpec } from "../components/spec";
import type { Json } from "./helpers/kubeLayer";

const NS = "ai";
type Layer = Record<string, unknown> & { models: Json[] };

function build(layer: Layer, secrets: string[] = ["hfToken", "openaiApiKey"]) {
  const spec = parseLayerSpec({
    ...layer,
    target: { kind: "kubernetes", context: "c", namespace: NS, ...(layer.target as object) },
  });
  const plan = planFor(
    makePlan(spec, { stack: "test", providedSecrets: new Set(secrets) }),
    "test",
    "kubernetes",
  );
  const ctx: KubeContext = { namespace: NS, stack: "test", gpuNodeLabel: "ai-layer.dev/gpu" };
  const files = renderLayerFiles(plan, kubernetesEndpoints(plan));
  const objects = kubernetesObjects(plan, ctx, files) as Json[];
  const find = (kind: string, name: string): Json => {
    const found = objects.filter((o) => o.kind === kind && o.metadata.name === name);
    expect(found, `${kind} ${name}`).toHaveLength(1);
    return found[0];
  };
  return { plan, objects, find, litellm: parse(files.litellmConfig!.content) as Json };
}

function problems(layer: Layer, secrets: string[] = ["hfToken", "openaiApiKey"]) {
  try {
    build(layer, secrets);
  } catch (e) {
    expect(e).toBeInstanceOf(LayerConfigError);
    return (e as LayerConfigError).problems;
  }
  throw new Error("expected the config to be rejected");
}

const chat = (extra: Json = {}) => ({
  name: "chat",
  model: "llama-3.1-8b-instruct",
  gpu: { type: "L4" },
  ...extra,
});
const overflow = { name: "overflow", remote: { provider: "openai", model: "gpt-4o-mini" } };
const args = (d: Json): string[] => d.spec.template.spec.containers[0].args;
const entriesFor = (cfg: Json, name: string) => cfg.model_list.filter((m: Json) => m.model_name === name);

describe("canary", () => {
  const { find, objects, litellm } = build({
    models: [chat({ canary: { revision: "abc123", weight: 10 } })],
  });

  it("two Deployments, vllm-chat and vllm-chat-canary; only the canary pins --revision abc123", () => {
    const names = objects.filter((o) => o.kind === "Deployment" && o.metadata.name.startsWith("vllm-"));
    expect(names.map((d) => d.metadata.name).sort()).toEqual(["vllm-chat", "vllm-chat-canary"]);
    const canary = args(find("Deployment", "vllm-chat-canary"));
    expect(canary[canary.indexOf("--revision") + 1]).toBe("abc123");
    expect(args(find("Deployment", "vllm-chat"))).not.toContain("--revision");
    // Both serve the same name, so the gateway's model name maps to either.
    for (const d of ["vllm-chat", "vllm-chat-canary"]) {
      const a = args(find("Deployment", d));
      expect(a[a.indexOf("--served-model-name") + 1]).toBe("chat");
    }
  });

  it("each track's Service selects only its own pods", () => {
    for (const [svc, other] of [
      ["vllm-chat", "vllm-chat-canary"],
      ["vllm-chat-canary", "vllm-chat"],
    ]) {
      const sel = find("Service", svc!).spec.selector;
      const matches = (d: string) =>
        Object.entries(sel).every(([k, v]) => find("Deployment", d).spec.template.metadata.labels[k] === v);
      expect(matches(svc!), svc).toBe(true);
      expect(matches(other!), `${svc} must not select ${other}`).toBe(false);
    }
  });

  it("the gateway splits chat 90/10 between the two Services as hosted_vllm/chat", () => {
    const entries = entriesFor(litellm, "chat");
    expect(entries).toHaveLength(2);
    expect(entries.map((e: Json) => e.litellm_params)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          model: "hosted_vllm/chat",
          api_base: `http://vllm-chat.${NS}.svc:8000/v1`,
          weight: 90,
        }),
        expect.objectContaining({
          model: "hosted_vllm/chat",
          api_base: `http://vllm-chat-canary.${NS}.svc:8000/v1`,
          weight: 10,
        }),
      ]),
    );
    // The api_base hosts are real Services of the layer.
    for (const e of entries) {
      const host = new URL(e.litellm_params.api_base).hostname.split(".")[0]!;
      expect(find("Service", host).spec.ports[0].port).toBe(8000);
    }
  });

  it("a stable revision pins the stable track too; the canary's own revision wins on the canary", () => {
    const b = build({ models: [chat({ revision: "stable1", canary: { revision: "abc123", weight: 25 } })] });
    const stable = args(b.find("Deployment", "vllm-chat"));
    expect(stable[stable.indexOf("--revision") + 1]).toBe("stable1");
    const canary = args(b.find("Deployment", "vllm-chat-canary"));
    expect(canary[canary.indexOf("--revision") + 1]).toBe("abc123");
    expect(
      entriesFor(b.litellm, "chat")
        .map((e: Json) => e.litellm_params.weight)
        .sort(),
    ).toEqual([25, 75]);
  });

  it.each([0, 100])("weight %i is rejected", (weight) => {
    const p = problems({ models: [chat({ canary: { revision: "abc123", weight } })] });
    expect(p.map((x) => x.path)).toEqual(["layer.models[0].canary.weight"]);
  });

  it("without a canary there is one entry and no weight", () => {
    const entries = entriesFor(build({ models: [chat()] }).litellm, "chat");
    expect(entries).toHaveLength(1);
    expect(entries[0].litellm_params.weight).toBeUndefined();
  });
});

describe("scale to zero", () => {
  const small = (extra: Json = {}) => ({
    name: "chat-small",
    model: "llama-3.2-3b-instruct",
    gpu: { type: "L4" },
    replicas: { min: 0, max: 2 },
    ...extra,
  });

  it("min 0 without a fallback is rejected at layer.models[i].replicas.min", () => {
    const p = problems({ models: [chat(), small()] });
    expect(p).toHaveLength(1);
    expect(p[0]!.path).toBe("layer.models[1].replicas.min");
    expect(p[0]!.message).toContain("layer.gateway.fallbacks.chat-small");
  });

  it("with a remote fallback: minReplicaCount 0, a wake-up trigger on gateway requests, the fallback routed", () => {
    const { find, litellm } = build({
      models: [chat(), small(), overflow],
      gateway: { fallbacks: { "chat-small": ["overflow"] } },
    });
    const so = find("ScaledObject", "vllm-chat-small").spec;
    expect(so.minReplicaCount).toBe(0);
    expect(so.maxReplicaCount).toBe(2);
    expect(so.scaleTargetRef.name).toBe("vllm-chat-small");
    expect(so.triggers).toHaveLength(2);
    const wake = so.triggers[1];
    expect(wake.type).toBe("prometheus");
    expect(wake.metadata.query).toContain(
      'litellm_proxy_total_requests_metric_total{requested_model="chat-small"}',
    );
    expect(wake.metadata.activationThreshold).toBe("0");
    // A model that never scales to zero has only the waiting-requests trigger.
    expect(find("ScaledObject", "vllm-chat").spec.triggers).toHaveLength(1);
    expect(litellm.router_settings.fallbacks).toContainEqual({ "chat-small": ["overflow"] });
    const remote = entriesFor(litellm, "overflow");
    expect(remote).toHaveLength(1);
    expect(remote[0].litellm_params).toEqual({
      model: "openai/gpt-4o-mini",
      api_key: "os.environ/OPENAI_API_KEY",
    });
    // The gateway container carries that env var from the layer Secret.
    const env = find("Deployment", "litellm").spec.template.spec.containers[0].env;
    expect(env).toContainEqual({
      name: "OPENAI_API_KEY",
      valueFrom: { secretKeyRef: { name: "ai-layer-secrets", key: "openaiApiKey" } },
    });
  });

  it("a remote model without its key in secret config is rejected with the config command", () => {
    const p = problems(
      { models: [chat(), small(), overflow], gateway: { fallbacks: { "chat-small": ["overflow"] } } },
      ["hfToken"],
    );
    expect(p).toHaveLength(1);
    expect(p[0]!.path).toBe("layer.models[2].remote");
    expect(p[0]!.message).toContain("pulumi config set --secret ai-layer:openaiApiKey");
  });
});

describe("dev/staging parity", () => {
  const STACKS = join(__dirname, "..", "stacks");
  const load = (stack: string) => {
    const config = readStackFile(join(STACKS, `Pulumi.${stack}.yaml`));
    const spec = parseLayerSpec(JSON.parse(config.values["ai-layer:layer"]!));
    const provided = new Set(config.secretKeys.map((k) => k.replace(/^ai-layer:/, "")));
    return { spec, plan: makePlan(spec, { stack, providedSecrets: provided }) };
  };
  const dev = load("dev");
  const staging = load("staging");
  const kinds = (p: Plan, remote: boolean) =>
    Object.fromEntries(
      p.models.filter((m) => (m.runtime === "remote") === remote).map((m) => [m.name, m.kind]),
    );

  it("the targets differ (docker vs kubernetes), the self-hosted names and kinds do not", () => {
    expect([dev.plan.target.kind, staging.plan.target.kind]).toEqual(["docker", "kubernetes"]);
    const expected = { chat: "chat", "chat-small": "chat", embed: "embedding" };
    expect(kinds(dev.plan, false)).toEqual(expected);
    expect(kinds(staging.plan, false)).toEqual(expected);
    expect(dev.plan.models.map((m) => m.runtime)).toEqual(["ollama", "ollama", "ollama"]);
    expect(new Set(staging.plan.models.filter((m) => m.runtime !== "remote").map((m) => m.runtime))).toEqual(
      new Set(["vllm"]),
    );
  });

  it("staging's only extra names are remote models used as fallbacks", () => {
    const devNames = new Set(dev.plan.models.map((m) => m.name));
    const extra = staging.plan.models.filter((m) => !devNames.has(m.name));
    expect(extra.length).toBeGreaterThan(0);
    const fallbackTargets = new Set(Object.values(staging.spec.gateway.fallbacks).flat());
    for (const m of extra) {
      expect(m.runtime, m.name).toBe("remote");
      expect(fallbackTargets.has(m.name), `${m.name} is a fallback`).toBe(true);
    }
    // …and dev has no name staging lacks.
    expect(dev.plan.models.filter((m) => !staging.plan.models.some((s) => s.name === m.name))).toEqual([]);
  });
});

describe("gateway", () => {
  it("more than one replica shares router state through Redis (password from the env)", () => {
    const multi = build({ models: [chat()], gateway: { replicas: { min: 2, max: 4 } } }).litellm
      .router_settings;
    expect(multi).toMatchObject({
      redis_host: `redis.${NS}.svc`,
      redis_port: 6379,
      redis_password: "os.environ/REDIS_PASSWORD",
    });
    const single = build({ models: [chat()] }).litellm.router_settings;
    expect(single.redis_host).toBeUndefined();
    expect(single.redis_password).toBeUndefined();
  });

  const exposed = (gateway: Json): Layer => ({ target: { gateway }, models: [chat()] });

  it("load-balancer without sourceRanges is rejected", () => {
    const p = problems(exposed({ expose: "load-balancer" }));
    expect(p.map((x) => x.path)).toEqual(["layer.target.gateway.sourceRanges"]);
  });

  it("load-balancer open to 0.0.0.0/0 is rejected", () => {
    const p = problems(exposed({ expose: "load-balancer", sourceRanges: ["0.0.0.0/0"] }));
    expect(p.map((x) => x.path)).toEqual(["layer.target.gateway.sourceRanges"]);
    expect(p[0]!.message).toContain("0.0.0.0/0");
  });

  it("load-balancer with a CIDR: a LoadBalancer Service limited to it", () => {
    const { find } = build(exposed({ expose: "load-balancer", sourceRanges: ["203.0.113.0/24"] }));
    const svc = find("Service", "litellm").spec;
    expect(svc.type).toBe("LoadBalancer");
    expect(svc.loadBalancerSourceRanges).toEqual(["203.0.113.0/24"]);
    expect(svc.selector).toEqual(find("Deployment", "litellm").spec.selector.matchLabels);
    expect(build({ models: [chat()] }).find("Service", "litellm").spec.type).toBe("ClusterIP");
  });
});

describe("canary replicas and cost", () => {
  it("a canary's GPUs are in the cost estimate at min and max scale", () => {
    const without = build({ models: [chat({ replicas: { min: 1, max: 4 } })] }).plan.cost;
    const withCanary = build({
      models: [chat({ replicas: { min: 1, max: 4 }, canary: { revision: "abc123", weight: 10 } })],
    });
    // L4 on AWS: g6.xlarge $0.8048/h for one GPU. Stable 1–4 replicas; canary 1–ceil(4 × 10%) = 1–1.
    expect(without).toMatchObject({ perHourUsd: 0.8048, perHourMaxUsd: 3.2192 });
    expect(withCanary.plan.cost).toMatchObject({ perHourUsd: 1.6096, perHourMaxUsd: 4.024 });
    expect(withCanary.find("ScaledObject", "vllm-chat-canary").spec).toMatchObject({
      minReplicaCount: 1,
      maxReplicaCount: 1,
    });
  });

  it("a model that scales to zero takes its canary to zero too, and both wake on gateway traffic", () => {
    const { find } = build({
      models: [chat({ replicas: { min: 0, max: 4 }, canary: { revision: "abc123", weight: 25 } }), overflow],
      gateway: { fallbacks: { chat: ["overflow"] } },
    });
    for (const name of ["vllm-chat", "vllm-chat-canary"]) {
      const so = find("ScaledObject", name);
      expect(so.spec.minReplicaCount).toBe(0);
      expect(so.spec.triggers.map((t: Json) => t.name)).toEqual(["waiting-requests", "gateway-requests"]);
    }
  });
});

describe("tensor parallelism", () => {
  it("rejects a size that does not divide the attention heads (qwen2.5-7b: 28 heads, 4 KV heads, on 8 GPUs)", () => {
    const found = problems({
      models: [{ name: "q", model: "qwen2.5-7b-instruct", gpu: { type: "L4", count: 8 } }],
    });
    expect(found.map((p) => p.path)).toEqual(["layer.models[0].gpu.count"]);
    expect(found[0]!.message).toContain("28 attention heads");
    expect(found[0]!.message).toContain("use one of 1, 2, 4");
  });
});
