import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { findModel, MODELS } from "../components/catalog";
import { plan } from "../components/plan";
import {
  DEFAULTS,
  extraModels,
  formatPath,
  LayerConfigError,
  parseLayerSpec,
  type DockerTarget,
  type LayerSpec,
} from "../components/spec";
import { CATALOG_ENTRY, validLayer } from "./fixtures/invalidConfigs";

/** The spec's target, which must be a docker one. */
function dockerTarget(spec: LayerSpec): DockerTarget {
  if (spec.target.kind !== "docker") throw new Error(`expected a docker target, got ${spec.target.kind}`);
  return spec.target;
}

describe("parseLayerSpec on valid configs", () => {
  it("fills every default from DEFAULTS", () => {
    const spec = parseLayerSpec(validLayer());
    const docker = DEFAULTS.target.docker;
    expect(spec.target).toEqual({
      kind: "docker",
      bindAddress: docker.bindAddress,
      ports: docker.ports,
      hostMemoryGiB: docker.hostMemoryGiB,
      costPerHourUsd: docker.costPerHourUsd,
      modelPullTimeoutSeconds: docker.modelPullTimeoutSeconds,
      ollama: { on: "container" },
    });
    expect(spec.gateway).toEqual({ ...DEFAULTS.gateway, fallbacks: {}, replicas: { min: 1, max: 1 } });
    expect(spec.cache).toEqual(DEFAULTS.cache);
    expect(spec.monitoring).toEqual(DEFAULTS.monitoring);
    expect(spec.catalog).toEqual({ models: {} });
  });

  it("the defaults are the documented values", () => {
    const spec = parseLayerSpec(validLayer());
    expect(spec.gateway.numRetries).toBe(2);
    expect(spec.cache.ttlSeconds).toBe(600);
    expect(spec.cache.maxMemoryMb).toBe(256);
    expect(dockerTarget(spec).ports).toEqual({ gateway: 4000, grafana: 3000, prometheus: 9090 });
    expect(dockerTarget(spec).bindAddress).toBe("127.0.0.1");
  });

  it("keeps values the config sets and defaults only the rest of each object", () => {
    const spec = parseLayerSpec({
      ...validLayer(),
      target: { kind: "docker", ports: { gateway: 8080 }, hostMemoryGiB: 48, gpu: { type: "L4" } },
      gateway: { numRetries: 0, routingStrategy: "least-busy" },
      cache: { ttlSeconds: 60 },
      monitoring: { enabled: false },
    });
    expect(dockerTarget(spec).ports).toEqual({ gateway: 8080, grafana: 3000, prometheus: 9090 });
    expect(dockerTarget(spec).hostMemoryGiB).toBe(48);
    expect(dockerTarget(spec).gpu).toEqual({ type: "L4", count: 1 });
    expect(spec.gateway.numRetries).toBe(0);
    expect(spec.gateway.routingStrategy).toBe("least-busy");
    expect(spec.gateway.timeoutSeconds).toBe(DEFAULTS.gateway.timeoutSeconds);
    expect(spec.cache).toEqual({ ...DEFAULTS.cache, ttlSeconds: 60 });
    expect(spec.monitoring).toEqual({ ...DEFAULTS.monitoring, enabled: false });
  });

  it("does not mutate the raw config", () => {
    const raw = validLayer();
    const before = JSON.stringify(raw);
    parseLayerSpec(raw);
    expect(JSON.stringify(raw)).toBe(before);
  });

  it("parses the dev stack file, and the dev stack plans", () => {
    const file = parse(readFileSync(join(__dirname, "..", "stacks", "Pulumi.dev.yaml"), "utf8")) as {
      config: Record<string, unknown>;
    };
    const raw = file.config["ai-layer:layer"];
    expect(raw).toBeTypeOf("object");
    const spec = parseLayerSpec(raw);
    expect(spec.target.kind).toBe("docker");
    expect(spec.models.length).toBeGreaterThan(0);
    for (const m of spec.models) {
      expect(m.model).toBeDefined();
      expect(findModel(m.model!, extraModels(spec))).toBeDefined();
    }
    // Every fallback resolves to a declared model.
    const names = new Set(spec.models.map((m) => m.name));
    for (const [from, to] of Object.entries(spec.gateway.fallbacks)) {
      expect(names.has(from)).toBe(true);
      for (const t of to) expect(names.has(t)).toBe(true);
    }
    expect(plan(spec, { stack: "dev" }).models.map((m) => m.name)).toEqual(spec.models.map((m) => m.name));
  });

  it("a model described under layer.catalog.models can be served", () => {
    const spec = parseLayerSpec({
      ...validLayer(),
      models: [{ name: "coder", model: "qwen2.5-coder-1.5b", contextLength: 16384 }],
      catalog: { models: { "qwen2.5-coder-1.5b": CATALOG_ENTRY } },
    });
    // ollamaPrecision defaults to int4, like Ollama's library tags.
    expect(extraModels(spec)).toEqual([
      { id: "qwen2.5-coder-1.5b", ...CATALOG_ENTRY, ollamaPrecision: "int4" },
    ]);
    const planned = plan(spec, { stack: "t" });
    expect(planned.models[0]).toMatchObject({
      name: "coder",
      catalogId: "qwen2.5-coder-1.5b",
      ollamaTag: "qwen2.5-coder:1.5b",
      precision: "int4",
      contextLength: 16384,
    });
    // The catalog's maxContext bounds contextLength for an added model too.
    expect(() =>
      parseLayerSpec({
        ...validLayer(),
        models: [{ name: "coder", model: "qwen2.5-coder-1.5b", contextLength: 65536 }],
        catalog: { models: { "qwen2.5-coder-1.5b": CATALOG_ENTRY } },
      }),
    ).toThrow(LayerConfigError);
  });

  it("accepts fallbacks of the same kind, ollamaTag with precision, gpu by memoryGiB, and a remote host", () => {
    const spec = parseLayerSpec({
      target: { kind: "docker", host: "ssh://me@gpu-box", gpu: { memoryGiB: 24, count: 2 } },
      models: [
        {
          name: "chat",
          model: "llama-3.1-8b-instruct",
          ollamaTag: "llama3.1:8b-instruct-q8_0",
          precision: "int8",
        },
        { name: "chat-small", model: "llama-3.2-3b-instruct" },
        { name: "embed", model: "nomic-embed-text-v1.5" },
      ],
      gateway: { fallbacks: { chat: ["chat-small"] } },
    });
    expect(spec.gateway.fallbacks).toEqual({ chat: ["chat-small"] });
    expect(spec.models[0]).toMatchObject({ ollamaTag: "llama3.1:8b-instruct-q8_0", precision: "int8" });
    expect(dockerTarget(spec).gpu).toEqual({ memoryGiB: 24, count: 2 });
    expect(dockerTarget(spec).host).toBe("ssh://me@gpu-box");
  });

  it("accepts every built-in model at its maximum context", () => {
    for (const m of MODELS) {
      const kindName = m.kind === "chat" ? "chat" : "embed";
      expect(() =>
        parseLayerSpec({
          target: { kind: "docker" },
          models: [{ name: kindName, model: m.id, contextLength: m.maxContext }],
        }),
      ).not.toThrow();
    }
  });

  it("formatPath quotes keys that are not identifiers", () => {
    expect(formatPath(["models", 1, "gpu"])).toBe("layer.models[1].gpu");
    expect(formatPath(["catalog", "models", "my-model"])).toBe("layer.catalog.models.my-model");
    expect(formatPath(["catalog", "models", "a.b"])).toBe('layer.catalog.models["a.b"]');
  });
});
