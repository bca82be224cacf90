import { describe, expect, it } from "vitest";
import { estimateThroughput, plan, usdPerMillionTokens, type Plan } from "../components/plan";
import { renderSummary } from "../bin/offline/summary";
import { LayerConfigError, parseLayerSpec } from "../components/spec";

/**
 * The cost model against hand-computed cases. Conventions (components/plan/costModel.ts):
 *   roofline = bandwidth GB/s × GPUs ÷ weight GB;  single = roofline × 0.75
 *   aggregate = single × max(1, min(C, 8) × 0.83), C = min(8, KV full-length sequences), ≥ 1
 *   $/1M = $/replica-hour ÷ (aggregate (rounded to 0.1) × 3600 × utilization) × 1e6
 * Weight GB: Llama-3.1-8B 8.03 B params × 2 B (bf16) = 16.06 GB; Llama-3.1-70B 70.6 × 2 = 141.2 GB.
 */
const SECRETS = new Set(["hfToken"]);
function k8s(models: unknown[], extra: Record<string, unknown> = {}): Plan {
  const { target, ...rest } = extra;
  const spec = parseLayerSpec({
    target: { kind: "kubernetes", context: "c", ...(target as object) },
    models,
    ...rest,
  });
  return plan(spec, { stack: "t", providedSecrets: SECRETS });
}
const chat = (gpu: string, more: Record<string, unknown> = {}) => ({
  name: "chat",
  model: "llama-3.1-8b-instruct",
  gpu: { type: gpu },
  ...more,
});

describe("throughput estimate", () => {
  it("calibration: A100-40GB, Llama-3.1-8B bf16, one stream ≈ 75 tok/s (runtime-facts.md §G) within 10%", () => {
    // 1555e9 B/s ÷ 16.06e9 B = 96.82 tok/s roofline; × 0.75 = 72.62 tok/s (published: ~75, i.e. 3.2% under).
    const t = estimateThroughput({ bandwidthGBps: 1555, gpus: 1, weightBytes: 16.06e9, kvSequences: 1 });
    expect(t.rooflineTokensPerSecond).toBe(96.8);
    expect(t.singleStreamTokensPerSecond).toBe(72.6);
    expect(t.concurrency).toBe(1);
    // C = 1: max(1, 1 × 0.83) = 1, so aggregate = single.
    expect(t.aggregateTokensPerSecond).toBe(72.6);
    expect(Math.abs(t.singleStreamTokensPerSecond - 75) / 75).toBeLessThan(0.1);
  });

  it("calibration through plan(): the same shape planned on the A100-40GB catalog entry", () => {
    const m = k8s([chat("A100-40GB")]).costModel.models[0]!;
    expect(m.throughput!.singleStreamTokensPerSecond).toBeGreaterThan(75 * 0.9);
    expect(m.throughput!.singleStreamTokensPerSecond).toBeLessThan(75 * 1.1);
    // C = 8 (the A100's KV cache holds far more than 8 sequences of 8192): 72.62 × 8 × 0.83 = 482.2 tok/s ≈ 6.6×.
    expect(m.throughput!.concurrency).toBe(8);
    expect(m.throughput!.aggregateTokensPerSecond).toBe(482.2);
  });

  it("batching is capped at the knee (C = 8) and by the KV cache", () => {
    const base = { bandwidthGBps: 1000, gpus: 1, weightBytes: 10e9 }; // 100 tok/s roofline, 75 single
    expect(estimateThroughput({ ...base, kvSequences: 100 }).aggregateTokensPerSecond).toBe(498); // 75 × 6.64
    expect(estimateThroughput({ ...base, kvSequences: 2 }).aggregateTokensPerSecond).toBe(124.5); // 75 × 1.66
    expect(estimateThroughput({ ...base, kvSequences: 0 }).concurrency).toBe(1);
  });

  it("$ per 1M tokens: 1 $/h at 100 tok/s and utilization 0.5 → 1 ÷ 180,000 × 1e6 = $5.5556", () => {
    expect(usdPerMillionTokens(1, 100, 0.5)).toBeCloseTo(5.5556, 4);
  });
});

describe("cost per model (kubernetes)", () => {
  it("8B bf16 on one L4, replicas 1–4, default utilization 0.5", () => {
    const p = k8s([chat("L4", { replicas: { min: 1, max: 4 } })]);
    const m = p.costModel.models[0]!;
    // g6.xlarge $0.8048/h, 1 GPU. Min 1 × 0.8048; max 4 × 0.8048 = 3.2192 $/h.
    // Month: 0.8048 × 730 = 587.504 → 587.50; 3.2192 × 730 = 2350.016 → 2350.02.
    expect(m).toMatchObject({
      usdPerReplicaHour: 0.8048,
      perHourMinUsd: 0.8048,
      perHourMaxUsd: 3.2192,
      perMonthMinUsd: 587.5,
      perMonthMaxUsd: 2350.02,
    });
    // Roofline 300 ÷ 16.06 = 18.68; single 14.01. KV: (CUDA 22.04 × 0.9 = 19.836) − 14.957 weights − 0.27 = 4.61 GiB
    // ÷ (1024 + 256 tokens × 128 KiB = 0.15625 GiB) = 29 requests → C = 8: 14.01 × 8 × 0.83 = 93.03 → 93.0 tok/s.
    expect(m.throughput).toEqual({
      rooflineTokensPerSecond: 18.7,
      singleStreamTokensPerSecond: 14,
      concurrency: 8,
      aggregateTokensPerSecond: 93,
    });
    // 0.8048 ÷ (93.0 × 3600 × 0.5 = 167,400) × 1e6 = 4.8076 $/1M output tokens.
    expect(m.usdPerMillionOutputTokens).toBe(4.8076);
    expect(p.costModel.assumptions.utilization).toBe(0.5);
  });

  it("8B on H100 with a canary, an embedding model and utilization 0.25", () => {
    const p = k8s(
      [
        chat("H100", {
          replicas: { min: 1, max: 2 },
          revision: "a".repeat(40),
          canary: { weight: 10, revision: "b".repeat(40) },
        }),
        { name: "embed", model: "nomic-embed-text-v1.5", gpu: { type: "L4" } },
      ],
      { budget: { monthlyUsd: 100_000, assumedUtilization: 0.25 } },
    );
    const [c, e] = p.costModel.models;
    // p5.48xlarge 55.04 / 8 = 6.88 $/GPU-h. Stable 1–2, canary 1–ceil(2 × 10%) = 1–1 → 2–3 replicas.
    // 2 × 6.88 = 13.76 $/h, 3 × 6.88 = 20.64; × 730 = 10,044.80 and 15,067.20.
    expect(c).toMatchObject({
      perHourMinUsd: 13.76,
      perHourMaxUsd: 20.64,
      perMonthMinUsd: 10044.8,
      perMonthMaxUsd: 15067.2,
    });
    // Roofline 3350 ÷ 16.06 = 208.59; single 156.44; C = 8 (KV holds 55) → 156.44 × 6.64 = 1038.8 tok/s.
    expect(c!.throughput!.aggregateTokensPerSecond).toBe(1038.8);
    // 6.88 ÷ (1038.8 × 3600 × 0.25 = 934,920) × 1e6 = 7.3589.
    expect(c!.usdPerMillionOutputTokens).toBe(7.3589);
    // Embedding models generate no output tokens: priced per hour only.
    expect(e).toMatchObject({ name: "embed", perHourMaxUsd: 0.8048, usdPerMillionOutputTokens: null });
    expect(e!.throughput).toBeUndefined();
    // The layer totals are the sums: 13.76 + 0.8048 = 14.5648; 20.64 + 0.8048 = 21.4448.
    expect(p.cost).toMatchObject({ perHourUsd: 14.5648, perHourMaxUsd: 21.4448 });
  });

  it("70B bf16 with tensor parallelism over 4 × L40S reads the weights at 4 GPUs' bandwidth", () => {
    const p = k8s([{ name: "big", model: "llama-3.1-70b-instruct", gpu: { type: "L40S", count: 4 } }]);
    const m = p.costModel.models[0]!;
    // Roofline 864 × 4 ÷ 141.2 = 24.476; single 18.357. Per GPU: CUDA 44.39 × 0.9 = 39.95 budget,
    // 131.49 / 4 = 32.87 weights + 1.54 → 5.54 GiB KV ÷ (320 KiB × 8192 / 4 = 0.625 GiB) = 8 sequences → C = 8.
    // Aggregate 18.357 × 6.64 = 121.89 → 121.9. $/h: the whole g6e.12xlarge (4 × L40S) 10.4926;
    // 10.4926 ÷ (121.9 × 1800 = 219,420) × 1e6 = 47.8197.
    expect(m.throughput).toMatchObject({
      rooflineTokensPerSecond: 24.5,
      concurrency: 8,
      aggregateTokensPerSecond: 121.9,
    });
    expect(m.usdPerReplicaHour).toBe(10.4926);
    expect(m.usdPerMillionOutputTokens).toBe(47.8197);
  });

  it("target.costPerGpuHourUsd replaces the catalog price", () => {
    const p = k8s([chat("L4")], { target: { costPerGpuHourUsd: 0.5 } });
    // 0.5 ÷ (93.0 × 1800 = 167,400) × 1e6 = 2.9869; month 0.5 × 730 = 365.
    expect(p.costModel.models[0]).toMatchObject({ perMonthMaxUsd: 365, usdPerMillionOutputTokens: 2.9869 });
  });

  it("states its assumptions as data", () => {
    const a = k8s([chat("L4")]).costModel.assumptions;
    expect(a).toMatchObject({ hoursPerMonth: 730, decodeEfficiency: 0.75, batchingEfficiency: 0.83 });
    expect(a.notes.join("\n")).toMatch(/A100-40GB.*75 tok\/s/);
  });
});

describe("budget", () => {
  const fourL4 = [chat("L4", { replicas: { min: 1, max: 4 } })];

  it("fail (the default): max scale over the budget throws at layer.budget.monthlyUsd with numbers and fixes", () => {
    let err: unknown;
    try {
      k8s(fourL4, { budget: { monthlyUsd: 1000 } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LayerConfigError);
    const [problem, ...rest] = (err as LayerConfigError).problems;
    expect(rest).toEqual([]);
    expect(problem!.path).toBe("layer.budget.monthlyUsd");
    // 2350.02 − 1000 = 1350.02 over; one replica is 587.504/month → ceil(1350.02 / 587.504) = ceil(2.298) = 3 fewer.
    expect(problem!.message).toContain("max scale costs $2350.02/month ($3.2192/h × 730 h: chat $2350.02)");
    expect(problem!.message).toContain("$1350.02 over the budget of $1000.00");
    expect(problem!.message).toContain("lower layer.models[0].replicas.max by 3");
    expect(problem!.message).toContain("budget.onExceed: warn");
  });

  it("warn: the same breach is a plan warning and the plan is built", () => {
    const p = k8s(fourL4, { budget: { monthlyUsd: 1000, onExceed: "warn" } });
    const w = p.warnings.filter((x) => x.startsWith("Budget exceeded"));
    expect(w).toHaveLength(1);
    expect(w[0]).toContain("$1350.02 over the budget of $1000.00");
  });

  it("within budget: no warning, no error (2350.02 ≤ 2400)", () => {
    const p = k8s(fourL4, { budget: { monthlyUsd: 2400 } });
    expect(p.warnings.filter((x) => x.startsWith("Budget"))).toEqual([]);
  });

  it("docker: the host's cost counts (2 $/h × 730 = $1460 > $1000) and no per-model $/1M is estimated", () => {
    const raw = {
      target: { kind: "docker", costPerHourUsd: 2 },
      models: [{ name: "chat", model: "llama-3.2-1b-instruct" }],
    };
    expect(() => plan(parseLayerSpec({ ...raw, budget: { monthlyUsd: 1000 } }), { stack: "t" })).toThrow(
      /layer\.budget\.monthlyUsd: max scale costs \$1460\.00\/month.*cheaper host/,
    );
    const p = plan(parseLayerSpec(raw), { stack: "t" });
    expect(p.costModel.models).toEqual([]);
    expect(p.cost.perMonthMaxUsd).toBe(1460);
  });
});

describe("summary.md Cost section", () => {
  const section = (p: Plan) => {
    const md = renderSummary(p, [], []);
    return md.slice(md.indexOf("## Cost"), md.indexOf("## Endpoints"));
  };

  it("per model $/h min–max, $/month, $/1M tokens at the utilization, the assumptions and the budget", () => {
    const s = section(k8s([chat("L4", { replicas: { min: 1, max: 4 } })], { budget: { monthlyUsd: 2400 } }));
    expect(s).toContain(
      "| chat | $0.8048–$3.2192 | $587.50–$2350.02 | 93 (C=8; single stream 14.0, roofline 18.7) | $4.81 at 50% utilization |",
    );
    expect(s).toContain("- Budget: $2400.00/month; max scale $2350.02/month is within it ($49.98 to spare)");
    expect(s).toMatch(/calibrated on A100-40GB Llama-3\.1-8B bf16 ≈ 75 tok\/s/);
  });

  it("a budget breach under onExceed: warn is reported", () => {
    const s = section(
      k8s([chat("L4", { replicas: { min: 1, max: 4 } })], { budget: { monthlyUsd: 1000, onExceed: "warn" } }),
    );
    expect(s).toContain("EXCEEDS it by $1350.02 (budget.onExceed: warn; see Warnings)");
  });
});
