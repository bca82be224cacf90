// Names the platform would refuse are refused in the spec, against the platforms' own grammars; model names
// that are also Object.prototype keys behave like any other name.
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { LayerConfigError, parseLayerSpec } from "../components/spec";
import { checkStackName } from "../components/spec/names";
import { runOffline } from "../bin/offline/run";
import { parseStackFile } from "../bin/offline/stackFile";

const k8s = (target: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  target: { kind: "kubernetes", context: "c", ...target },
  models: [{ name: "chat", model: "llama-3.2-3b-instruct", gpu: { type: "L4" } }],
  ...extra,
});
const docker = (target: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  target: { kind: "docker", ...target },
  models: [{ name: "chat", model: "llama-3.2-3b-instruct" }],
  ...extra,
});

function problems(raw: unknown): string[] {
  try {
    parseLayerSpec(raw);
  } catch (e) {
    if (e instanceof LayerConfigError) return e.problems.map((p) => `${p.path}: ${p.message}`);
    throw e;
  }
  return [];
}
const stackProblems = (stack: string) => {
  try {
    checkStackName(stack);
  } catch (e) {
    if (e instanceof LayerConfigError) return e.problems.map((p) => `${p.path}: ${p.message}`);
    throw e;
  }
  return [];
};

describe("stack names must make valid Kubernetes label values", () => {
  it.each(["dev", "prod", "gpu-fleet", "team_a.prod", "a", "x".repeat(63)])("%s passes", (stack) => {
    expect(stackProblems(stack)).toEqual([]);
  });
  it.each(["-dev", "_dev", ".dev", "dev-", "dev.", "x".repeat(64), "dev/prod", "dév"])(
    "%j is refused",
    (stack) => {
      expect(stackProblems(stack)).toEqual([expect.stringMatching(/^stack: .*ai-layer\.dev\/stack.*label/)]);
    },
  );
});

describe("Kubernetes names in the kubernetes target", () => {
  it.each([
    "nvidia.com/gpu.product",
    "gpu.example.com/type",
    "gpu-type",
    "node.kubernetes.io/instance-type",
    "k8s.amazonaws.com/accelerator",
  ])("gpuNodeLabel %s passes", (label) => {
    expect(problems(k8s({ gpuNodeLabel: label }))).toEqual([]);
  });
  it.each([
    "-gpu",
    "gpu type",
    "Example.com/type",
    "example.com/",
    "/type",
    "a/b/c",
    `example.com/${"x".repeat(64)}`,
    `${"a".repeat(254)}/type`,
    "gpu_",
  ])("gpuNodeLabel %j is refused", (label) => {
    expect(problems(k8s({ gpuNodeLabel: label }))).toEqual([
      expect.stringMatching(/^layer\.target\.gpuNodeLabel: .*label key/),
    ]);
  });
  it.each(["gp3", "ebs.csi.aws.com-gp3", "fast.ssd"])("storageClass %s passes", (sc) => {
    expect(problems(k8s({ storageClass: sc }))).toEqual([]);
  });
  it.each(["GP3", "gp3_fast", "-gp3", "gp3.", "a".repeat(254)])("storageClass %j is refused", (sc) => {
    expect(problems(k8s({ storageClass: sc }))).toEqual([
      expect.stringMatching(/^layer\.target\.storageClass: .*DNS subdomain/),
    ]);
  });
});

describe("docker bindAddress must be an IP address", () => {
  it.each(["127.0.0.1", "0.0.0.0", "192.168.1.20", "::1", "::", "fd00::5"])("%s passes", (ip) => {
    expect(problems(docker({ bindAddress: ip }))).toEqual([]);
  });
  it.each(["localhost", "999.1.1.1", "127.0.0.01", "1.2.3", "::g", "127.0.0.1:4000"])(
    "%j is refused",
    (ip) => {
      expect(problems(docker({ bindAddress: ip }))).toEqual([
        expect.stringMatching(/^layer\.target\.bindAddress: .*IP address/),
      ]);
    },
  );
});

describe("image references must follow the distribution/reference grammar", () => {
  const digest = "sha256:" + "a".repeat(64);
  it.each([
    "vllm/vllm-openai:v0.25.1",
    "registry.example.com:5000/mirror/vllm-openai:v0.25.1",
    `ghcr.io/berriai/litellm:v1.104.2@${digest}`,
    `redis@${digest}`,
    "localhost:5000/redis:7.4.11-alpine",
    "nvcr.io/nvidia/k8s/dcgm-exporter:4.2.3-4.1.3-ubuntu22.04",
  ])("%s passes", (image) => {
    expect(problems(docker({}, { images: { redis: image } }))).toEqual([]);
  });
  it.each([
    "vllm/Vllm-openai:v1",
    "vllm/vllm-openai:",
    "vllm/vllm-openai:-v1",
    `vllm/vllm-openai:${"v".repeat(129)}`,
    "vllm//vllm-openai:v1",
    "vllm/vllm-openai:v1@sha256:abc",
    "vllm/vllm-openai v1",
    "http://registry/vllm:v1",
  ])("images.redis %j is refused", (image) => {
    expect(problems(docker({}, { images: { redis: image } }))).toEqual([
      expect.stringMatching(/^layer\.images\.redis: .*image reference/),
    ]);
  });
  it("canary.image is checked against the same grammar", () => {
    const layer = k8s({});
    (layer.models[0] as Record<string, unknown>).canary = { weight: 10, image: "vllm/VLLM:v1" };
    expect(problems(layer)).toEqual([
      expect.stringMatching(/^layer\.models\[0\]\.canary\.image: .*image reference/),
    ]);
  });
});

describe("a model named constructor behaves like any other name", () => {
  it("scaling `constructor` to zero without a fallback is refused, as for any name", () => {
    const layer = {
      target: { kind: "kubernetes", context: "c" },
      models: [
        {
          name: "constructor",
          model: "llama-3.2-3b-instruct",
          gpu: { type: "L4" },
          replicas: { min: 0, max: 1 },
        },
        { name: "tostring", model: "llama-3.2-3b-instruct", gpu: { type: "L4" } },
      ],
    };
    expect(problems(layer)).toEqual([
      expect.stringMatching(/^layer\.models\[0\]\.replicas\.min: 0 scales "constructor"/),
    ]);
    expect(problems({ ...layer, gateway: { fallbacks: { constructor: ["tostring"] } } })).toEqual([]);
  });

  it("plans a layer with models `constructor` and `tostring` and fallbacks for them", async () => {
    const layer = {
      target: { kind: "docker" },
      models: [
        { name: "constructor", model: "llama-3.2-3b-instruct" },
        { name: "tostring", model: "llama-3.1-8b-instruct" },
      ],
      gateway: { fallbacks: { constructor: ["tostring"], tostring: ["constructor"] } },
    };
    const result = await runOffline(
      "proto",
      parseStackFile(JSON.stringify({ config: { "ai-layer:layer": layer } })),
    );
    expect(result.plan.models.map((m) => m.name)).toEqual(["constructor", "tostring"]);
    const litellm = result.files.find((f) => f.path.endsWith("config.yaml") && f.path.includes("litellm"))!;
    const config = parse(litellm.content);
    expect(config.model_list.map((m: { model_name: string }) => m.model_name)).toEqual([
      "constructor",
      "tostring",
    ]);
    const expected: Record<string, string[]>[] = [
      { constructor: ["tostring"] },
      { tostring: ["constructor"] },
    ];
    expect(config.router_settings.fallbacks).toEqual(expected);
  });
});

describe("an IPv6 bindAddress", () => {
  it("is published as given and bracketed in the URLs the plan prints", async () => {
    const { plan } = await import("../components/plan");
    const layer = docker({ bindAddress: "::1" });
    const p = plan(parseLayerSpec(layer), { stack: "v6", providedSecrets: new Set(["hfToken"]) });
    expect(p.urls.gateway).toBe("http://[::1]:4000");
    expect(
      plan(parseLayerSpec(docker({ bindAddress: "::" })), {
        stack: "v6",
        providedSecrets: new Set(["hfToken"]),
      }).urls.gateway,
    ).toBe("http://localhost:4000");
  });
});

describe("a __proto__ key (as JSON.parse makes it) is reported, not dropped", () => {
  it.each([
    ['"gateway":{"fallbacks":{"__proto__":["chat"]}}', "layer.gateway.fallbacks.__proto__"],
    ['"catalog":{"models":{"__proto__":{"kind":"chat"}}}', "layer.catalog.models.__proto__"],
  ])("%s", (json, path) => {
    const raw = JSON.parse(
      `{"target":{"kind":"docker"},"models":[{"name":"chat","model":"llama-3.2-3b-instruct"}],${json}}`,
    );
    expect(problems(raw)).toEqual([`${path}: is not a valid name here; remove it`]);
  });
});
