// No silent zero (issue 13 point 10): a GPU the catalog accepts but cannot price on a target (A100-80GB has no AWS
// instance, so the kubernetes target has no $/GPU-hour for it) is reported as unpriced in the plan, the summary and
// the budget check, never counted as $0/h without a word.
import { describe, expect, it } from "vitest";
import { renderSummary } from "../bin/offline/summary";
import { GPUS } from "../components/catalog";
import { CLOUD_GPUS } from "../components/catalog/cloudGpus";
import { plan, type VllmModel } from "../components/plan";
import { parseLayerSpec } from "../components/spec";

const a100 = (extra: Record<string, unknown> = {}, target: Record<string, unknown> = {}) =>
  plan(
    parseLayerSpec({
      target: { kind: "kubernetes", context: "c", ...target },
      models: [{ name: "chat", model: "llama-3.1-8b-instruct", gpu: { type: "A100-80GB" } }],
      ...extra,
    }),
    { stack: "t", providedSecrets: new Set(["hfToken"]) },
  );

describe("a GPU without a price on its target", () => {
  it("is marked unpriced in the plan and the cost model, with the fix", () => {
    const p = a100();
    expect((p.models[0] as VllmModel).unpriced).toMatch(/A100-80GB.*costPerGpuHourUsd/);
    expect(p.costModel.models[0]).toMatchObject({ unpriced: expect.stringMatching(/A100-80GB/) });
    expect(p.costModel.models[0]!.usdPerMillionOutputTokens).toBeNull();
    expect(p.warnings.join("\n")).toMatch(/chat: .*unpriced.*costPerGpuHourUsd/);
  });

  it("the summary says unpriced, not $0", () => {
    const md = renderSummary(a100(), [], []);
    const cost = md.slice(md.indexOf("## Cost"), md.indexOf("## Endpoints"));
    expect(cost).toMatch(/\| chat \| unpriced/);
    expect(cost).toMatch(/Unpriced: chat/);
    expect(md).not.toContain("replicas 1–1 | $0.00 |");
    expect(md).toContain("replicas 1–1 | unpriced |");
    expect(cost).not.toMatch(/\| chat \| \$0–\$0/);
  });

  it("the budget check says its total leaves the unpriced model out", () => {
    const p = a100({ budget: { monthlyUsd: 1000 } });
    expect(p.warnings.join("\n")).toMatch(/Budget check incomplete: chat .*unpriced/);
    const md = renderSummary(p, [], []);
    expect(md).toMatch(/- Budget: .*leaves out unpriced chat/);
  });

  it("a configured costPerGpuHourUsd prices it", () => {
    const p = a100({}, { costPerGpuHourUsd: 2 });
    expect((p.models[0] as VllmModel).unpriced).toBeUndefined();
    expect((p.models[0] as VllmModel).usdPerReplicaHour).toBe(2);
  });
});

describe("every GPU the catalog accepts is priced on a target that runs it, or named unpriced", () => {
  it.each(GPUS.map((g) => g.id))("%s on kubernetes", (gpu) => {
    const p = plan(
      parseLayerSpec({
        target: { kind: "kubernetes", context: "c" },
        models: [{ name: "m", model: "llama-3.2-1b-instruct", gpu: { type: gpu } }],
      }),
      { stack: "t", providedSecrets: new Set(["hfToken"]) },
    );
    const m = p.models[0] as VllmModel;
    expect(m.usdPerReplicaHour > 0 || m.unpriced !== undefined).toBe(true);
  });

  it("GPU clouds list a price for every GPU they rent", () => {
    for (const offers of Object.values(CLOUD_GPUS))
      for (const o of offers) expect(o.usdPerHour).toBeGreaterThan(0);
  });
});
