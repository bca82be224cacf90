import { describe, expect, it } from "vitest";
import { findModel } from "../components/catalog";
import {
  estimateMemory,
  isOllama,
  kvBytesPerToken,
  placeOnHost,
  plan,
  weightsGiB,
  type OllamaModel,
  type Plan,
} from "../components/plan";
import { LayerConfigError, parseLayerSpec } from "../components/spec";

const GiB = 2 ** 30;
const model = (id: string) => findModel(id)!;
const planOf = (raw: Record<string, unknown>, opts: { providedSecrets?: Set<string> } = {}) =>
  plan(parseLayerSpec(raw), { stack: "test", ...opts });
const chat8b = { name: "chat", model: "llama-3.1-8b-instruct" };
const embed = { name: "embed", model: "nomic-embed-text-v1.5" };
const big70b = { name: "big", model: "llama-3.1-70b-instruct" };

/** The plan's models, all of which must be Ollama models (docker target). */
function ollama(p: Plan): OllamaModel[] {
  const models = p.models.filter(isOllama);
  expect(models).toHaveLength(p.models.length);
  return models;
}

/** GPU memory of a docker plan's target, GiB. */
function gpuMemoryGiB(p: Plan): number | undefined {
  if (p.target.kind !== "docker") throw new Error(`expected a docker target, got ${p.target.kind}`);
  return p.target.gpuMemoryGiB;
}

describe("memory arithmetic", () => {
  it("kvBytesPerToken = 2 × layers × kvHeads × headDim × 2 bytes", () => {
    // 2 × 32 × 8 × 128 × 2 and 2 × 80 × 8 × 128 × 2.
    expect(kvBytesPerToken(model("llama-3.1-8b-instruct"))).toBe(131072);
    expect(kvBytesPerToken(model("llama-3.1-70b-instruct"))).toBe(327680);
    // fp8 KV cache halves it.
    expect(kvBytesPerToken(model("llama-3.1-8b-instruct"), 1)).toBe(65536);
  });

  it("weightsGiB = params × bytes per param / 2^30", () => {
    expect(weightsGiB(model("llama-3.1-8b-instruct"), "bf16")).toBeCloseTo((8.03e9 * 2) / GiB, 10);
    expect(weightsGiB(model("llama-3.1-8b-instruct"), "bf16")).toBeCloseTo(14.957, 3);
    expect(weightsGiB(model("llama-3.1-8b-instruct"), "int4")).toBeCloseTo((8.03e9 * 0.61) / GiB, 10);
    expect(weightsGiB(model("llama-3.1-70b-instruct"), "fp8")).toBeCloseTo(70.6e9 / GiB, 10);
  });

  it("estimateMemory sums weights, KV cache and 1 GiB + 5% overhead", () => {
    // 8B int4 at 8192 tokens: KV = 131072 × 8192 B = exactly 1 GiB.
    const w = (8.03e9 * 0.61) / GiB; // ≈ 4.562
    const m = estimateMemory(model("llama-3.1-8b-instruct"), { precision: "int4", contextLength: 8192 });
    expect(m.weightsGiB).toBeCloseTo(w, 10);
    expect(m.kvCacheGiB).toBe(1);
    expect(m.overheadGiB).toBeCloseTo(1 + 0.05 * w, 10);
    expect(m.totalGiB).toBeCloseTo(w + 1 + 1 + 0.05 * w, 10);
    expect(m.totalGiB).toBeCloseTo(6.79, 2);

    // 70B int4 at 8192: KV = 327680 × 8192 B = 2.5 GiB; total ≈ 40.108 + 2.5 + 3.005.
    const big = estimateMemory(model("llama-3.1-70b-instruct"), { precision: "int4", contextLength: 8192 });
    expect(big.kvCacheGiB).toBe(2.5);
    expect(big.totalGiB).toBeCloseTo(((70.6e9 * 0.61) / GiB) * 1.05 + 1 + 2.5, 10);
    expect(big.totalGiB).toBeCloseTo(45.61, 2);

    // Four sequences of 16384 tokens: 8 GiB of KV cache.
    expect(
      estimateMemory(model("llama-3.1-8b-instruct"), {
        precision: "bf16",
        contextLength: 16384,
        sequences: 4,
      }).kvCacheGiB,
    ).toBe(8);
  });

  it("an embedding model has no KV cache", () => {
    const m = estimateMemory(model("nomic-embed-text-v1.5"), { precision: "fp16", contextLength: 8192 });
    expect(m.kvCacheGiB).toBe(0);
    expect(m.weightsGiB).toBeCloseTo((0.137e9 * 2) / GiB, 10);
    expect(m.totalGiB).toBeCloseTo(m.weightsGiB * 1.05 + 1, 10);
  });

  it("placeOnHost: GPU if it fits there, GPU+CPU or CPU if it fits in both, else nowhere", () => {
    expect(placeOnHost(10, 22, 16)).toBe("gpu");
    expect(placeOnHost(22, 22, 16)).toBe("gpu"); // exactly full
    expect(placeOnHost(30, 22, 16)).toBe("gpu+cpu");
    expect(placeOnHost(38, 22, 16)).toBe("gpu+cpu"); // exactly GPU + RAM
    expect(placeOnHost(10, 0, 16)).toBe("cpu");
    expect(placeOnHost(16, 0, 16)).toBe("cpu");
    expect(placeOnHost(38.1, 22, 16)).toBeUndefined();
    expect(placeOnHost(16.1, 0, 16)).toBeUndefined();
  });
});

describe("plan()", () => {
  it("rejects llama-3.1-70b on an L4 with 16 GiB of RAM, with the numbers and the fixes", () => {
    const raw = {
      target: { kind: "docker", gpu: { type: "L4" }, hostMemoryGiB: 16 },
      models: [chat8b, big70b],
    };
    let error: unknown;
    try {
      planOf(raw);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LayerConfigError);
    const problems = (error as LayerConfigError).problems;
    // Only the 70B is reported; the 8B fits.
    expect(problems.map((p) => p.path)).toEqual(["layer.models[1].model"]);
    const message = (error as LayerConfigError).message;
    expect(message).toMatch(/^The layer does not fit where it runs \(1 problem\):/);
    expect(message).toContain("needs about 45.6 GiB"); // 40.1 + 2.5 + 3.0
    expect(message).toContain("weights 40.1 + KV cache 2.5 at 8192 tokens");
    expect(message).toContain("22.4 GiB of GPU memory and 16 GiB of RAM"); // 22888 MiB / 1024
    expect(message).toContain("Fixes:");
    expect(message).toContain("hostMemoryGiB");
  });

  it("places the 70B on GPU+CPU with a warning when the host has 64 GiB", () => {
    const p = planOf({
      target: { kind: "docker", gpu: { type: "L4" }, hostMemoryGiB: 64 },
      models: [big70b],
    });
    expect(ollama(p)[0]!.placement).toBe("gpu+cpu");
    expect(gpuMemoryGiB(p)).toBeCloseTo(22888 / 1024, 10);
    expect(p.warnings).toHaveLength(1);
    expect(p.warnings[0]).toMatch(/^big: .*45\.6 GiB.*only 22\.4 GiB of GPU memory/);
  });

  it("sums GPU memory over count and uses memoryGiB for a GPU the catalog lacks", () => {
    const p = planOf({
      target: { kind: "docker", gpu: { memoryGiB: 24, count: 2 } },
      models: [big70b, chat8b],
    });
    expect(gpuMemoryGiB(p)).toBe(24);
    // 45.6 GiB ≤ 2 × 24: on the GPUs, no warning.
    expect(ollama(p).map((m) => m.placement)).toEqual(["gpu", "gpu"]);
    expect(p.warnings).toEqual([]);
  });

  it("warns about a large chat model on CPU only, not about small or embedding ones", () => {
    const p = planOf({
      target: { kind: "docker" },
      models: [chat8b, { name: "small", model: "llama-3.2-3b-instruct" }, embed],
    });
    expect(ollama(p).map((m) => m.placement)).toEqual(["cpu", "cpu", "cpu"]);
    expect(p.warnings).toHaveLength(1);
    expect(p.warnings[0]).toMatch(/^chat: .*no GPU configured/);
  });

  it("serves every model with the largest chat contextLength, capped at each model's maximum", () => {
    const p = planOf({
      target: { kind: "docker", hostMemoryGiB: 64 },
      models: [
        { name: "chat", model: "llama-3.1-8b-instruct", contextLength: 16384 },
        { name: "small", model: "llama-3.2-3b-instruct" },
        { name: "gemma", model: "gemma-2-2b-it" },
        { name: "embed", model: "nomic-embed-text-v1.5" },
      ],
    });
    expect(p.ollamaContextLength).toBe(16384);
    // gemma-2 is trained on 8192 positions, nomic-embed-text on 2048.
    expect(ollama(p).map((m) => m.contextLength)).toEqual([16384, 16384, 8192, 2048]);
    // The KV cache follows the served length: 131072 B × 16384 = 2 GiB; the embedding model has none.
    expect(ollama(p)[0]!.memory.kvCacheGiB).toBe(2);
    expect(ollama(p)[3]!.memory.kvCacheGiB).toBe(0);
  });

  it("uses the default contextLength capped at the model's maximum, and the embedding's when no chat model", () => {
    expect(planOf({ target: { kind: "docker" }, models: [chat8b] }).ollamaContextLength).toBe(8192);
    expect(planOf({ target: { kind: "docker" }, models: [embed] }).ollamaContextLength).toBe(2048);
  });

  it("sizes an ollamaTag override by its precision", () => {
    const p = planOf({
      target: { kind: "docker", hostMemoryGiB: 32 },
      models: [{ ...chat8b, ollamaTag: "llama3.1:8b-instruct-q8_0", precision: "int8" }],
    });
    expect(p.models[0]).toMatchObject({ ollamaTag: "llama3.1:8b-instruct-q8_0", precision: "int8" });
    expect(ollama(p)[0]!.memory.weightsGiB).toBeCloseTo((8.03e9 * 1.07) / GiB, 10);
  });

  it("costs costPerHourUsd × 730 hours a month, rounded to cents", () => {
    expect(planOf({ target: { kind: "docker" }, models: [chat8b] }).cost).toEqual({
      perHourUsd: 0,
      perHourMaxUsd: 0,
      perMonthUsd: 0,
      perMonthMaxUsd: 0,
    });
    expect(planOf({ target: { kind: "docker", costPerHourUsd: 0.8048 }, models: [chat8b] }).cost).toEqual({
      perHourUsd: 0.8048,
      perHourMaxUsd: 0.8048,
      perMonthUsd: 587.5, // 587.504
      perMonthMaxUsd: 587.5,
    });
    expect(
      planOf({ target: { kind: "docker", costPerHourUsd: 1.25 }, models: [chat8b] }).cost.perMonthUsd,
    ).toBe(912.5);
  });

  it("generates the secrets the stack does not provide, and needs none for disabled services", () => {
    const base = { target: { kind: "docker" }, models: [chat8b] };
    const generated = (p: ReturnType<typeof planOf>) =>
      Object.fromEntries(p.secrets.map((s) => [s.configKey, s.generated]));
    expect(generated(planOf(base))).toEqual({
      gatewayMasterKey: true,
      redisPassword: true,
      grafanaAdminPassword: true,
    });
    expect(
      generated(planOf(base, { providedSecrets: new Set(["gatewayMasterKey", "redisPassword"]) })),
    ).toEqual({
      gatewayMasterKey: false,
      redisPassword: false,
      grafanaAdminPassword: true,
    });
    expect(generated(planOf({ ...base, cache: { enabled: false }, monitoring: { enabled: false } }))).toEqual(
      {
        gatewayMasterKey: true,
      },
    );
    expect(planOf(base).secrets.find((s) => s.configKey === "gatewayMasterKey")!.env).toBe(
      "LITELLM_MASTER_KEY",
    );
  });

  it("builds URLs from bindAddress and the host ports", () => {
    const p = planOf({
      target: { kind: "docker", bindAddress: "192.168.1.10", ports: { gateway: 8080, grafana: 3001 } },
      models: [chat8b],
    });
    expect(p.urls).toEqual({
      gateway: "http://192.168.1.10:8080",
      grafana: "http://192.168.1.10:3001",
      prometheus: "http://192.168.1.10:9090",
    });
    // 0.0.0.0 is where ports bind, not an address to open: URLs say localhost.
    expect(
      planOf({ target: { kind: "docker", bindAddress: "0.0.0.0" }, models: [chat8b] }).urls.gateway,
    ).toBe("http://localhost:4000");
    // No monitoring, no Grafana or Prometheus URL.
    expect(
      planOf({ target: { kind: "docker" }, models: [chat8b], monitoring: { enabled: false } }).urls,
    ).toEqual({
      gateway: "http://127.0.0.1:4000",
    });
  });

  it("resolves each model's runtime name and kind from the catalog", () => {
    const p = planOf({ target: { kind: "docker" }, models: [chat8b, embed] });
    expect(p.stack).toBe("test");
    expect(ollama(p).map((m) => [m.name, m.catalogId, m.kind, m.ollamaTag, m.precision, m.runtime])).toEqual([
      ["chat", "llama-3.1-8b-instruct", "chat", "llama3.1:8b", "int4", "ollama"],
      ["embed", "nomic-embed-text-v1.5", "embedding", "nomic-embed-text", "fp16", "ollama"],
    ]);
    expect(ollama(p)[1]!.memory.kvCacheGiB).toBe(0);
  });
});
