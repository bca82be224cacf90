import { z } from "zod";
import { DEFAULTS } from "./defaults";

/**
 * The layer config (`ai-layer:layer`): one structured value per stack. Objects are strict (an unknown key is an
 * error naming it), every field has a description (the README's config reference is generated from them), and
 * every default comes from ./defaults.ts. Cross-field rules live in ./crossChecks.ts.
 */

const port = (what: string) => z.number().int().min(1).max(65535).describe(`${what} (1–65535)`);

/** A name clients send to the gateway; also a DNS label on Kubernetes, so lowercase letters, digits, dashes. */
export const ModelNameSchema = z
  .string()
  .min(1)
  .max(40)
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, {
    message: "must be lowercase letters, digits and dashes, starting and ending with a letter or digit",
  });

const PrecisionSchema = z.enum(["bf16", "fp16", "fp8", "int8", "int4"]);

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
    kvHeads: z.number().int().min(1).max(1024).describe("Key/value heads (num_key_value_heads)"),
    headDim: z.number().int().min(1).max(4096).describe("Dimension of one attention head"),
    maxContext: z.number().int().min(256).max(10_000_000).describe("Longest native context, tokens"),
    ollamaTag: z.string().min(1).describe("Ollama library tag of the model (dev runtime)"),
    ollamaPrecision: PrecisionSchema.default("int4").describe("Precision of the Ollama tag's weights"),
    huggingFaceRepo: z
      .string()
      .regex(/^[\w.-]+\/[\w.-]+$/, { message: "must look like owner/name" })
      .describe("Hugging Face repository of the same model (vLLM runtime)"),
  })
  .describe("A model the built-in catalog lacks");

export const ModelSchema = z
  .strictObject({
    name: ModelNameSchema.describe("Name clients send to the gateway (`model` in the request); unique"),
    model: z
      .string()
      .min(1)
      .describe("Catalog id (e.g. llama-3.1-8b-instruct) or an id declared under `catalog.models`"),
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
      "Weight precision of `ollamaTag`, for memory sizing. Default: the catalog's (int4 for Ollama's default tags)",
    ),
  })
  .describe("A model served by the layer");

const DockerGpuSchema = z
  .strictObject({
    type: z.string().optional().describe("GPU catalog id (T4, A10G, L4, L40S, A100-40GB, H100)"),
    memoryGiB: z
      .number()
      .positive()
      .max(1024)
      .optional()
      .describe("Memory per GPU, GiB, for a GPU the catalog lacks (e.g. 24 for an RTX 4090)"),
    count: z.number().int().min(1).max(16).default(1).describe("GPUs given to Ollama. Default 1"),
  })
  .describe("The host's NVIDIA GPUs (needs the NVIDIA Container Toolkit). Omit for CPU only");

export const DockerTargetSchema = z
  .strictObject({
    kind: z.literal("docker").describe("Run everything in Docker on one host"),
    host: z
      .string()
      .regex(/^(unix|ssh|tcp|npipe):\/\/\S+$/, {
        message: "must be a Docker host URL: unix:///var/run/docker.sock, ssh://user@host or tcp://host:2376",
      })
      .optional()
      .describe(
        "Docker daemon to use. Default: the local one (DOCKER_HOST). ssh://user@gpu-box for a remote box",
      ),
    gpu: DockerGpuSchema.optional(),
    hostMemoryGiB: z
      .number()
      .positive()
      .max(4096)
      .default(DEFAULTS.target.docker.hostMemoryGiB)
      .describe(
        `Host memory available to models that spill off the GPU, GiB. Default ${DEFAULTS.target.docker.hostMemoryGiB}`,
      ),
    bindAddress: z
      .string()
      .regex(/^(\d{1,3}\.){3}\d{1,3}$/, { message: "must be an IPv4 address such as 127.0.0.1" })
      .default(DEFAULTS.target.docker.bindAddress)
      .describe(
        `Host address published ports bind to. Default ${DEFAULTS.target.docker.bindAddress} (this machine only)`,
      ),
    ports: z
      .strictObject({
        gateway: port("Host port of the LiteLLM gateway").default(DEFAULTS.target.docker.ports.gateway),
        grafana: port("Host port of Grafana").default(DEFAULTS.target.docker.ports.grafana),
        prometheus: port("Host port of Prometheus").default(DEFAULTS.target.docker.ports.prometheus),
      })
      .default(DEFAULTS.target.docker.ports)
      .describe("Host ports of the services users reach. Defaults 4000, 3000, 9090"),
    costPerHourUsd: z
      .number()
      .min(0)
      .max(10_000)
      .default(DEFAULTS.target.docker.costPerHourUsd)
      .describe("What the Docker host costs, USD per hour (0 for a laptop). Used in the cost estimate"),
    modelPullTimeoutSeconds: z
      .number()
      .int()
      .min(60)
      .max(86_400)
      .default(DEFAULTS.target.docker.modelPullTimeoutSeconds)
      .describe("How long `up` waits for Ollama to pull every model, seconds. Default 3600"),
  })
  .describe("Where the layer runs");

export const TargetSchema = z.discriminatedUnion("kind", [DockerTargetSchema]);

export const GatewaySchema = z
  .strictObject({
    fallbacks: z
      .record(ModelNameSchema, z.array(ModelNameSchema).min(1))
      .default({})
      .describe("Model name → names tried in order when it fails, e.g. { chat: [chat-small] }"),
    routingStrategy: z
      .enum(["simple-shuffle", "least-busy", "latency-based-routing"])
      .default(DEFAULTS.gateway.routingStrategy)
      .describe("How LiteLLM picks among deployments of one name. Default simple-shuffle"),
    numRetries: z
      .number()
      .int()
      .min(0)
      .max(10)
      .default(DEFAULTS.gateway.numRetries)
      .describe(`Retries of a failed call before falling back. Default ${DEFAULTS.gateway.numRetries}`),
    timeoutSeconds: z
      .number()
      .int()
      .min(1)
      .max(3600)
      .default(DEFAULTS.gateway.timeoutSeconds)
      .describe(`Timeout of one model call, seconds. Default ${DEFAULTS.gateway.timeoutSeconds}`),
    streamTimeoutSeconds: z
      .number()
      .int()
      .min(1)
      .max(3600)
      .default(DEFAULTS.gateway.streamTimeoutSeconds)
      .describe(`Timeout of a streaming call, seconds. Default ${DEFAULTS.gateway.streamTimeoutSeconds}`),
    allowedFails: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(DEFAULTS.gateway.allowedFails)
      .describe(
        `Failures per minute before a deployment cools down. Default ${DEFAULTS.gateway.allowedFails}`,
      ),
    cooldownSeconds: z
      .number()
      .int()
      .min(0)
      .max(3600)
      .default(DEFAULTS.gateway.cooldownSeconds)
      .describe(
        `How long a failing deployment is skipped, seconds. Default ${DEFAULTS.gateway.cooldownSeconds}`,
      ),
    dropParams: z
      .boolean()
      .default(DEFAULTS.gateway.dropParams)
      .describe("Drop OpenAI parameters a backend does not support instead of failing. Default true"),
  })
  .describe("The OpenAI-compatible LiteLLM gateway");

export const CacheSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(DEFAULTS.cache.enabled)
      .describe("Answer identical requests from Redis. Default true"),
    ttlSeconds: z
      .number()
      .int()
      .min(1)
      .max(30 * 86_400)
      .default(DEFAULTS.cache.ttlSeconds)
      .describe(`How long a cached answer lives, seconds. Default ${DEFAULTS.cache.ttlSeconds}`),
    maxMemoryMb: z
      .number()
      .int()
      .min(16)
      .max(1_048_576)
      .default(DEFAULTS.cache.maxMemoryMb)
      .describe(
        `Redis maxmemory, MB; least recently used answers are evicted past it. Default ${DEFAULTS.cache.maxMemoryMb}`,
      ),
  })
  .describe("The Redis response cache");

export const MonitoringSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(DEFAULTS.monitoring.enabled)
      .describe("Run Prometheus and Grafana. Default true"),
    scrapeIntervalSeconds: z
      .number()
      .int()
      .min(5)
      .max(300)
      .default(DEFAULTS.monitoring.scrapeIntervalSeconds)
      .describe(
        `How often Prometheus scrapes, seconds. Default ${DEFAULTS.monitoring.scrapeIntervalSeconds}`,
      ),
    retentionDays: z
      .number()
      .int()
      .min(1)
      .max(3650)
      .default(DEFAULTS.monitoring.retentionDays)
      .describe(`How long Prometheus keeps samples, days. Default ${DEFAULTS.monitoring.retentionDays}`),
  })
  .describe("Prometheus and Grafana");

export const LayerSchema = z
  .strictObject({
    target: TargetSchema.describe("Where the layer runs: { kind: docker } for dev"),
    models: z
      .array(ModelSchema)
      .min(1, { message: "list at least one model" })
      .describe("Models, one per name"),
    gateway: GatewaySchema.default(GatewaySchema.parse({})),
    cache: CacheSchema.default(CacheSchema.parse({})),
    monitoring: MonitoringSchema.default(MonitoringSchema.parse({})),
    catalog: z
      .strictObject({
        models: z
          .record(
            z
              .string()
              .regex(/^[a-z0-9][a-z0-9.-]*$/, { message: "must be lowercase letters, digits, dots, dashes" }),
            CatalogModelSchema,
          )
          .default({})
          .describe("Model id → architecture and runtime names"),
      })
      .default({ models: {} })
      .describe("Additions to the built-in model catalog"),
  })
  .describe("The ai-layer config (`ai-layer:layer`)");

export type LayerSpec = z.output<typeof LayerSchema>;
export type ModelEntry = z.output<typeof ModelSchema>;
export type DockerTarget = z.output<typeof DockerTargetSchema>;
export type GatewaySpec = z.output<typeof GatewaySchema>;
export type CacheSpec = z.output<typeof CacheSchema>;
export type MonitoringSpec = z.output<typeof MonitoringSchema>;
