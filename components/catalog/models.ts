/**
 * Open models the planner knows: architecture numbers for memory sizing and the same model's name on each
 * runtime (an Ollama library tag for dev, a Hugging Face repo for vLLM). Numbers are from each model's
 * Hugging Face config.json (num_hidden_layers, num_key_value_heads, head_dim = hidden_size /
 * num_attention_heads unless the config sets head_dim, max_position_embeddings).
 * A model missing here is described in config under `layer.catalog.models` with the same fields.
 */
export type ModelKind = "chat" | "embedding";

/** Weight precision. Ollama's default library tags are Q4_K_M (about 4.8 bits per weight). */
export type Precision = "bf16" | "fp16" | "fp8" | "int8" | "int4";

export interface ModelSpec {
  /** Catalog id used in config (`layer.models[].model`). */
  readonly id: string;
  /** chat (serves /v1/chat/completions) or embedding (serves /v1/embeddings). */
  readonly kind: ModelKind;
  /** Parameters, billions. */
  readonly paramsB: number;
  /** Transformer layers (num_hidden_layers). */
  readonly layers: number;
  /** Attention (query) heads (num_attention_heads); tensor parallelism must divide them. */
  readonly heads: number;
  /** Key/value heads (num_key_value_heads; equals attention heads without GQA). */
  readonly kvHeads: number;
  /** Dimension of one attention head. */
  readonly headDim: number;
  /** Longest context the model supports natively, tokens. */
  readonly maxContext: number;
  /** Ollama library tag of this model (its default quantization). */
  readonly ollamaTag: string;
  /** Precision of the Ollama tag's weights. */
  readonly ollamaPrecision: Precision;
  /** Hugging Face repository of the same model (served by vLLM). */
  readonly huggingFaceRepo: string;
  /**
   * The repository's config names custom model code vLLM must be allowed to run (--trust-remote-code). Such a
   * model must also pin `revision` and `codeRevision`: remote code from a moving branch runs whatever was pushed.
   */
  readonly trustRemoteCode?: boolean;
  /** Commit of `huggingFaceRepo` the catalog pins (vLLM --revision, --tokenizer-revision). */
  readonly revision?: string;
  /**
   * Repository that holds the model's code when it is not `huggingFaceRepo` itself (config.json `auto_map`
   * entries of the form `<repo>--<module>.<Class>`); for the summary and error messages.
   */
  readonly codeRepo?: string;
  /** Commit of the code's repository (`codeRepo`, else `huggingFaceRepo`) the catalog pins (vLLM --code-revision). */
  readonly codeRevision?: string;
  /** `model_type` in its config.json: vLLM decides some rules per architecture (FLOAT16_UNSUPPORTED_MODEL_TYPES). */
  readonly modelType?: string;
}

/**
 * Architectures vLLM refuses to serve in float16 ("Numerical instability. Please use bfloat16 or float32 instead"):
 * `_FLOAT16_NOT_SUPPORTED_MODELS` in vllm-project/vllm vllm/config/model.py (gemma2, gemma3, gemma3_text, plamo2,
 * glm4 at the v0.2x releases). On a GPU without bfloat16 (T4, V100) such a model cannot run on vLLM at all.
 */
export const FLOAT16_UNSUPPORTED_MODEL_TYPES: ReadonlySet<string> = new Set([
  "gemma2",
  "gemma3",
  "gemma3_text",
  "plamo2",
  "glm4",
]);

/**
 * Bytes per weight by precision. int4 is the effective figure of Ollama's Q4_K_M files (llama3.1:8b is 4.9 GB
 * for 8.03 B parameters ≈ 0.61 B/param: 4-bit blocks plus scales, some tensors kept at higher precision).
 */
export const BYTES_PER_PARAM: Readonly<Record<Precision, number>> = {
  bf16: 2,
  fp16: 2,
  fp8: 1,
  int8: 1.07,
  int4: 0.61,
};

const llama = (
  id: string,
  paramsB: number,
  layers: number,
  heads: number,
  headDim: number,
  ollamaTag: string,
  repo: string,
): ModelSpec => ({
  id,
  kind: "chat",
  paramsB,
  layers,
  heads,
  kvHeads: 8,
  headDim,
  maxContext: 131072,
  ollamaTag,
  ollamaPrecision: "int4",
  huggingFaceRepo: repo,
});

export const MODELS: readonly ModelSpec[] = [
  llama("llama-3.2-1b-instruct", 1.24, 16, 32, 64, "llama3.2:1b", "meta-llama/Llama-3.2-1B-Instruct"),
  llama("llama-3.2-3b-instruct", 3.21, 28, 24, 128, "llama3.2:3b", "meta-llama/Llama-3.2-3B-Instruct"),
  llama("llama-3.1-8b-instruct", 8.03, 32, 32, 128, "llama3.1:8b", "meta-llama/Llama-3.1-8B-Instruct"),
  llama("llama-3.1-70b-instruct", 70.6, 80, 64, 128, "llama3.1:70b", "meta-llama/Llama-3.1-70B-Instruct"),
  llama("llama-3.3-70b-instruct", 70.6, 80, 64, 128, "llama3.3:70b", "meta-llama/Llama-3.3-70B-Instruct"),
  {
    id: "mistral-7b-instruct-v0.3",
    kind: "chat",
    paramsB: 7.25,
    layers: 32,
    heads: 32,
    kvHeads: 8,
    headDim: 128,
    maxContext: 32768,
    ollamaTag: "mistral:7b",
    ollamaPrecision: "int4",
    huggingFaceRepo: "mistralai/Mistral-7B-Instruct-v0.3",
  },
  ...(
    [
      ["7b", 7.62, 28, 28, 4],
      ["14b", 14.7, 48, 40, 8],
      ["32b", 32.5, 64, 40, 8],
      ["72b", 72.7, 80, 64, 8],
    ] as const
  ).map(([size, paramsB, layers, heads, kvHeads]): ModelSpec => ({
    id: `qwen2.5-${size}-instruct`,
    kind: "chat",
    paramsB,
    layers,
    heads,
    kvHeads,
    headDim: 128,
    // config.json says 131072 only with YaRN rope scaling enabled; 32768 is the native window.
    maxContext: 32768,
    ollamaTag: `qwen2.5:${size}`,
    ollamaPrecision: "int4",
    huggingFaceRepo: `Qwen/Qwen2.5-${size.toUpperCase()}-Instruct`,
  })),
  ...(
    [
      ["2b", 2.61, 26, 8, 4, 256],
      ["9b", 9.24, 42, 16, 8, 256],
      ["27b", 27.2, 46, 32, 16, 128],
    ] as const
  ).map(([size, paramsB, layers, heads, kvHeads, headDim]): ModelSpec => ({
    id: `gemma-2-${size}-it`,
    kind: "chat",
    paramsB,
    layers,
    heads,
    kvHeads,
    headDim,
    maxContext: 8192,
    modelType: "gemma2",
    ollamaTag: `gemma2:${size}`,
    ollamaPrecision: "int4",
    huggingFaceRepo: `google/gemma-2-${size}-it`,
  })),
  {
    id: "nomic-embed-text-v1.5",
    kind: "embedding",
    paramsB: 0.137,
    layers: 12,
    heads: 12,
    kvHeads: 12,
    headDim: 64,
    // config.json: max_position_embeddings = max_trained_positions = 2048 (RoPE); vLLM builds NomicBert's rotary
    // embedding for max_trained_positions (vllm/model_executor/models/config.py NomicBertModelConfig) and refuses a
    // longer --max-model-len without rope scaling, and Ollama's nomic-embed-text truncates at 2048 tokens.
    maxContext: 2048,
    modelType: "nomic_bert",
    ollamaTag: "nomic-embed-text",
    // Ollama ships this one unquantized.
    ollamaPrecision: "fp16",
    huggingFaceRepo: "nomic-ai/nomic-embed-text-v1.5",
    // nomic-bert is not a transformers architecture: config.json's auto_map names
    // "nomic-ai/nomic-bert-2048--configuration_hf_nomic_bert.NomicBertConfig", code in ANOTHER repository. For such a
    // reference transformers fetches the code at `code_revision`, and falls back to the model's `revision` only when
    // the code sits in the model's own repository (huggingface/transformers src/transformers/dynamic_module_utils.py
    // get_class_from_dynamic_module: `if code_revision is None and pretrained_model_name_or_path == repo_id:
    // code_revision = revision`), so both are pinned. The two commits, read (not invented) from
    // suhjohn/pufferfs modal/nomic_model.py @bb877d50 (MODEL = "nomic-ai/nomic-embed-text-v1.5", MODEL_REVISION,
    // CODE_REVISION passed as code_revision); the same pair appears in other public projects pinning this model.
    trustRemoteCode: true,
    revision: "e9b6763023c676ca8431644204f50c2b100d9aab",
    codeRepo: "nomic-ai/nomic-bert-2048",
    codeRevision: "7710840340a098cfb869c4f65e87cf2b1b70caca",
  },
];

export function findModel(id: string, extra: readonly ModelSpec[] = []): ModelSpec | undefined {
  return [...extra, ...MODELS].find((m) => m.id === id);
}

/**
 * Size of the checkpoint on disk, GiB: 4-bit repos store 4-bit weights; everything else is downloaded at 16 bits
 * (fp8 is quantized on load).
 */
export function weightsOnDisk(model: Pick<ModelSpec, "paramsB">, precision: Precision): number {
  return (model.paramsB * 1e9 * BYTES_PER_PARAM[precision === "int4" ? "int4" : "bf16"]) / 1024 ** 3;
}
