// GPU fit on the kubernetes target: configs vLLM would refuse to start are rejected by parse+plan with the path,
// the numbers and a concrete fix; every fix fitFixes suggests is itself checked to fit. Expected figures are
// computed by hand here (not with the planner's helpers), so a wrong formula in the planner fails these tests.
import { describe, expect, it } from "vitest";
import { findGpu, findModel } from "../components/catalog";
import { fitFixes, gpuFit, plan, type GpuFitInput } from "../components/plan";
import { LayerConfigError, parseLayerSpec } from "../components/spec";
import { fitInput } from "./helpers/fitInput";

type Entry = Record<string, unknown>;
const GiB = 2 ** 30;

function planOf(models: Entry[]) {
  const spec = parseLayerSpec({ target: { kind: "kubernetes", context: "test" }, models });
  return plan(spec, { stack: "test", providedSecrets: new Set(["hfToken"]) });
}

/** The problems parse+plan report for `models`; fails the test when the config is accepted. */
function problemsOf(models: Entry[]): { path: string; message: string }[] {
  try {
    planOf(models);
  } catch (e) {
    expect(e).toBeInstanceOf(LayerConfigError);
    return [...(e as LayerConfigError).problems];
  }
  throw new Error(`expected a rejection of ${JSON.stringify(models)}`);
}

const oneProblem = (entry: Entry) => {
  const p = problemsOf([{ name: "chat", ...entry }]);
  expect(p).toHaveLength(1);
  return p[0]!;
};

/**
 * By hand, per GPU (GiB): weights = params × bytes / 2^30 / count; budget = CUDA total × util;
 * kv = 2 × layers × kvHeads × headDim × kvBytes × len / count / 2^30; overhead per GPU class (docs/gpu-memory.md).
 */
function byHand(o: {
  paramsB: number;
  bytes: number;
  count: number;
  total: number;
  ovh: number;
  util?: number;
  layers: number;
  kvHeads: number;
  headDim: number;
  kvBytes?: number;
  len: number;
}) {
  const weights = (o.paramsB * 1e9 * o.bytes) / GiB / o.count;
  const budget = o.total * (o.util ?? 0.9);
  const kvPerToken = (2 * o.layers * o.kvHeads * o.headDim * (o.kvBytes ?? 2)) / o.count / GiB;
  const required = weights + o.ovh + kvPerToken * o.len;
  return {
    weights,
    budget,
    kv: kvPerToken * o.len,
    required,
    maxLen: Math.floor((budget - weights - o.ovh) / kvPerToken),
  };
}
const LLAMA_8B = { paramsB: 8.03, layers: 32, kvHeads: 8, headDim: 128 };
const LLAMA_70B = { paramsB: 70.6, layers: 80, kvHeads: 8, headDim: 128 };
const QWEN_72B = { paramsB: 72.7, layers: 80, kvHeads: 8, headDim: 128 };
const f1 = (n: number) => n.toFixed(1);

const input = fitInput;

/** A fix sentence from fitFixes as the change it asks for: to the fit input and to the config entry. */
function parseFix(fix: string): { input: Partial<GpuFitInput>; entry: Entry } {
  let m: RegExpExecArray | null;
  if ((m = /^set contextLength to (\d+) or less$/.exec(fix)))
    return { input: { maxModelLen: Number(m[1]) }, entry: { contextLength: Number(m[1]) } };
  if (fix.startsWith("set kvCacheDtype: fp8"))
    return { input: { kvBytesPerElement: 1 }, entry: { kvCacheDtype: "fp8" } };
  if (fix.startsWith("set precision: fp8"))
    return { input: { precision: "fp8" }, entry: { precision: "fp8" } };
  if (fix.includes("precision: int4"))
    return {
      input: { precision: "int4" },
      entry: { precision: "int4", huggingFaceRepo: "example/awq-int4" },
    };
  if ((m = /^use gpu\.count: (\d+) /.exec(fix)))
    return { input: { count: Number(m[1]) }, entry: { count: Number(m[1]) } };
  if ((m = /^use a larger GPU: gpu\.type: (\S+) /.exec(fix)))
    return { input: { gpu: findGpu(m[1]!)! }, entry: { type: m[1] } };
  throw new Error(`unrecognised fix: ${fix}`);
}

/** Applies every suggested fix to the config and checks both gpuFit and the whole plan accept it. */
function expectFixesFit(entry: Entry & { gpu: { type: string; count?: number } }, fitIn: GpuFitInput) {
  const fixes = fitFixes(fitIn, gpuFit(fitIn));
  expect(fixes.length).toBeGreaterThan(0);
  for (const fix of fixes) {
    const change = parseFix(fix);
    expect(gpuFit({ ...fitIn, ...change.input }).fits, fix).toBe(true);
    const { count, type, ...rest } = change.entry;
    const fixed = {
      ...entry,
      ...rest,
      gpu: { ...entry.gpu, ...(count ? { count } : {}), ...(type ? { type } : {}) },
    };
    expect(() => planOf([{ name: "chat", ...fixed }]), fix).not.toThrow();
  }
  return fixes;
}

describe("configs vLLM would refuse are rejected with the path, the numbers and a fix", () => {
  it("Llama-3.1-8B at its full 131072 context on an L4: fix contextLength ≤ the computed max", () => {
    const entry = { model: "llama-3.1-8b-instruct", contextLength: 131072, gpu: { type: "L4" } };
    const p = oneProblem(entry);
    const h = byHand({ ...LLAMA_8B, bytes: 2, count: 1, total: 22.04, ovh: 0.27, len: 131072 });
    expect(h.maxLen).toBe(37756); // vLLM's own log on a 22.07 GiB A10: 37696 (docs/gpu-memory.md)
    expect(p.path).toBe("layer.models[0].gpu");
    expect(p.message).toContain(`weights ${f1(h.weights)} + overhead 0.3 + KV cache ${f1(h.kv)}`);
    expect(p.message).toContain(`= ${f1(h.required)} GiB per GPU`);
    expect(f1(h.required)).toBe("31.2");
    expect(p.message).toContain(`${f1(h.budget)} GiB per GPU`);
    const cap = Math.floor(h.maxLen / 1024) * 1024;
    expect(p.message).toContain(`set contextLength to ${cap} or less`);
    expect(gpuFit(input("llama-3.1-8b-instruct", "L4", { maxModelLen: cap })).fits).toBe(true);
    expect(gpuFit(input("llama-3.1-8b-instruct", "L4", { maxModelLen: h.maxLen + 1 })).fits).toBe(false);
    expectFixesFit(entry, input("llama-3.1-8b-instruct", "L4", { maxModelLen: 131072 }));
  });

  it("Llama-3.1-70B at bf16 on one H100: fix int4 or gpu.count (fp8 alone leaves no room for 8192 tokens)", () => {
    const entry = { model: "llama-3.1-70b-instruct", gpu: { type: "H100" } };
    const p = oneProblem(entry);
    const h = byHand({ ...LLAMA_70B, bytes: 2, count: 1, total: 79.18, ovh: 3.05, len: 8192 });
    expect(p.path).toBe("layer.models[0].gpu");
    expect(p.message).toContain(`weights ${f1(h.weights)}`);
    expect(p.message).toContain("71.3 GiB per GPU");
    expect(p.message).toContain("precision: int4");
    expect(p.message).toContain("use gpu.count: 2");
    expect(p.message).not.toContain("contextLength"); // not even the weights fit: no context is short enough
    expectFixesFit(entry, input("llama-3.1-70b-instruct", "H100"));
  });

  it("8B at 40960 on an A10G: refused on CUDA's 22.06 GiB, though it fits the marketing 24 GiB", () => {
    const entry = { model: "llama-3.1-8b-instruct", contextLength: 40960, gpu: { type: "A10G" } };
    const p = oneProblem(entry);
    const h = byHand({ ...LLAMA_8B, bytes: 2, count: 1, total: 22.06, ovh: 0.27, len: 40960 });
    expect(p.path).toBe("layer.models[0].gpu");
    expect(p.message).toContain("22.06 GiB as CUDA reports");
    expect(p.message).toContain(`= ${f1(h.required)} GiB per GPU`);
    const marketing = { id: "A10G", memoryMiB: 24 * 1024, bf16: true, fp8: false, vllmOverheadGiB: 0.27 };
    expect(gpuFit(input("llama-3.1-8b-instruct", marketing, { maxModelLen: 40960 })).fits).toBe(true);
    expect(gpuFit(input("llama-3.1-8b-instruct", "A10G", { maxModelLen: 40960 })).fits).toBe(false);
    expect(gpuFit(input("llama-3.1-8b-instruct", "A10G", { maxModelLen: 32768 })).fits).toBe(true);
    const fixes = expectFixesFit(entry, input("llama-3.1-8b-instruct", "A10G", { maxModelLen: 40960 }));
    expect(fixes).toContain("set kvCacheDtype: fp8 (halves the KV cache)");
  });

  it("8B at fp16 on a T4 (16 GiB): the weights alone exceed the budget", () => {
    const entry = { model: "llama-3.1-8b-instruct", precision: "fp16", gpu: { type: "T4" } };
    const p = oneProblem(entry);
    const h = byHand({ ...LLAMA_8B, bytes: 2, count: 1, total: 14.74, ovh: 0.95, len: 8192 });
    expect(p.path).toBe("layer.models[0].gpu");
    expect(p.message).toContain(
      `at fp16 does not fit 1 × T4 (14.74 GiB as CUDA reports, 0.9 usable → ${f1(h.budget)} GiB`,
    );
    expect(p.message).toContain(`= ${f1(h.required)} GiB per GPU`);
    expect(p.message).toContain("use gpu.count: 2");
    expectFixesFit(entry, input("llama-3.1-8b-instruct", "T4", { precision: "fp16" }));
  });

  it("bf16 on a T4 (no bfloat16): a precision error, not a memory one", () => {
    const p = oneProblem({ model: "llama-3.2-1b-instruct", precision: "bf16", gpu: { type: "T4" } });
    expect(p).toEqual({
      path: "layer.models[0].precision",
      message: expect.stringMatching(/bfloat16.*precision: fp16/),
    });
    // The default on a T4 is fp16, which fits the 1B model.
    const ok = planOf([{ name: "chat", model: "llama-3.2-1b-instruct", gpu: { type: "T4" } }]);
    expect(ok.models[0]).toMatchObject({ precision: "fp16" });
  });

  it("qwen2.5-72b at bf16 on 2 × L40S: fix fp8 or 4 GPUs", () => {
    const entry = { model: "qwen2.5-72b-instruct", gpu: { type: "L40S", count: 2 } };
    const p = oneProblem(entry);
    const h = byHand({ ...QWEN_72B, bytes: 2, count: 2, total: 44.39, ovh: 1.54, len: 8192 });
    expect(p.path).toBe("layer.models[0].gpu");
    expect(p.message).toContain(`2 × L40S`);
    expect(p.message).toContain(`weights ${f1(h.weights)} + overhead 1.5 + KV cache ${f1(h.kv)}`);
    expect(p.message).toContain(`= ${f1(h.required)} GiB per GPU`);
    expect(p.message).toContain("use gpu.count: 4");
    expect(p.message).toContain("set precision: fp8");
    expectFixesFit(entry, input("qwen2.5-72b-instruct", "L40S", { count: 2 }));
  });

  it("gpu.count 3: tensor parallelism must divide the KV heads", () => {
    const p = oneProblem({ model: "llama-3.1-8b-instruct", gpu: { type: "L4", count: 3 } });
    expect(p.path).toBe("layer.models[0].gpu.count");
    expect(p.message).toMatch(/8 KV heads.*1, 2, 4, 8/);
  });

  it("an unknown GPU type names the known ones and the closest", () => {
    const p = oneProblem({ model: "llama-3.1-8b-instruct", gpu: { type: "L5" } });
    expect(p.path).toBe("layer.models[0].gpu.type");
    expect(p.message).toContain('did you mean "L4"');
    expect(p.message).toContain("T4, A10G, L4, L40S, A100-40GB, H100");
  });

  it("int4 without huggingFaceRepo: a pre-quantized checkpoint is needed", () => {
    const p = oneProblem({ model: "llama-3.1-8b-instruct", precision: "int4", gpu: { type: "L4" } });
    expect(p.path).toBe("layer.models[0].precision");
    expect(p.message).toMatch(/huggingFaceRepo.*AWQ or GPTQ/);
  });

  it("every misfit is reported at once, each at its own path", () => {
    const p = problemsOf([
      { name: "a", model: "llama-3.1-70b-instruct", gpu: { type: "H100" } },
      { name: "b", model: "llama-3.1-8b-instruct", gpu: { type: "L4" } },
      { name: "c", model: "llama-3.1-8b-instruct", contextLength: 131072, gpu: { type: "L4" } },
    ]);
    expect(p.map((x) => x.path)).toEqual(["layer.models[0].gpu", "layer.models[2].gpu"]);
  });
});

describe("configs that fit", () => {
  it("8B at 8192 on an L4: 15.0 + 0.27 + 1.0 ≤ 19.8 GiB", () => {
    const h = byHand({ ...LLAMA_8B, bytes: 2, count: 1, total: 22.04, ovh: 0.27, len: 8192 });
    expect(h.kv).toBe(1); // 131072 B/token × 8192 tokens = exactly 1 GiB
    const fit = gpuFit(input("llama-3.1-8b-instruct", "L4"));
    expect(fit.fits).toBe(true);
    expect(fit.weightsGiB).toBeCloseTo(h.weights, 9);
    expect(fit.budgetGiB).toBeCloseTo(h.budget, 9);
    expect(fit.requiredGiB).toBeCloseTo(h.required, 9);
    expect(fit.maxFittingModelLen).toBe(h.maxLen);
    expect(fit.sequencesAtMaxLen).toBe(Math.floor((h.budget - h.weights - 0.27) / h.kv));
    const p = planOf([
      { name: "chat", model: "llama-3.1-8b-instruct", contextLength: 8192, gpu: { type: "L4" } },
    ]);
    expect(p.models[0]).toMatchObject({ maxModelLen: 8192, gpu: { type: "L4", count: 1 } });
  });

  it("70B at fp8 on one H100 at 4096: 65.8 + 3.05 + 1.25 ≤ 71.3 GiB fits (8192 would not)", () => {
    const h = byHand({ ...LLAMA_70B, bytes: 1, count: 1, total: 79.18, ovh: 3.05, len: 4096 });
    expect(h.required).toBeLessThanOrEqual(h.budget);
    expect(gpuFit(input("llama-3.1-70b-instruct", "H100", { precision: "fp8" })).fits).toBe(false);
    const fit = gpuFit(input("llama-3.1-70b-instruct", "H100", { precision: "fp8", maxModelLen: 4096 }));
    expect(fit.fits).toBe(h.required <= h.budget);
    expect(fit.requiredGiB).toBeCloseTo(h.required, 9);
    expect(fit.sequencesAtMaxLen).toBe(1);
    const p = planOf([
      {
        name: "chat",
        model: "llama-3.1-70b-instruct",
        precision: "fp8",
        contextLength: 4096,
        gpu: { type: "H100" },
      },
    ]);
    expect(p.warnings.join("\n")).toMatch(/holds only 1 full 4096-token/);
  });

  it("tensor parallelism shards weights and KV: 70B bf16 on 4 × H100", () => {
    const h = byHand({ ...LLAMA_70B, bytes: 2, count: 4, total: 79.18, ovh: 3.05, len: 8192 });
    const fit = gpuFit(input("llama-3.1-70b-instruct", "H100", { count: 4 }));
    expect(fit.weightsGiB).toBeCloseTo(h.weights, 9);
    expect(fit.kvPerSequenceGiB).toBeCloseTo(h.kv, 9);
    expect(fit.fits).toBe(true);
  });
});

describe("KV heads replicated past their count", () => {
  it("with more GPUs than KV heads each GPU holds total KV / kvHeads, not / GPUs", () => {
    const qwen = findModel("qwen2.5-7b-instruct")!; // 4 KV heads, 28 layers, head dim 128
    const l4 = findGpu("L4")!;
    const base = {
      model: qwen,
      gpu: l4,
      precision: "bf16" as const,
      maxModelLen: 32768,
      gpuMemoryUtilization: 0.9,
      kvBytesPerElement: 2,
    };
    const kvTotal = (2 * 28 * 4 * 128 * 2 * 32768) / 2 ** 30; // 1.75 GiB for one sequence
    expect(gpuFit({ ...base, count: 4 }).kvPerSequenceGiB).toBeCloseTo(kvTotal / 4, 6);
    // At 8 GPUs vLLM copies the 4 KV heads, so a GPU still holds a quarter, not an eighth.
    expect(gpuFit({ ...base, count: 8 }).kvPerSequenceGiB).toBeCloseTo(kvTotal / 4, 6);
  });
});
