import { describe, expect, it } from "vitest";
import { LayerConfigError, parseLayerSpec } from "../components/spec";
import { INVALID_CONFIGS, validLayer } from "./fixtures/invalidConfigs";

/** Parses `raw`, expecting a LayerConfigError, and returns it. */
function parseError(raw: unknown): LayerConfigError {
  try {
    parseLayerSpec(raw);
  } catch (e) {
    if (e instanceof LayerConfigError) return e;
    throw new Error(`expected a LayerConfigError, got ${String(e)}`);
  }
  throw new Error("expected a LayerConfigError, but the config parsed");
}

describe("parseLayerSpec rejects invalid configs", () => {
  it("the fixture base config is itself valid", () => {
    expect(() => parseLayerSpec(validLayer())).not.toThrow();
  });

  it("covers at least 18 distinct cases with distinct names", () => {
    expect(INVALID_CONFIGS.length).toBeGreaterThanOrEqual(18);
    expect(new Set(INVALID_CONFIGS.map((c) => c.name)).size).toBe(INVALID_CONFIGS.length);
  });

  it.each(INVALID_CONFIGS)("$name → $path", ({ config, path, message }) => {
    const error = parseError(config);
    // Exactly the one problem the case introduced, at its exact path.
    expect(error.problems).toHaveLength(1);
    const [problem] = error.problems;
    expect(problem!.path).toBe(path);
    expect(problem!.message).toContain(message);
    // The error message lists it as `<path>: <message>` for the CLI and `pulumi up` to print.
    expect(error.message).toContain(`  - ${path}: ${problem!.message}`);
    expect(error.message).toMatch(/^Invalid ai-layer config \(1 problem\):/);
  });

  it("a missing layer says how to set it", () => {
    for (const raw of [undefined, null]) {
      const error = parseError(raw);
      expect(error.problems).toEqual([{ path: "layer", message: expect.stringContaining("ai-layer:layer") }]);
    }
  });

  it("a layer that is not an object names the type it got", () => {
    expect(parseError("hello").problems).toEqual([
      { path: "layer", message: 'expected an object, got the string "hello"' },
    ]);
    expect(parseError([]).problems[0]).toEqual({ path: "layer", message: "expected an object, got a list" });
  });

  it("a missing target is required", () => {
    const { target: _target, ...rest } = validLayer();
    expect(parseError(rest).problems).toEqual([{ path: "layer.target", message: "is required" }]);
  });

  it("an unknown model id without a close match lists the known ids and no guess", () => {
    const error = parseError({ ...validLayer(), models: [{ name: "chat", model: "gpt-4o" }] });
    const message = error.problems[0]!.message;
    expect(message).not.toContain("did you mean");
    expect(message).toContain("Known: llama-3.2-1b-instruct");
    expect(message).toContain("layer.catalog.models");
  });

  it("reports every schema problem of a config in one error", () => {
    const error = parseError({
      target: { kind: "docker", ports: { gateway: 0 }, hostMemoryGB: 32 },
      models: [
        { name: "chat", model: "llama-3.1-8b-instruct", contextLength: "8k" },
        { name: "Bad Name", model: "llama-3.2-3b-instruct" },
      ],
      gateway: { numRetries: -1 },
      cache: { ttlSecs: 60 },
      monitoring: { retentionDays: 0 },
    });
    expect(error.problems.map((p) => p.path).sort()).toEqual(
      [
        "layer.target.ports.gateway",
        "layer.target.hostMemoryGB",
        "layer.models[0].contextLength",
        "layer.models[1].name",
        "layer.gateway.numRetries",
        "layer.cache.ttlSecs",
        "layer.monitoring.retentionDays",
      ].sort(),
    );
    expect(error.message).toMatch(/^Invalid ai-layer config \(7 problems\):/);
    for (const p of error.problems) expect(error.message).toContain(`  - ${p.path}: ${p.message}`);
  });

  it("reports every cross-field problem of a config in one error", () => {
    const error = parseError({
      target: { kind: "docker", ports: { prometheus: 4000 }, gpu: { type: "RTX4090" } },
      models: [
        { name: "chat", model: "llama-3.1-8b-instruct", contextLength: 200_000 },
        { name: "chat", model: "qwen2.5-7b-instrct" },
        { name: "embed", model: "nomic-embed-text-v1.5", precision: "fp16" },
      ],
      gateway: { fallbacks: { chat: ["embed", "nope"], ghost: ["chat"] } },
    });
    expect(error.problems.map((p) => p.path)).toEqual(
      expect.arrayContaining([
        "layer.models[0].contextLength",
        "layer.models[1].name",
        "layer.models[1].model",
        "layer.models[2].precision",
        "layer.gateway.fallbacks.chat[0]",
        "layer.gateway.fallbacks.chat[1]",
        "layer.gateway.fallbacks.ghost",
        "layer.target.ports.prometheus",
        "layer.target.gpu.type",
      ]),
    );
    expect(error.problems).toHaveLength(9);
  });

  it("a fallback list naming one model twice is rejected", () => {
    const layer = validLayer();
    const error = parseError({
      ...layer,
      models: [...layer.models, { name: "chat-small", model: "llama-3.2-3b-instruct" }],
      gateway: { fallbacks: { chat: ["chat-small", "chat-small"] } },
    });
    expect(error.problems).toEqual([
      { path: "layer.gateway.fallbacks.chat", message: 'lists "chat-small" twice' },
    ]);
  });
});
