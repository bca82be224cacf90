import { z } from "zod";
import { DEFAULTS } from "./defaults";
import { ImageRefSchema } from "./modelSchema";
import { CatalogModelSchema, ModelNameSchema, ModelSchema } from "./modelSchema";
import { TargetSchema } from "./targetSchema";

/**
 * The layer config (`ai-layer:layer`): one structured value per stack. Objects are strict (an unknown key is an
 * error naming it), every field has a description (the README's config reference is generated from them), and
 * every default comes from ./defaults.ts. Cross-field rules live in ./crossChecks.ts.
 */

export const GatewaySchema = z
  .strictObject({
    fallbacks: z
      .record(ModelNameSchema, z.array(ModelNameSchema).min(1))
      .default({})
      .describe("Model name → names tried in order when it fails, e.g. { chat: [chat-small] }"),
    replicas: z
      .strictObject({
        min: z
          .number()
          .int()
          .min(1)
          .max(100)
          .default(DEFAULTS.gateway.replicas.min)
          .describe("Fewest gateway replicas"),
        max: z
          .number()
          .int()
          .min(1)
          .max(100)
          .default(DEFAULTS.gateway.replicas.max)
          .describe("Most gateway replicas (scaled on CPU)"),
      })
      .default(DEFAULTS.gateway.replicas)
      .describe("Gateway replicas (kubernetes target; docker runs one). Default 1–1"),
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
    existingRedis: z
      .strictObject({
        url: z
          .string()
          .regex(/^rediss?:\/\/[A-Za-z0-9.-]+:\d{1,5}$/, {
            message:
              "must be redis://host:port or rediss://host:port (TLS); the password goes in ai-layer:redisPassword, not the URL",
          })
          .describe("redis://host:port, or rediss://host:port for TLS, as the gateway reaches it"),
      })
      .optional()
      .describe(
        "A Redis (≥ 7) you already run: the layer creates none, the gateway caches there with the password in secret ai-layer:redisPassword, and the exporter watches it",
      ),
  })
  .describe("The Redis response cache");

export const MonitoringSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(DEFAULTS.monitoring.enabled)
      .describe("Run Prometheus and Grafana. Default true"),
    existingPrometheus: z
      .strictObject({
        url: z
          .string()
          .regex(/^https?:\/\/[^/\s:]+:\d{1,5}$/, {
            message: "must be a Prometheus base URL with a port, e.g. http://prometheus.monitoring.svc:9090",
          })
          .describe(
            "Its base URL as the cluster reaches it, e.g. http://prometheus-operated.monitoring.svc:9090",
          ),
      })
      .optional()
      .describe(
        "Your own Prometheus (kubernetes and aws-eks targets): the layer runs no Prometheus or Grafana, KEDA queries yours, and the rendered scrape config, rules and dashboards are for you to load",
      ),
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
    slo: z
      .strictObject({
        p95LatencySeconds: z
          .number()
          .positive()
          .max(3600)
          .default(DEFAULTS.monitoring.slo.p95LatencySeconds)
          .describe(
            `p95 end-to-end latency an alert fires above, seconds. Default ${DEFAULTS.monitoring.slo.p95LatencySeconds}`,
          ),
        errorRatio: z
          .number()
          .positive()
          .max(1)
          .default(DEFAULTS.monitoring.slo.errorRatio)
          .describe(
            `Failed / all requests an alert fires above (for 5m). Default ${DEFAULTS.monitoring.slo.errorRatio}`,
          ),
        waitingRequests: z
          .number()
          .int()
          .min(1)
          .max(10_000)
          .default(DEFAULTS.monitoring.slo.waitingRequests)
          .describe(
            `Requests waiting in a model's queue an alert fires above (for 10m). Default ${DEFAULTS.monitoring.slo.waitingRequests}`,
          ),
        kvCacheUsage: z
          .number()
          .min(0.5)
          .max(1)
          .default(DEFAULTS.monitoring.slo.kvCacheUsage)
          .describe(
            `KV-cache fill (0–1) an alert fires above. Default ${DEFAULTS.monitoring.slo.kvCacheUsage}`,
          ),
      })
      .default(DEFAULTS.monitoring.slo)
      .describe("Alert thresholds"),
  })
  .describe("Prometheus and Grafana");

const imageRef = (service: string) =>
  ImageRefSchema.optional().describe(
    `Image for ${service}, e.g. a registry mirror; pin a version tag or digest`,
  );

export const BudgetSchema = z
  .strictObject({
    monthlyUsd: z
      .number()
      .positive()
      .max(10_000_000)
      .describe("Monthly budget, USD, checked against max scale (730 h)"),
    onExceed: z
      .enum(["fail", "warn"])
      .default(DEFAULTS.budget.onExceed)
      .describe("fail: plan/up stop when max scale would exceed the budget; warn: report it. Default fail"),
    assumedUtilization: z
      .number()
      .min(0.01)
      .max(1)
      .default(DEFAULTS.budget.assumedUtilization)
      .describe(
        `Share of each hour a replica generates, for $ per 1M tokens. Default ${DEFAULTS.budget.assumedUtilization}`,
      ),
    assumedRequestTokens: z
      .strictObject({
        prompt: z.number().int().min(1).max(10_000_000).describe("Prompt tokens of a typical request"),
        output: z.number().int().min(1).max(10_000_000).describe("Output tokens of a typical request"),
      })
      .default(DEFAULTS.budget.assumedRequestTokens)
      .describe(
        "A typical request, for $ per 1M tokens: a replica batches as many such requests as the KV cache left " +
          "after the weights holds (at most 8). Default " +
          `${DEFAULTS.budget.assumedRequestTokens.prompt} prompt + ${DEFAULTS.budget.assumedRequestTokens.output} output tokens`,
      ),
  })
  .describe("What the layer may cost");

export const SecuritySchema = z
  .strictObject({
    requireImageDigests: z
      .boolean()
      .default(false)
      .describe(
        "Refuse any image pinned by tag only: every image must carry a sha256 digest, from the image lock " +
          "(`npm run images:lock`) or an `images` override (repo:tag@sha256:…); also makes the policy " +
          "images-pinned-by-digest mandatory in the offline plan. Default false (the policy stays advisory)",
      ),
  })
  .describe("Supply-chain settings (README: Image pinning)");

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
    budget: BudgetSchema.optional(),
    security: SecuritySchema.default(SecuritySchema.parse({})),
    images: z
      .strictObject({
        ollama: imageRef("ollama"),
        gateway: imageRef("gateway"),
        redis: imageRef("redis"),
        redisExporter: imageRef("redisExporter"),
        prometheus: imageRef("prometheus"),
        grafana: imageRef("grafana"),
        alertmanager: imageRef("alertmanager"),
        vllm: imageRef("vllm"),
        nvidiaDevicePlugin: imageRef("nvidiaDevicePlugin"),
        dcgmExporter: imageRef("dcgmExporter"),
      })
      .default({})
      .describe("Image overrides per service (a mirror, a newer pinned tag); the catalog pins the defaults"),
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
/** The layer config as written (defaults optional): type a spec in code with `satisfies LayerSpecInput`. */
export type LayerSpecInput = z.input<typeof LayerSchema>;
export type GatewaySpec = z.output<typeof GatewaySchema>;
export type CacheSpec = z.output<typeof CacheSchema>;
export type MonitoringSpec = z.output<typeof MonitoringSchema>;
export type BudgetSpec = z.output<typeof BudgetSchema>;
