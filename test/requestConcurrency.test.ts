// $ per 1M tokens from an assumed request length (issue 13 point 11): concurrency is how many typical requests the
// KV cache left after the weights holds (at most 8), not how many full-context sequences fit. Hand figures:
// Llama-3.1-8B bf16 on one L4: KV left = 22.04 × 0.9 − 14.957 − 0.27 = 4.609 GiB; 128 KiB per token.
import { describe, expect, it } from "vitest";
import { renderSummary } from "../bin/offline/summary";
import { plan, type Plan } from "../components/plan";
import { DEFAULTS, parseLayerSpec } from "../components/spec";

const l4 = (contextLength: number, budget?: Record<string, unknown>): Plan =>
  plan(
    parseLayerSpec({
      target: { kind: "kubernetes", context: "c" },
      models: [{ name: "chat", model: "llama-3.1-8b-instruct", contextLength, gpu: { type: "L4" } }],
      ...(budget ? { budget } : {}),
    }),
    { stack: "t", providedSecrets: new Set(["hfToken"]) },
  );

describe("concurrency from an assumed request, not from full-context sequences", () => {
  it("the default is 1024 prompt + 256 output tokens", () => {
    expect(DEFAULTS.budget.assumedRequestTokens).toEqual({ prompt: 1024, output: 256 });
  });

  it("at contextLength 32768 an L4 holds 1 full-context sequence but 29 requests of 1280 tokens → C = 8", () => {
    // 4.609 GiB ÷ (1280 × 128 KiB = 0.15625 GiB) = 29.5 → capped at 8. Full context: 4.609 ÷ 4 = 1 sequence.
    const m = l4(32768).costModel.models[0]!;
    expect(m.throughput!.concurrency).toBe(8);
    // single 14.01 × 8 × 0.83 = 93.03 → 93.0 tok/s; 0.8048 ÷ (93.0 × 1800) × 1e6 = 4.8076.
    expect(m.throughput!.aggregateTokensPerSecond).toBe(93);
    expect(m.usdPerMillionOutputTokens).toBe(4.8076);
  });

  it("longer requests lower it: 16384 + 1024 tokens = 2.125 GiB each → C = 2", () => {
    const m = l4(32768, { monthlyUsd: 10_000, assumedRequestTokens: { prompt: 16384, output: 1024 } })
      .costModel.models[0]!;
    expect(m.throughput!.concurrency).toBe(2);
  });

  it("the summary prints the assumption", () => {
    const md = renderSummary(l4(8192), [], []);
    expect(md).toContain("- request: 1024 prompt + 256 output tokens (budget.assumedRequestTokens)");
  });
});
