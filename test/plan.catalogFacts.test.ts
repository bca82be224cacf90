// Facts the catalog carries so the plan refuses what vLLM or Ollama would refuse: a model's trained context
// (nomic-embed-text-v1.5: 2048 positions) and architectures vLLM will not run in float16 (Gemma 2, GLM-4).
import { describe, expect, it } from "vitest";
import { FLOAT16_UNSUPPORTED_MODEL_TYPES, GPUS, MODELS } from "../components/catalog";
import { isOllama, isVllm, plan as makePlan } from "../components/plan";
import { fleetVllmArgs, renderVllmArgs } from "../components/render";
import { LayerConfigError, parseLayerSpec } from "../components/spec";

const k8s = (models: unknown[]) =>
  makePlan(parseLayerSpec({ target: { kind: "kubernetes", context: "c" }, models }), {
    stack: "t",
    providedSecrets: new Set(["hfToken", "modalTokenId", "modalTokenSecret"]),
  });
const problems = (f: () => unknown): string[] => {
  try {
    f();
  } catch (e) {
    if (e instanceof LayerConfigError) return e.problems.map((p) => `${p.path}: ${p.message}`);
    throw e;
  }
  throw new Error("expected the config to be refused");
};
const bf16Gpus = GPUS.filter((g) => g.bf16).map((g) => g.id);

describe("a model's trained context", () => {
  it("nomic-embed-text-v1.5 is served with 2048 tokens by default on vLLM and on Ollama", () => {
    const p = k8s([{ name: "embed", model: "nomic-embed-text-v1.5", gpu: { type: "L4" } }]);
    const embed = p.models.find(isVllm)!;
    expect(embed.maxModelLen).toBe(2048);
    expect(renderVllmArgs(embed, embed.tracks[0]!, 8000).join(" ")).toContain("--max-model-len 2048");
    const dev = makePlan(
      parseLayerSpec({
        target: { kind: "docker" },
        models: [
          { name: "chat", model: "llama-3.1-8b-instruct", contextLength: 8192 },
          { name: "embed", model: "nomic-embed-text-v1.5" },
        ],
      }),
      { stack: "dev" },
    );
    expect(dev.models.filter(isOllama).map((m) => [m.name, m.contextLength])).toEqual([
      ["chat", 8192],
      ["embed", 2048],
    ]);
  });

  it("a longer contextLength is refused with the model's maximum", () => {
    expect(
      problems(() =>
        k8s([{ name: "embed", model: "nomic-embed-text-v1.5", gpu: { type: "L4" }, contextLength: 8192 }]),
      ),
    ).toEqual([
      "layer.models[0].contextLength: 8192 exceeds the 2048 tokens nomic-embed-text-v1.5 supports; set 2048 or less",
    ]);
  });
});

describe("architectures vLLM refuses in float16", () => {
  it("the catalog marks every Gemma 2 model, and only architectures vLLM lists", () => {
    const marked = MODELS.filter((m) => m.modelType && FLOAT16_UNSUPPORTED_MODEL_TYPES.has(m.modelType));
    expect(marked.map((m) => m.id)).toEqual(["gemma-2-2b-it", "gemma-2-9b-it", "gemma-2-27b-it"]);
  });

  it("Gemma 2 on a T4 (no bf16) is refused with the GPUs that have bf16, not silently served in fp16", () => {
    const out = problems(() => k8s([{ name: "chat", model: "gemma-2-2b-it", gpu: { type: "T4" } }]));
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^layer\.models\[0\]\.gpu: vLLM refuses gemma-2-2b-it \(gemma2\) in float16/);
    expect(out[0]).toContain(bf16Gpus.join(", "));
    // Negative control: the same model on an L4 plans in bf16; a Llama on a T4 still plans in fp16.
    expect(k8s([{ name: "chat", model: "gemma-2-2b-it", gpu: { type: "L4" } }]).models[0]).toMatchObject({
      precision: "bf16",
    });
    expect(
      k8s([{ name: "chat", model: "llama-3.2-3b-instruct", gpu: { type: "T4" } }]).models[0],
    ).toMatchObject({
      precision: "fp16",
    });
  });

  it("an explicit precision: fp16 is refused too, with the fix", () => {
    expect(
      problems(() => k8s([{ name: "chat", model: "gemma-2-9b-it", gpu: { type: "L4" }, precision: "fp16" }])),
    ).toEqual([
      "layer.models[0].precision: vLLM refuses gemma-2-9b-it (gemma2) in float16: numerical instability " +
        "(vllm/config/model.py _FLOAT16_NOT_SUPPORTED_MODELS). Set precision: bf16 (or remove it)",
    ]);
  });

  it("the same rule holds on a GPU cloud (Modal T4) and for a model described in config", () => {
    const modal = problems(() =>
      makePlan(
        parseLayerSpec({
          target: { kind: "docker" },
          models: [
            {
              name: "chat",
              model: "glm-4-9b",
              backend: { kind: "modal", workspace: "team", gpu: { type: "T4" } },
            },
          ],
          catalog: {
            models: {
              "glm-4-9b": {
                kind: "chat",
                paramsB: 9.4,
                layers: 40,
                heads: 32,
                kvHeads: 2,
                headDim: 128,
                maxContext: 8192,
                ollamaTag: "glm4:9b",
                huggingFaceRepo: "THUDM/glm-4-9b-chat-hf",
                modelType: "glm4",
              },
            },
          },
        }),
        {
          stack: "t",
          providedSecrets: new Set([
            "modalTokenId",
            "modalTokenSecret",
            "modalProxyTokenId",
            "modalProxyTokenSecret",
          ]),
        },
      ),
    );
    expect(modal).toHaveLength(1);
    expect(modal[0]).toMatch(/^layer\.models\[0\]\.backend\.gpu: vLLM refuses glm-4-9b \(glm4\) in float16/);
  });

  it("the shipped fleet's vLLM args are unchanged by the rule (no Gemma there)", () => {
    expect(
      Object.keys(
        fleetVllmArgs(k8s([{ name: "chat", model: "llama-3.1-8b-instruct", gpu: { type: "L4" } }])),
      ),
    ).toEqual(["chat"]);
  });
});
