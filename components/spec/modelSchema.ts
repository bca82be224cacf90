import { z } from "zod";
import { GPUS } from "../catalog/gpus";
import { DEFAULTS } from "./defaults";
import { imageReferenceProblem } from "./names";

/** A container image reference, checked against the distribution/reference grammar (./names.ts). */
export const ImageRefSchema = z.string().superRefine((ref, ctx) => {
  const problem = imageReferenceProblem(ref);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

/** A name clients send to the gateway; also a DNS label on Kubernetes, so lowercase letters, digits, dashes. */
export const ModelNameSchema = z
  .string()
  .min(1)
  .max(40)
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, {
    message: "must be lowercase letters, digits and dashes, starting and ending with a letter or digit",
  });

const PrecisionSchema = z.enum(["bf16", "fp16", "fp8", "int8", "int4"]);

const hfRepo = z.string().regex(/^[\w.-]+\/[\w.-]+$/, { message: "must look like owner/name" });
const hfRevision = z
  .string()
  .regex(/^[\w.-]{1,64}$/, { message: "must be a commit hash, tag or branch name" });
const fraction = z.number().min(0.5).max(0.98);

export const GpuRequestSchema = z
  .strictObject({
    type: z
      .string()
      .min(1)
      .describe(`GPU catalog id: ${GPUS.map((g) => g.id).join(", ")}`),
    count: z
      .number()
      .int()
      .min(1)
      .max(8)
      .default(1)
      .describe("GPUs per replica; vLLM shards the model over them (tensor parallelism). Default 1"),
  })
  .describe("GPUs each vLLM replica gets (kubernetes target)");

export const ReplicasSchema = z
  .strictObject({
    min: z
      .number()
      .int()
      .min(0)
      .max(100)
      .default(DEFAULTS.vllm.replicas.min)
      .describe("Fewest replicas; 0 scales to zero when idle (needs a fallback)"),
    max: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(DEFAULTS.vllm.replicas.max)
      .describe("Most replicas under load"),
  })
  .describe("Replicas of the model's vLLM Deployment, scaled by KEDA on waiting requests. Default 1–1");

export const CanarySchema = z
  .strictObject({
    weight: z
      .number()
      .int()
      .min(1)
      .max(99)
      .describe("Percent of this model name's traffic the canary gets (1–99)"),
    revision: hfRevision.optional().describe("Hugging Face revision the canary serves"),
    huggingFaceRepo: hfRepo.optional().describe("Another repository (e.g. a fine-tune) the canary serves"),
    image: ImageRefSchema.optional().describe("Another pinned vLLM image the canary runs"),
  })
  .describe(
    "A second deployment of the same name that gets `weight`% of traffic; promote or roll back by editing config",
  );

export const CloudBackendSchema = z
  .strictObject({
    kind: z
      .enum(["runpod", "modal"])
      .describe("runpod: a Runpod serverless vLLM endpoint; modal: a Modal app running vLLM"),
    gpu: GpuRequestSchema.describe(
      "GPUs per worker (the provider's GPU types: see the README's GPU-cloud table)",
    ),
    workers: z
      .strictObject({
        min: z
          .number()
          .int()
          .min(0)
          .max(100)
          .default(0)
          .describe("Workers kept warm (billed while idle); 0 = cold starts"),
        max: z.number().int().min(1).max(100).default(1).describe("Most workers under load"),
      })
      .default({ min: 0, max: 1 })
      .describe("Workers of the endpoint. Default 0–1"),
    idleTimeoutSeconds: z
      .number()
      .int()
      .min(5)
      .max(3600)
      .default(300)
      .describe("How long an idle worker stays up before scaling down, seconds. Default 300"),
    workspace: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/, {
        message: "must be your Modal workspace name (lowercase, digits, dashes)",
      })
      .optional()
      .describe("Modal workspace (modal only; it is part of the endpoint URL)"),
  })
  .describe(
    "Serve this model on a GPU cloud instead of the target (gateway, cache and monitoring stay on the target)",
  );

export const RemoteSchema = z
  .strictObject({
    provider: z.enum(["openai", "anthropic", "openai-compatible"]).describe("Hosted API serving the model"),
    model: z.string().min(1).describe("The provider's model id, e.g. gpt-4o-mini"),
    apiBase: z
      .string()
      .regex(/^https?:\/\/\S+$/, { message: "must be an http(s) URL" })
      .optional()
      .describe("Base URL including /v1 (openai-compatible only)"),
  })
  .describe("A hosted API behind the same gateway (fallbacks, overflow); its key is secret config");

export const CatalogModelSchema = z
  .strictObject({
    kind: z
      .enum(["chat", "embedding"])
      .describe("chat (serves /v1/chat/completions) or embedding (/v1/embeddings)"),
    paramsB: z.number().positive().max(2000).describe("Parameters, billions"),
    layers: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .describe("Transformer layers (num_hidden_layers in config.json)"),
    heads: z.number().int().min(1).max(1024).describe("Attention heads (num_attention_heads)"),
    kvHeads: z.number().int().min(1).max(1024).describe("Key/value heads (num_key_value_heads)"),
    headDim: z.number().int().min(1).max(4096).describe("Dimension of one attention head"),
    maxContext: z.number().int().min(256).max(10_000_000).describe("Longest native context, tokens"),
    ollamaTag: z.string().min(1).describe("Ollama library tag of the model (dev runtime)"),
    ollamaPrecision: PrecisionSchema.default("int4").describe("Precision of the Ollama tag's weights"),
    huggingFaceRepo: z
      .string()
      .regex(/^[\w.-]+\/[\w.-]+$/, { message: "must look like owner/name" })
      .describe("Hugging Face repository of the same model (vLLM runtime)"),
    modelType: z
      .string()
      .regex(/^[a-z0-9_]+$/, { message: "must be config.json's model_type, e.g. gemma2" })
      .optional()
      .describe("model_type in its config.json (vLLM refuses gemma2, gemma3, glm4 in float16)"),
  })
  .describe("A model the built-in catalog lacks");

export const ModelSchema = z
  .strictObject({
    name: ModelNameSchema.describe("Name clients send to the gateway (`model` in the request); unique"),
    model: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Catalog id (e.g. llama-3.1-8b-instruct) or an id declared under `catalog.models`; or set `remote`",
      ),
    remote: RemoteSchema.optional(),
    contextLength: z
      .number()
      .int()
      .min(256)
      .max(10_000_000)
      .optional()
      .describe(
        `Context window served, tokens. Default ${DEFAULTS.contextLength}, capped at the model's maximum; memory grows with it`,
      ),
    ollamaTag: z
      .string()
      .regex(/^[\w.\-/]+(:[\w.-]+)?$/, { message: "must look like name:tag" })
      .optional()
      .describe("Ollama tag to run instead of the catalog's (e.g. llama3.1:8b-instruct-q8_0)"),
    precision: PrecisionSchema.optional().describe(
      "Docker: precision of `ollamaTag`, for memory sizing. Kubernetes: precision vLLM serves (bf16 default; fp16 " +
        "for GPUs without bf16; fp8 quantizes on load; int4 needs a pre-quantized `huggingFaceRepo`)",
    ),
    gpu: GpuRequestSchema.optional(),
    replicas: ReplicasSchema.optional(),
    huggingFaceRepo: hfRepo
      .optional()
      .describe("Repository vLLM serves instead of the catalog's (e.g. an AWQ variant)"),
    revision: hfRevision
      .optional()
      .describe(
        "Hugging Face revision (commit) to pin. Default: the catalog's pinned commit, else the repository's main; " +
          "required for a model that runs remote code (trustRemoteCode) with a repository the catalog does not pin",
      ),
    codeRevision: hfRevision
      .optional()
      .describe(
        "Commit of the repository holding the model's remote code (config.json auto_map), passed as vLLM " +
          "--code-revision. Default: the catalog's pinned commit; required with trustRemoteCode otherwise",
      ),
    gpuMemoryUtilization: fraction
      .optional()
      .describe(
        `Fraction of GPU memory vLLM may use (0.5–0.98). Default ${DEFAULTS.vllm.gpuMemoryUtilization}`,
      ),
    kvCacheDtype: z
      .enum(["auto", "fp8"])
      .optional()
      .describe("KV cache precision; fp8 halves KV memory (longer contexts fit). Default auto"),
    canary: CanarySchema.optional(),
    backend: CloudBackendSchema.optional(),
  })
  .describe("A model served by the layer");

export type ModelEntry = z.output<typeof ModelSchema>;
export type RemoteSpec = z.output<typeof RemoteSchema>;
export type CloudBackendSpec = z.output<typeof CloudBackendSchema>;
